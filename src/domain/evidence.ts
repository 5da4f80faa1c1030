// The evidence each Redis check produces, as the diagnosis reads it.
import { z } from 'zod';
import { JsonNumber } from './json-number.ts';
import type { Info } from './info.ts';
import type { NodeRef } from './node.ts';
import type { NameDifference } from './near-names.ts';
import type { EndpointProfile } from './endpoint.ts';

export interface InfoData {
  clusterEnabled: boolean;
  /** Every node INFO was read from; in a cluster, every primary and each reachable replica. */
  nodes: Array<NodeRef & { info: Info }>;
  /** Nodes listed by the cluster that could not be read, with the reason. */
  unreachable: Array<{ address: string; reason: string }>;
  /** What kind of endpoint the seed is, so what its answers can tell; absent in evidence stored before it existed. */
  endpoint?: EndpointProfile;
}

export interface KeyspaceLine {
  db: number;
  keys: number;
  expires: number;
  avgTtlMs: number;
  /** Hashes with at least one field TTL (Redis 7.4+ keyspace `subexpiry`); absent where the server does not print it. */
  subexpiry?: number;
}

export interface PresenceMatch {
  db: number;
  /** Keys matching the pattern found in this db (exact key: 0 or 1). */
  count: number;
  /** True when the scan stopped at its key or time budget, so `count` is a lower bound. */
  sampled: boolean;
  /** When sampled: the matching keys the db holds, estimated from the share of its keys the scan visited. */
  estimate?: SampleEstimate;
}

/**
 * What a partial SCAN says about the whole db: `matched` of `visited` keys matched, out of `dbKeys`; the estimate is
 * matched / visited x dbKeys, its range the 95 % Wilson interval of that share (never below what was seen).
 * With no match, `low` is 0 and `high` the most the db can hold unseen at 95 %.
 */
export interface SampleEstimate {
  keys: number;
  low: number;
  high: number;
  /** Share of the db's keys the scan visited (0..1). */
  fraction: number;
}

export const SampleEstimateSchema: z.ZodType<SampleEstimate> = z.object({ keys: JsonNumber, low: JsonNumber, high: JsonNumber, fraction: JsonNumber });

export interface PresenceData {
  pattern: string;
  isPattern: boolean;
  /** The db the application uses. */
  db: number;
  /** Present in the application's db (exact key: looked up with PTTL; pattern: at least one match). */
  present: boolean;
  /** One entry per db where at least one match was found. */
  matches: PresenceMatch[];
  /** Every db that was looked at, with whether the scan was complete. */
  dbsChecked: Array<{
    db: number;
    scannedKeys: number;
    complete: boolean;
    ms: number;
    /** True when the scan stopped once a match proved presence (other dbs): not a budget running out. */
    stoppedAtMatch?: boolean;
    /** When incomplete and the db's size is known: what the visited share says about the whole db. */
    estimate?: SampleEstimate;
  }>;
  /** Dbs that could not be selected (Azure Managed Redis refuses SELECT; clusters have only db 0). */
  dbsRefused: Array<{ db: number; reason: string }>;
  /** INFO keyspace, summed over primaries. */
  keyspace: KeyspaceLine[];
  /** Up to a few dozen matching key names from the application's db, for the TTL sample. */
  sampleKeys: string[];
  /**
   * One entry per primary (a standalone server is one shard): its own keyspace and, for a pattern, its own matches
   * in the application's db, so a cause can be judged on the shard that owns the keys and shards compared.
   */
  shards: ShardPresence[];
  /** How the scans were paced on each node searched (adaptive pacing only): what its load readings decided. */
  pacing?: ScanPacingSummary[];
  /** When nothing matched in any db: a near name that does (case, separator, a leading segment), from a bounded sample. */
  near?: NearNameFinding;
  /**
   * Why only db 0 can be read here ("it is a cluster", "it refuses SELECT, …"), when no other db shows keys either:
   * the keys cannot be in another database. Absent where the endpoint has more dbs or does not say.
   */
  oneDatabase?: string;
  /** Additive: the type of the exact key (`hash`, `string`, …) when it exists in the application's db. */
  keyType?: string;
  /** Additive: the asked hash field, when a field was asked and the exact key exists. */
  field?: FieldPresence;
}

/** Is the asked field in the asked key: null when HEXISTS failed (`reason`). */
export interface FieldPresence {
  name: string;
  present: boolean | null;
  /** The key is no hash, so it has no fields. */
  notAHash?: boolean;
  reason?: string;
}

/** A name that differs from the asked one only in case, a separator or a prefix, and what matches it. */
export interface NearNameFinding {
  /** The near key, or the near pattern (`order:*` for `ORDER:17` or `ORDER:*`). */
  name: string;
  isPattern: boolean;
  differs: NameDifference[];
  /** The db where it matches, and how many keys (a lower bound, or an estimate, when the count scan stopped early). */
  db: number;
  count: number;
  sampled: boolean;
  estimate?: SampleEstimate;
  /** An exact key asked, a near family found: the key as that family writes it, and whether it exists in `db`. */
  key?: string;
  keyExists?: boolean;
}

/** The range of the pacing decisions taken for one node's scans (src/redis/pacer.ts states the bounds). */
export interface ScanPacingSummary {
  address: string;
  /** Load readings taken (INFO cpu, stats, commandstats), the first before any SCAN. */
  readings: number;
  /** keyloss's target share of the server's time, lowest and highest. */
  duty: [number, number];
  /** SCAN COUNT, lowest and highest. */
  count: [number, number];
  /** The most commands per second others sent the node in one window; null: INFO did not say. */
  othersOpsPerSecMax: number | null;
  /** The highest share of the server's main thread others used in one window; null: INFO did not say. */
  othersCpuMax: number | null;
}

export const NearNameFindingSchema: z.ZodType<NearNameFinding> = z.object({
  name: z.string(),
  isPattern: z.boolean(),
  differs: z.array(z.enum(['case', 'separator', 'prefix'])),
  db: JsonNumber,
  count: JsonNumber,
  sampled: z.boolean(),
  estimate: SampleEstimateSchema.optional(),
  key: z.string().optional(),
  keyExists: z.boolean().optional(),
});

export const ScanPacingSummarySchema: z.ZodType<ScanPacingSummary> = z.object({
  address: z.string(),
  readings: JsonNumber,
  duty: z.tuple([JsonNumber, JsonNumber]),
  count: z.tuple([JsonNumber, JsonNumber]),
  othersOpsPerSecMax: z.number().nullable(),
  othersCpuMax: z.number().nullable(),
});

export interface ShardPresence {
  /** The primary serving the shard. */
  address: string;
  /** Inclusive slot ranges it serves; empty for a standalone server. */
  slots: Array<[number, number]>;
  /** Whether the keys asked about hash to this shard: the exact key's slot, a pattern's fixed {tag}, or every shard. */
  ownsKeys: boolean;
  /** The slot of the exact key (or the pattern's fixed hash tag) when it falls in this shard; null otherwise. */
  keySlot: number | null;
  /** INFO keyspace of this primary alone; null when it could not be read. */
  keyspace: KeyspaceLine[] | null;
  /** Pattern matches on this primary in the application's db (exact key: 0 or 1 on the owner); null when not looked at. */
  matches: number | null;
  /** False when this primary's scan stopped at its budget or failed. */
  complete: boolean;
}

/** Field TTLs of hashes (Redis 7.4+ HEXPIRE): the asked key's other fields, or hashes among the sampled keys. */
export interface FieldTtlData {
  /** The key or pattern whose hashes were sampled. */
  pattern: string;
  /** The asked field, when one was. */
  field: string | null;
  db: number;
  /** Hashes of the db with at least one field TTL (keyspace `subexpiry`); null where the server does not print it. */
  subexpiry: number | null;
  /** Hashes sampled, and how many of them carry at least one field TTL. */
  hashes: number;
  hashesWithFieldTtl: number;
  /** Fields sampled (beside the asked one), and how many carry a TTL. */
  fields: number;
  fieldsWithTtl: number;
  /** Remaining field TTLs (ms), over the fields that carry one. */
  medianFieldTtlMs: number | null;
  minFieldTtlMs: number | null;
  maxFieldTtlMs: number | null;
  /** Why nothing was sampled, when nothing was (the server expires no fields, no hash carries a field TTL). */
  notSampled: string | null;
}

export interface TtlSampleData {
  /** The pattern that was sampled: the query, or the siblings of a missing exact key. */
  pattern: string;
  /** Set when the pattern is the siblings of this missing exact key (`session:17` → `session:*`). */
  siblingsOf: string | null;
  db: number;
  sampled: number;
  withTtl: number;
  withoutTtl: number;
  /** Additive: the keys whose TTL was read, for the field-TTL sample. */
  keys?: string[];
  /** Milliseconds; null when no sampled key carries a TTL. */
  medianTtlMs: number | null;
  minTtlMs: number | null;
  maxTtlMs: number | null;
}

export interface ClientsData {
  total: number;
  byDb: Array<{ db: number; clients: number }>;
  /** Client names (CLIENT SETNAME) with how many connections carry each and the dbs they use. */
  names: Array<{ name: string; clients: number; dbs: number[] }>;
  /** Connections whose last command removed keys (del, unlink, flushdb, …). */
  removers: Array<{ addr: string; name: string; db: number; cmd: string }>;
}

// A counter or setting INFO did not carry, or carried garbled, is null (unknown) in every check's data, never 0.

export interface MemoryData {
  usedMemory: number | null;
  /** 0 means no limit; null when a node did not say. */
  maxmemory: number | null;
  /** From INFO memory (`maxmemory_policy`), never CONFIG; null when INFO does not say. */
  policy: string | null;
  fragmentationRatio: number | null;
  evictedKeys: number | null;
  expiredKeys: number | null;
  /** Additive: hash fields expired since start (`expired_subkeys`, Redis 7.4+); null when a node does not report it. */
  expiredSubkeys?: number | null;
  /** Redis 7+: total time spent over maxmemory (ms), null when absent. */
  evictionExceededMs: number | null;
  /** Per node, for clusters. */
  nodes: Array<{ address: string; usedMemory: number | null; maxmemory: number | null; evictedKeys: number | null; expiredKeys: number | null; expiredSubkeys?: number | null }>;
}

export type RemovalCalls = { del: number; unlink: number; hdel: number; getdel: number; flushdb: number; flushall: number };

export interface DeletionData {
  /** Calls since the counters started (the node's start or CONFIG RESETSTAT), summed over primaries; null when a
   * primary's INFO carried no commandstats (some servers leave the section out). */
  calls: RemovalCalls | null;
  /** The same counters per primary, for judging the shard that owns the keys. */
  nodes: Array<{ address: string; calls: RemovalCalls | null }>;
  /** SLOWLOG entries naming a removing command, newest first. Arguments after the key are dropped. */
  slowlog: Array<{ address: string; at: string; durationUs: number; command: string; key: string | null; client: string | null }>;
  /** False when SLOWLOG was refused or failed; the reason is in `slowlogError`. */
  slowlogRead: boolean;
  slowlogError: string | null;
}

export interface ReplicationNode {
  address: string;
  role: 'primary' | 'replica';
  /** A primary whose master_replid2 is not all zeros / second_repl_offset not -1 was promoted. */
  promoted: boolean;
  /**
   * False when INFO gives no master_replid2 or second_repl_offset (a Redis Enterprise proxy leaves them out): then
   * `promoted` false means unknown, not "never promoted". Absent in evidence stored before it existed: readable.
   */
  promotionReadable?: boolean;
  /** The offset at which it was promoted (second_repl_offset), when promoted. */
  promotedAtOffset: number | null;
  masterReplOffset: number | null;
  connectedReplicas: number | null;
  /** lagBytes is null when the primary's own offset is unknown. */
  replicas: Array<{ address: string; offset: number; lagBytes: number | null; lagSeconds: number | null; state: string }>;
  /** Replicas only. */
  masterLinkStatus: 'up' | 'down' | null;
  masterLinkDownSinceSeconds: number | null;
  /** Replicas only: `host:port` of the primary it replicates from (master_host, master_port). */
  masterAddress?: string | null;
  /** Replicas only: seconds since it last heard from its primary (master_last_io_seconds_ago; -1 when never). */
  masterLastIoSecondsAgo?: number | null;
  /** Replicas only: the replication offset it has processed (slave_repl_offset). */
  replicaOffset?: number | null;
  /** Replicas only: the keys asked about read on its primary, with the same credentials; null when not tried. */
  primaryRead?: PrimaryRead | null;
  /** The replication history the node follows (master_replid): a replica shares its primary's. */
  replid?: string | null;
  /** Primaries: full resynchronisations served to replicas since the node started (sync_full); null when INFO left it out. */
  fullSyncs?: number | null;
}

export interface PrimaryRead {
  address: string;
  /** False when the primary could not be reached, was not followed or refused; `reason` says why. */
  reachable: boolean;
  reason: string | null;
  /** The primary's master_repl_offset, to measure how far behind the replica is. */
  offset: number | null;
  /** Exact key: looked up on the primary (0 or 1); pattern: matches a bounded SCAN found there. */
  count: number | null;
  /** False when the pattern's scan stopped at its budget (count is a lower bound). */
  complete: boolean;
  /** When the primary started and whether it keeps data across a restart, read as for the diagnosed nodes; null when not read. */
  restart?: RestartNode | null;
  /** Full resynchronisations the primary served since it started (sync_full); null when INFO left it out. */
  fullSyncs?: number | null;
  /** The primary's master_replid: the replica follows this history when its own is the same. */
  replid?: string | null;
  /** FLUSHDB and FLUSHALL calls on the primary since it started (a replica does not count those it is sent); null when INFO left commandstats out. */
  flushes?: { flushdb: number; flushall: number } | null;
}

export interface ReplicationData {
  nodes: ReplicationNode[];
}

export interface RestartNode {
  address: string;
  /** null when INFO carries no (or a garbled) uptime_in_seconds: when the node started is then unknown. */
  uptimeSeconds: number | null;
  startedAt: string | null;
  /**
   * The interval the start surely lies in (uptime_in_seconds is whole seconds); null when the start is unknown.
   * Absent in evidence stored before it existed: then a second either side of `startedAt`.
   */
  startedWithin?: { from: string; to: string } | null;
  /** The node surely started after `since`: counters cannot see what happened before its start. null: unknown, or
   * the start and `since` lie too close for whole-second uptime to order them. */
  restartedInWindow: boolean | null;
  rdbLastLoadKeysLoaded: number | null;
  aofEnabled: boolean;
  /** No RDB saves configured and AOF off, as far as INFO tells. */
  persistenceOff: boolean | null;
  rdbLastSaveAt: string | null;
  loading: boolean;
  /**
   * Set when the node answers through a Redis Enterprise proxy: the uptime INFO gave, which is the proxy's and never a
   * shard's (so `uptimeSeconds`, `startedAt` and `restartedInWindow` are null: when a shard started is unknown).
   */
  proxyUptimeSeconds?: number | null;
}

export interface RestartData {
  nodes: RestartNode[];
}

export interface RatesData {
  /** How long the two INFO samples are apart: at least the configured floor, and the time the other checks took. */
  intervalMs: number;
  /** When the first sample was taken (ISO-8601): the window the rates describe is [startedAt, startedAt + intervalMs]. */
  startedAt?: string;
  /** The smallest rate the interval can show (one event in it), per second: the rates' precision. */
  resolutionPerSec?: number;
  /** Each null when a node's INFO did not carry the counter in both samples. */
  expiredPerSec: number | null;
  /** Additive: hash fields expiring per second (expired_subkeys, Redis 7.4+); null where the server does not count them. */
  expiredSubkeysPerSec?: number | null;
  evictedPerSec: number | null;
  /** DEL + UNLINK + GETDEL + HDEL calls per second. */
  deletedPerSec: number | null;
  flushesInInterval: number | null;
  /**
   * What keyloss's own commands cost the server in the interval, left out of evictedPerSec: Redis 7+ allocates a
   * latency histogram the first time each kind of command runs, memory a full cache evicts keys to make room for.
   * `keysAtMost`: that memory in keys at the cache's bytes per key, the most of the interval's evictions it can explain.
   * Absent or null where the server does not say (no latencystats before 7.0, tracking off, no keys to size by).
   */
  own?: { bytes: number; keysAtMost: number; evictedInInterval: number } | null;
}
