// State store in keyloss's own Redis (STATE_REDIS_URL, never a diagnosed cache), so every replica sees every incident.
import { createHash } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { describeError, redact } from '../redact.ts';
import { parseInfo } from '../redis/info.ts';
import { describeEndpoint, parseRedisUrl, type RedisEndpoint } from '../redis/url.ts';
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
  /** Where the URL came from, named in a failure: `--state` when a flag gave it. Default `STATE_REDIS_URL`. */
  source?: string;
}

export const DEFAULT_STATE_PREFIX = 'keyloss:';

/**
 * A connection to the state Redis: one server, or a Redis Cluster (Azure Managed Redis with the OSS clustering policy)
 * through ioredis's Cluster client. Every multi-key operation keyloss sends keeps its keys in one hash slot, so the same
 * commands serve both (and a proxy that refuses cross-slot commands, as AMR's Enterprise policy does).
 */
export type StateClient = Redis | Cluster;

/** A Lua script with its SHA1, sent by `runScript`. */
export interface StateScript {
  lua: string;
  sha: string;
}

export function stateScript(lua: string): StateScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * Runs `script` over `keys` (one hash slot, on a cluster) with `args`: EVALSHA, and EVAL when the server does not know
 * it yet (first use, a restart, a failover, SCRIPT FLUSH); a NOSCRIPT reply means nothing ran, so the EVAL runs it once.
 */
export async function runScript(client: StateClient, script: StateScript, keys: readonly string[], args: ReadonlyArray<string | number | Buffer>): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!/NOSCRIPT/.test(describeError(error))) throw error;
    return client.eval(script.lua, keys.length, ...keys, ...args);
  }
}

/** The primaries that hold the keys: the server itself, or every primary of the cluster (what a SCAN must visit). */
export function primariesOf(client: StateClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** A state Redis that could not be reached or refused a command; the message names host:port and is redacted. */
export class StateUnavailable extends Error {
  constructor(address: string, what: string, cause: unknown) {
    super(`the state Redis at ${address} failed to ${what}: ${describeError(cause)}`);
    this.name = 'StateUnavailable';
  }
}

// One hash per value: `v` the version, `j` the JSON. Compare-and-set in one script, so two writers cannot both win.
// ARGV: expected version ('' = must not exist), json, ttl ms. Returns the new version, or -1 on conflict.
const PUT_SCRIPT = stateScript(`
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
`);

// A counted lease: a sorted set of holders scored by when their lease ends, on the state Redis's clock (TIME), so the
// replicas' clocks do not matter. Expired holders are dropped first; a holder already in renews its place.
// KEYS: the lease set. ARGV: holder, limit, ttl ms. Returns 1 when the place is held, 0 when every place is taken.
const LEASE_SCRIPT = stateScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  -- The set lives as long as its longest lease.
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', KEYS[1], last[2])
  return 1
end
return 0
`);

export class RedisStateStore implements StateStore {
  readonly prefix: string;
  /** `host:port` of the state Redis, for messages. */
  readonly address: string;
  /** A Redis Cluster (ioredis's Cluster client), not one server. */
  readonly cluster: boolean;
  private readonly check: RecordCheck;

  constructor(
    private readonly client: StateClient,
    address: string,
    prefix = DEFAULT_STATE_PREFIX,
    onUnreadable?: OnUnreadable,
  ) {
    this.address = address;
    this.cluster = client instanceof Cluster;
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
    return this.check.read(key, kind, await this.attempt(`read ${key}`, () => this.readStored(key, kind.maxChars)), () => this.delete(key));
  }

  /**
   * The stored version and JSON under `key`, their type and size asked first: a huge value costs the state Redis an
   * HSTRLEN, not this process its memory (read-only commands, so a state user that may only read can still read).
   */
  private async readStored(key: string, maxChars: number): Promise<{ json: string; version: number } | { unreadable: string } | null> {
    const valueKey = this.valueKey(key);
    const replies = (await this.client.pipeline().type(valueKey).hstrlen(valueKey, 'j').hstrlen(valueKey, 'v').exec()) ?? [];
    // The lengths of a key that is no hash are refused (WRONGTYPE): its type says enough.
    const [[typeError, type] = [new Error('the pipeline was aborted'), null], ...lengths] = replies;
    if (typeError) throw typeError;
    if (type === 'none') return null;
    if (type !== 'hash') return { unreadable: `a ${String(type)}, not a hash` };
    const failed = lengths.find(([error]) => error);
    if (failed) throw failed[0];
    const [jsonBytes, versionBytes] = lengths.map(([, reply]) => reply);
    // A JSON of `maxChars` UTF-16 units takes at most three bytes each in UTF-8; the exact count is checked once read.
    if (Number(jsonBytes) > 3 * maxChars) return { unreadable: `${Number(jsonBytes)} bytes, more than the ${maxChars} characters it may hold` };
    if (Number(versionBytes) > 20) return { unreadable: `a version of ${Number(versionBytes)} bytes` };
    const [version, json] = await this.client.hmget(valueKey, 'v', 'j');
    if (version == null && json == null) return null;
    // A hash without both fields is no record keyloss wrote: checked (and removed) like one that is not JSON.
    return { json: version == null ? '' : (json ?? ''), version: Number(version) };
  }

  async put<T>(key: string, kind: RecordKind<T>, value: T, expectedVersion: number | null, ttlMs: number): Promise<PutResult> {
    const json = this.check.write(key, kind, value);
    const args = [expectedVersion === null ? '' : String(expectedVersion), json, String(Math.max(1, Math.round(ttlMs)))];
    const version = Number(await this.attempt(`write ${key}`, () => runScript(this.client, PUT_SCRIPT, [this.valueKey(key)], args)));
    return version < 0 ? { ok: false, reason: 'conflict' } : { ok: true, version };
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

  /** `<prefix>lease:{<key>}`: one key per lease set, its name a hash tag, so every lease operation is one slot. */
  private leaseKey(key: string): string {
    return `${this.prefix}lease:{${key}}`;
  }

  async lease(key: string, holder: string, limit: number, ttlMs: number): Promise<boolean> {
    const args = [holder, String(Math.max(0, Math.floor(limit))), String(Math.max(1, Math.round(ttlMs)))];
    return Number(await this.attempt(`lease ${key}`, () => runScript(this.client, LEASE_SCRIPT, [this.leaseKey(key)], args))) === 1;
  }

  async unlease(key: string, holder: string): Promise<void> {
    await this.attempt(`unlease ${key}`, () => this.client.zrem(this.leaseKey(key), holder));
  }

  async delete(key: string): Promise<void> {
    // UNLINK: a huge value put there by hand is freed off the state Redis's main thread.
    await this.attempt(`delete ${key}`, () => this.client.unlink(this.valueKey(key)));
  }

  async keys(prefix: string): Promise<string[]> {
    const stored = this.valueKey('');
    const match = `${(stored + prefix).replace(/[*?[\]\\]/g, '\\$&')}*`;
    const found = new Set<string>();
    // A cluster's keys are spread over its primaries: each is scanned in turn.
    for (const node of primariesOf(this.client)) {
      let cursor = '0';
      do {
        const [next, batch] = await this.attempt(`list ${prefix}*`, () => node.scan(cursor, 'MATCH', match, 'COUNT', 500));
        for (const key of batch) found.add(key.slice(stored.length));
        cursor = next;
      } while (cursor !== '0');
    }
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

export type OpenStateClientResult = { ok: true; client: StateClient; address: string; cluster: boolean } | { ok: false; reason: string };

/**
 * A connection to the state Redis at `url` that answered (the store's, and the recorder's); the URL's password is
 * registered as a secret. A server whose INFO says `cluster_enabled:1` is a Redis Cluster (or AMR with the OSS
 * clustering policy): the connection is then ioredis's Cluster client, seeded with that node, following the slots.
 * Either way it reconnects with backoff behind failed requests: the state Redis is keyloss's own.
 */
export async function openStateClient(url: string, options: RedisStateOptions & { connectionName?: string } = {}): Promise<OpenStateClientResult> {
  const parsed = parseRedisUrl(url);
  const source = options.source ?? 'STATE_REDIS_URL';
  if (!parsed.ok) return { ok: false, reason: `${source}: ${parsed.reason}` };
  const endpoint = parsed.endpoint;
  const address = describeEndpoint(endpoint);
  const nodeOptions = stateNodeOptions(endpoint, options);
  const client = new Redis({ ...nodeOptions, host: endpoint.host, port: endpoint.port, db: endpoint.db });
  const failure = (cause: unknown) => ({ ok: false as const, reason: redact(`cannot use the state Redis at ${address} (${source}): ${describeError(cause)}`) });
  const errors = lastErrorOf(client);
  let clustered: boolean;
  try {
    await client.connect();
    await client.ping();
    // A server that refuses INFO (some proxies) is taken as one server, as it answers.
    const info = await client.info('cluster').catch(() => '');
    clustered = parseInfo(info).cluster.cluster_enabled === 1;
  } catch (error) {
    client.disconnect();
    return failure(errors.last ?? error);
  }
  if (!clustered) return { ok: true, client, address, cluster: false };
  client.disconnect();
  if (endpoint.db !== 0) return { ok: false, reason: `the state Redis at ${address} is a Redis Cluster, which has only database 0: drop /${endpoint.db} from ${source}` };
  const cluster = new Cluster([{ host: endpoint.host, port: endpoint.port }], {
    redisOptions: nodeOptions,
    // Nodes announce names (AMR: the endpoint's host name on other ports) that TLS must verify as they are.
    ...(endpoint.tls ? { dnsLookup: (host: string, callback: (error: null, address: string) => void) => callback(null, host) } : {}),
    clusterRetryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 2_000),
    slotsRefreshTimeout: options.connectTimeoutMs ?? 5_000,
    lazyConnect: true,
  });
  const clusterErrors = lastErrorOf(cluster);
  try {
    await cluster.connect();
    await cluster.ping();
  } catch (error) {
    cluster.disconnect();
    return failure(clusterErrors.last ?? error);
  }
  return { ok: true, client: cluster, address, cluster: true };
}

/** What every connection to the state Redis (one server, or each node of a cluster) is opened with. */
function stateNodeOptions(endpoint: RedisEndpoint, options: RedisStateOptions & { connectionName?: string }): RedisOptions {
  return {
    username: endpoint.username ?? undefined,
    password: endpoint.password ?? undefined,
    tls: endpoint.tls ? { servername: endpoint.host } : undefined,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    // A request waits for at most one reconnection, then fails with a sentence; the client keeps reconnecting behind it.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
    lazyConnect: true,
    connectionName: options.connectionName ?? 'keyloss-state',
  };
}

/** ioredis would print unhandled `error` events with their text; the last one is kept for the failure sentence instead. */
function lastErrorOf(client: StateClient): { last: unknown } {
  const seen: { last: unknown } = { last: null };
  client.on('error', (error: unknown) => {
    seen.last = error;
  });
  return seen;
}
