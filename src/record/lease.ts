// One recorder per cache at a time across processes: a lease in the state Redis, renewed while held, free when it lapses.
// The lease key is untrusted like every state record: one that no recorder could have written (another type, a huge
// value, no TTL) is repaired where it stands and said once, never left to keep every recorder idle.
import { runScript, stateScript, type StateClient } from '../state/redis.ts';

/** A holder's name is a replica id (KEYLOSS_REPLICA_ID, or host:pid): a lease value longer than this is not one. */
const MAX_HOLDER_BYTES = 512;

// KEYS[1] the lease; ARGV: holder, ms, the longest holder. Takes the lease when free, renews it when ours. Returns {1
// when held by us now, else 0; what was wrong with the key: '' (nothing), 'type' (another type, removed), 'size' (too
// long, removed) or 'ttl' (another holder without a TTL, given one); its type, size or holder}.
const HOLD = stateScript(`
local kind = redis.call('TYPE', KEYS[1]).ok
local anomaly, detail = '', ''
if kind ~= 'none' and kind ~= 'string' then
  redis.call('UNLINK', KEYS[1])
  anomaly, detail, kind = 'type', kind, 'none'
elseif kind == 'string' and redis.call('STRLEN', KEYS[1]) > tonumber(ARGV[3]) then
  anomaly, detail = 'size', tostring(redis.call('STRLEN', KEYS[1]))
  redis.call('UNLINK', KEYS[1])
  kind = 'none'
end
if kind == 'none' then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, anomaly, detail}
end
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, anomaly, detail}
end
if redis.call('PTTL', KEYS[1]) == -1 then
  -- Every recorder writes its lease with a TTL: one without would keep every recorder away for ever.
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  anomaly, detail = 'ttl', holder
end
return {0, anomaly, detail}
`);

const RELEASE = stateScript(`if redis.call('TYPE', KEYS[1]).ok == 'string' and redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`);

/** Whether we hold the lease now, and what was wrong with its key when it was not one a recorder wrote (repaired). */
export interface LeaseState {
  held: boolean;
  anomaly: string | null;
}

function anomalyText(anomaly: string, detail: string, ms: number): string {
  if (anomaly === 'type') return `was a ${detail}, not a lease: removed`;
  if (anomaly === 'size') return `held ${detail} bytes, more than a recorder's name (${MAX_HOLDER_BYTES}): removed`;
  // JSON quoting: the name is whatever was written there, control characters included.
  return `was held by ${JSON.stringify(detail)} without a TTL, which no recorder writes: given one of ${ms} ms, so it lapses unless its holder renews it`;
}

export class Lease {
  constructor(
    private readonly client: StateClient,
    readonly key: string,
    readonly holder: string,
    readonly ms: number,
  ) {}

  /**
   * Takes the lease when it is free, renews it when it is ours; not held when another recorder holds it. A key no
   * recorder could have written is repaired and said in `anomaly`. Throws when the state Redis cannot be asked.
   */
  async acquire(): Promise<LeaseState> {
    const ms = Math.max(1, Math.round(this.ms));
    const [held, anomaly, detail] = (await runScript(this.client, HOLD, [this.key], [this.holder, ms, MAX_HOLDER_BYTES])) as [number, string, string];
    return { held: Number(held) === 1, anomaly: anomaly ? `the lease key ${this.key} ${anomalyText(anomaly, detail, ms)}` : null };
  }

  async release(): Promise<void> {
    await runScript(this.client, RELEASE, [this.key], [this.holder]);
  }

  /** Who holds it now, if anyone. */
  holderNow(): Promise<string | null> {
    return leaseHolder(this.client, this.key);
  }
}

/** Who holds the lease at `key` now, if anyone: a name, at most MAX_HOLDER_BYTES of it, whatever was put there. */
export async function leaseHolder(client: StateClient, key: string): Promise<string | null> {
  if ((await client.type(key)) !== 'string') return null;
  return client.getrange(key, 0, MAX_HOLDER_BYTES - 1);
}
