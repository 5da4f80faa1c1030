// What INFO says, section by section: the fields the checks read, typed; the rest kept as read. Parsed in src/redis/info.ts.
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
export const anyField = z.string().transform((text): string | number => (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text));

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
  instantaneous_ops_per_sec: num,
  expired_keys: num,
  /** Hash fields expired since start (Redis 7.4+: HEXPIRE); absent on servers that do not expire fields. */
  expired_subkeys: num,
  evicted_keys: num,
  total_eviction_exceeded_time: num,
  keyspace_hits: num,
  keyspace_misses: num,
  /** Full resynchronisations this node served its replicas since it started. */
  sync_full: num,
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

/** The sections whose fields are typed; INFO's other sections are kept in `other`. */
export const INFO_SECTIONS = {
  server: ServerSection,
  clients: ClientsSection,
  memory: MemorySection,
  persistence: PersistenceSection,
  stats: StatsSection,
  replication: ReplicationSection,
  cluster: ClusterSection,
} as const;
export type InfoSection = keyof typeof INFO_SECTIONS;
