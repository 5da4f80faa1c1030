// State store in keyloss's own Redis (STATE_REDIS_URL, never a diagnosed cache), so every replica sees every incident.
import { Redis } from 'ioredis';
import { describeError, redact } from '../redact.ts';
import { describeEndpoint, parseRedisUrl } from '../redis/url.ts';
import { RecordCheck, type OnUnreadable, type PutResult, type RecordKind, type StateStore, type Versioned } from './store.ts';

export interface RedisStateOptions {
  /** Prepended to every key, so one Redis can hold several keyloss installations. Default `keyloss:`. */
  prefix?: string;
  /** Per-command timeout; a state Redis that stops answering fails the request instead of hanging it. Default 2000 ms. */
  commandTimeoutMs?: number;
  /** Time to connect. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Told once per stored record that is malformed or oversized (it is then removed and read as absent). Default: stderr. */
  onUnreadable?: OnUnreadable;
}

export const DEFAULT_STATE_PREFIX = 'keyloss:';

/** A state Redis that could not be reached or refused a command; the message names host:port and is redacted. */
export class StateUnavailable extends Error {
  constructor(address: string, what: string, cause: unknown) {
    super(`the state Redis at ${address} failed to ${what}: ${describeError(cause)}`);
    this.name = 'StateUnavailable';
  }
}

// One hash per value: `v` the version, `j` the JSON. Compare-and-set in one script, so two writers cannot both win.
// ARGV: expected version ('' = must not exist), json, ttl ms. Returns the new version, or -1 on conflict.
const PUT_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'v')
if current == false then
  if ARGV[1] ~= '' then return -1 end
  current = 0
else
  if current ~= ARGV[1] then return -1 end
  current = tonumber(current)
end
local version = current + 1
redis.call('HSET', KEYS[1], 'v', version, 'j', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return version
`;

export class RedisStateStore implements StateStore {
  readonly prefix: string;
  /** `host:port` of the state Redis, for messages. */
  readonly address: string;
  private putSha: string | null = null;
  private readonly check: RecordCheck;

  constructor(
    private readonly client: Redis,
    address: string,
    prefix = DEFAULT_STATE_PREFIX,
    onUnreadable?: OnUnreadable,
  ) {
    this.address = address;
    this.prefix = prefix;
    this.check = new RecordCheck(onUnreadable);
  }

  private valueKey(key: string): string {
    return `${this.prefix}state:${key}`;
  }

  private claimKey(key: string): string {
    return `${this.prefix}claim:${key}`;
  }

  private async attempt<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new StateUnavailable(this.address, what, error);
    }
  }

  async get<T>(key: string, kind: RecordKind<T>): Promise<Versioned<T> | null> {
    const read = () => this.client.hmget(this.valueKey(key), 'v', 'j');
    // A key of another type, or a hash without both fields, is no record keyloss wrote: checked (and removed) like
    // one that is not JSON.
    const [version, json] = await this.attempt(`read ${key}`, () => read().catch((error: unknown) => (/WRONGTYPE/.test(describeError(error)) ? ['0', ''] : Promise.reject(error))));
    const stored = version == null && json == null ? null : { json: version == null ? '' : (json ?? ''), version: Number(version) };
    return this.check.read(key, kind, stored, () => this.delete(key));
  }

  async put<T>(key: string, kind: RecordKind<T>, value: T, expectedVersion: number | null, ttlMs: number): Promise<PutResult> {
    const json = this.check.write(key, kind, value);
    const args = [this.valueKey(key), expectedVersion === null ? '' : String(expectedVersion), json, String(Math.max(1, Math.round(ttlMs)))];
    const version = Number(await this.attempt(`write ${key}`, () => this.runPut(args)));
    return version < 0 ? { ok: false, reason: 'conflict' } : { ok: true, version };
  }

  private async runPut(args: string[]): Promise<unknown> {
    const [valueKey, ...argv] = args as [string, ...string[]];
    if (this.putSha === null) this.putSha = String(await this.client.script('LOAD', PUT_SCRIPT));
    try {
      return await this.client.evalsha(this.putSha, 1, valueKey, ...argv);
    } catch (error) {
      // The state Redis restarted (or SCRIPT FLUSH ran) since the script was loaded.
      if (!/NOSCRIPT/.test(describeError(error))) throw error;
      return this.client.eval(PUT_SCRIPT, 1, valueKey, ...argv);
    }
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const reply = await this.attempt(`claim ${key}`, () =>
      this.client.set(this.claimKey(key), '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX'),
    );
    return reply === 'OK';
  }

  async release(key: string): Promise<void> {
    await this.attempt(`release ${key}`, () => this.client.del(this.claimKey(key)));
  }

  async delete(key: string): Promise<void> {
    await this.attempt(`delete ${key}`, () => this.client.del(this.valueKey(key)));
  }

  async keys(prefix: string): Promise<string[]> {
    const stored = this.valueKey('');
    const match = `${(stored + prefix).replace(/[*?[\]\\]/g, '\\$&')}*`;
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await this.attempt(`list ${prefix}*`, () => this.client.scan(cursor, 'MATCH', match, 'COUNT', 500));
      for (const key of batch) found.add(key.slice(stored.length));
      cursor = next;
    } while (cursor !== '0');
    return [...found];
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      // Already closed or unreachable: nothing is left to flush.
      this.client.disconnect();
    }
  }
}

export type OpenStateResult = { ok: true; store: RedisStateStore } | { ok: false; reason: string };

/**
 * Connects to the state Redis at `url` and proves it answers; the URL's password is registered as a secret.
 * Unlike a diagnosed cache, the state Redis is reconnected to with backoff: it is keyloss's own and must come back.
 */
export async function openRedisStateStore(url: string, options: RedisStateOptions = {}): Promise<OpenStateResult> {
  const opened = await openStateClient(url, options);
  if (!opened.ok) return opened;
  return { ok: true, store: new RedisStateStore(opened.client, opened.address, options.prefix ?? DEFAULT_STATE_PREFIX, options.onUnreadable) };
}

export type OpenStateClientResult = { ok: true; client: Redis; address: string } | { ok: false; reason: string };

/**
 * A connection to the state Redis at `url` that answered a PING (the store's, and the recorder's); the URL's password is
 * registered as a secret. It reconnects with backoff behind failed requests: the state Redis is keyloss's own.
 */
export async function openStateClient(url: string, options: RedisStateOptions & { connectionName?: string } = {}): Promise<OpenStateClientResult> {
  const parsed = parseRedisUrl(url);
  if (!parsed.ok) return { ok: false, reason: `STATE_REDIS_URL: ${parsed.reason}` };
  const endpoint = parsed.endpoint;
  const address = describeEndpoint(endpoint);
  const client = new Redis({
    host: endpoint.host,
    port: endpoint.port,
    db: endpoint.db,
    username: endpoint.username ?? undefined,
    password: endpoint.password ?? undefined,
    tls: endpoint.tls ? {} : undefined,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    // A request waits for at most one reconnection, then fails with a sentence; the client keeps reconnecting behind it.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
    lazyConnect: true,
    connectionName: options.connectionName ?? 'keyloss-state',
  });
  let lastError: unknown = null;
  // ioredis would print unhandled `error` events with their text; keep the last one for the failure sentence instead.
  client.on('error', (error: unknown) => {
    lastError = error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    const cause = lastError ?? error;
    return { ok: false, reason: redact(`cannot use the state Redis at ${address} (STATE_REDIS_URL): ${describeError(cause)}`) };
  }
  return { ok: true, client, address };
}
