// Parses INFO text into typed sections; tolerant of missing fields (Azure Managed Redis, Redis Enterprise, old servers).
import { z } from 'zod';

const num = z.string().transform((text, ctx) => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a number` });
    return z.NEVER;
  }
  return value;
});
const str = z.string();
/** Unknown fields are kept: numbers when they look like numbers, text otherwise. */
const anyField = z.string().transform((text): string | number => (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text));

// Only the fields the checks read are typed; a server that omits one simply leaves it undefined.
const section = <T extends z.ZodRawShape>(shape: T) => z.object(shape).partial().catchall(anyField);

const ServerSection = section({
  redis_version: str,
  redis_mode: str,
  run_id: str,
  tcp_port: num,
  uptime_in_seconds: num,
  server_time_usec: num,
});
const ClientsSection = section({ connected_clients: num, maxclients: num, blocked_clients: num });
const MemorySection = section({
  used_memory: num,
  used_memory_rss: num,
  used_memory_peak: num,
  maxmemory: num,
  maxmemory_policy: str,
  mem_fragmentation_ratio: num,
});
const PersistenceSection = section({
  loading: num,
  rdb_changes_since_last_save: num,
  rdb_last_save_time: num,
  rdb_last_bgsave_status: str,
  rdb_saves: num,
  rdb_last_load_keys_loaded: num,
  rdb_last_load_keys_expired: num,
  aof_enabled: num,
});
const StatsSection = section({
  total_commands_processed: num,
  expired_keys: num,
  evicted_keys: num,
  total_eviction_exceeded_time: num,
  keyspace_hits: num,
  keyspace_misses: num,
});
const ReplicationSection = section({
  role: str,
  connected_slaves: num,
  master_replid: str,
  master_replid2: str,
  master_repl_offset: num,
  second_repl_offset: num,
  master_host: str,
  master_port: num,
  master_link_status: str,
  master_link_down_since_seconds: num,
  master_last_io_seconds_ago: num,
  slave_repl_offset: num,
});
const ClusterSection = section({ cluster_enabled: num });

export interface ReplicaLine {
  ip: string;
  port: number;
  state: string;
  offset: number;
  /** Seconds since the replica last acknowledged; null when the server does not say. */
  lag: number | null;
}

export interface CommandStat {
  calls: number;
  usec: number;
  usecPerCall: number;
  rejectedCalls?: number;
  failedCalls?: number;
}

export interface KeyspaceEntry {
  db: number;
  keys: number;
  expires: number;
  /** Milliseconds, as INFO reports it (an estimate, 0 when no key carries a TTL). */
  avgTtl: number;
  subexpiry?: number;
}

type Fields = Record<string, string | number>;

export interface Info {
  server: z.output<typeof ServerSection>;
  clients: z.output<typeof ClientsSection>;
  memory: z.output<typeof MemorySection>;
  persistence: z.output<typeof PersistenceSection>;
  stats: z.output<typeof StatsSection>;
  replication: z.output<typeof ReplicationSection>;
  /** The `slaveN:ip=…,port=…` lines of INFO replication on a primary. */
  replicas: ReplicaLine[];
  /** By command name as INFO spells it after `cmdstat_` (`del`, `client|list`). */
  commandstats: Record<string, CommandStat>;
  /** By error prefix after `errorstat_` (`ERR`, `WRONGTYPE`). */
  errorstats: Record<string, { count: number }>;
  keyspace: KeyspaceEntry[];
  cluster: z.output<typeof ClusterSection>;
  /** Sections not modelled above (cpu, modules, latencystats, vendor extras), kept as read. */
  other: Record<string, Fields>;
}

const SECTIONS = {
  server: ServerSection,
  clients: ClientsSection,
  memory: MemorySection,
  persistence: PersistenceSection,
  stats: StatsSection,
  replication: ReplicationSection,
  cluster: ClusterSection,
} as const;
type ModelledSection = keyof typeof SECTIONS;

/** `a=1,b=x` → { a: '1', b: 'x' } */
function parsePairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

function toNumber(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

export function parseInfo(text: string): Info {
  const raw: Record<string, Record<string, string>> = {};
  const info: Info = {
    server: {},
    clients: {},
    memory: {},
    persistence: {},
    stats: {},
    replication: {},
    replicas: [],
    commandstats: {},
    errorstats: {},
    keyspace: [],
    cluster: {},
    other: {},
  };
  // Servers without section headers (very old ones, some proxies) still get their fields placed by name below.
  let current = 'unknown';
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) {
      current = line.slice(1).trim().toLowerCase();
      continue;
    }
    const at = line.indexOf(':');
    if (at <= 0) continue;
    const key = line.slice(0, at);
    const value = line.slice(at + 1).trim();

    if (key.startsWith('cmdstat_')) {
      const p = parsePairs(value);
      const stat: CommandStat = {
        calls: toNumber(p.calls) ?? 0,
        usec: toNumber(p.usec) ?? 0,
        usecPerCall: toNumber(p.usec_per_call) ?? 0,
      };
      const rejected = toNumber(p.rejected_calls);
      const failed = toNumber(p.failed_calls);
      if (rejected !== undefined) stat.rejectedCalls = rejected;
      if (failed !== undefined) stat.failedCalls = failed;
      info.commandstats[key.slice('cmdstat_'.length).toLowerCase()] = stat;
      continue;
    }
    if (key.startsWith('errorstat_')) {
      info.errorstats[key.slice('errorstat_'.length)] = { count: toNumber(parsePairs(value).count) ?? 0 };
      continue;
    }
    const db = /^db(\d+)$/.exec(key);
    if (db && value.includes('keys=')) {
      const p = parsePairs(value);
      const entry: KeyspaceEntry = {
        db: Number(db[1]),
        keys: toNumber(p.keys) ?? 0,
        expires: toNumber(p.expires) ?? 0,
        avgTtl: toNumber(p.avg_ttl) ?? 0,
      };
      const subexpiry = toNumber(p.subexpiry);
      if (subexpiry !== undefined) entry.subexpiry = subexpiry;
      info.keyspace.push(entry);
      continue;
    }
    if (/^slave\d+$/.test(key) && value.includes('ip=')) {
      const p = parsePairs(value);
      info.replicas.push({
        ip: p.ip ?? '',
        port: toNumber(p.port) ?? 0,
        state: p.state ?? 'unknown',
        offset: toNumber(p.offset) ?? 0,
        lag: toNumber(p.lag) ?? null,
      });
      continue;
    }
    const target = current in SECTIONS ? current : sectionOf(key) ?? current;
    (raw[target] ??= {})[key] = value;
  }

  for (const [name, fields] of Object.entries(raw)) {
    if (name in SECTIONS) {
      const schema = SECTIONS[name as ModelledSection];
      // A field the server formats unexpectedly is dropped rather than failing the whole INFO.
      const parsed = schema.safeParse(fields);
      const values = parsed.success ? parsed.data : schema.parse(dropInvalid(schema, fields));
      Object.assign(info[name as ModelledSection], values);
    } else {
      info.other[name] = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, anyField.parse(v)]));
    }
  }
  info.keyspace.sort((a, b) => a.db - b.db);
  return info;
}

function dropInvalid(schema: (typeof SECTIONS)[ModelledSection], fields: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (schema.safeParse({ [key]: value }).success) kept[key] = value;
  }
  return kept;
}

// For header-less INFO output: the section a well-known field belongs to.
function sectionOf(key: string): ModelledSection | undefined {
  for (const [name, schema] of Object.entries(SECTIONS)) {
    if (key in schema.shape) return name as ModelledSection;
  }
  return undefined;
}

const NEVER_PROMOTED_REPLID = '0'.repeat(40);

/** A primary whose replication id was shifted (REPLICAOF NO ONE, a failover) at `second_repl_offset`. */
export function wasPromoted(info: Info): boolean {
  const replid2 = info.replication.master_replid2;
  const second = info.replication.second_repl_offset;
  return replid2 !== undefined && replid2 !== NEVER_PROMOTED_REPLID && second !== undefined && second !== -1;
}

export function roleOf(info: Info): 'primary' | 'replica' | 'unknown' {
  const role = info.replication.role;
  if (role === 'master') return 'primary';
  if (role === 'slave' || role === 'replica') return 'replica';
  return 'unknown';
}
