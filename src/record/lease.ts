// One recorder per cache at a time across processes: a lease in the state Redis, renewed while held, free when it lapses.
import type { StateClient } from '../state/redis.ts';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class Lease {
  constructor(
    private readonly client: StateClient,
    readonly key: string,
    readonly holder: string,
    readonly ms: number,
  ) {}

  /** Takes the lease when it is free (or already ours). Throws when the state Redis cannot be asked. */
  async acquire(): Promise<boolean> {
    const set = await this.client.set(this.key, this.holder, 'PX', this.ms, 'NX');
    if (set === 'OK') return true;
    return this.renew();
  }

  /** Extends a lease we hold; false when another recorder holds it now (ours lapsed). */
  async renew(): Promise<boolean> {
    return Number(await this.client.eval(RENEW, 1, this.key, this.holder, this.ms)) === 1;
  }

  async release(): Promise<void> {
    await this.client.eval(RELEASE, 1, this.key, this.holder);
  }

  /** Who holds it now, if anyone. */
  async holderNow(): Promise<string | null> {
    return this.client.get(this.key);
  }
}
