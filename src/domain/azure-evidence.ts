// The evidence read from Azure: the cache resource, Monitor metrics and the activity log.
import { z } from 'zod';
import { JsonNumber } from './json-number.ts';
import type { Tier } from './query.ts';

export type AzureResourceKind = 'redis' | 'redisEnterprise';

export interface AzureResourceData {
  kind: AzureResourceKind;
  /** The cache's name (last segment of the resource id). */
  name: string;
  /** e.g. `Premium P1`, `Balanced_B10`. */
  sku: string;
  /** The tier of the SKU; null for a SKU keyloss does not know (one Azure added since). */
  tier: Tier | null;
  /** 0 when clustering is off (or unknown: see `unknown`). */
  shardCount: number;
  replicasPerPrimary: number;
  redisVersion: string | null;
  maxmemoryPolicy: string | null;
  maxmemoryReserved: string | null;
  rdbBackupEnabled: boolean;
  aofBackupEnabled: boolean;
  notifyKeyspaceEvents: string | null;
  geoReplicated: boolean;
  /** Settings Azure did not report (Azure Managed Redis has no shard count or reserved memory), by field name. */
  unknown: string[];
  /** Why each field in `unknown` is unknown, as a clause ("Azure did not report highAvailability"). Absent in evidence from earlier versions. */
  unknownReasons?: Record<string, string>;
  /**
   * Azure's provisioningState now (`Succeeded`; `Creating`, `Updating`, `Scaling`…: nodes are being replaced or
   * restarted, each failing over to its replica). Azure Managed Redis: the cluster's, or the database's when that one is busy.
   */
  provisioningState?: string | null;
  /** The availability zones the cache's nodes are in (each node's zone when Azure lists them, else the resource's zones); [] when not zonal. */
  zones?: string[];
  /** Azure Managed Redis: OSSCluster (clients see every shard), EnterpriseCluster (one proxy endpoint) or NoCluster; null elsewhere. */
  clusteringPolicy?: string | null;
}

export interface MetricPoint {
  at: string;
  value: number | null;
}

export interface MetricSeries {
  /** REST name, e.g. `evictedkeys`. */
  metric: string;
  aggregation: 'Total' | 'Maximum';
  /** Dimension values that split the series (e.g. { errortype: 'Failover' } or { shardid: '1' }). */
  dimensions: Record<string, string>;
  unit: string;
  points: MetricPoint[];
}

/** A change point or spike inside the incident window, as the diagnosis cites it. */
export interface MetricEvent {
  metric: string;
  /** `gap`: no data in any metric for a stretch; `near-limit`: used memory close to maxmemory. */
  kind: 'spike' | 'step-down' | 'step-up' | 'error' | 'gap' | 'near-limit';
  /** ISO start and end of the interval where it happened. */
  from: string;
  to: string;
  before: number;
  after: number;
  dimensions: Record<string, string>;
  summary: string;
}

/** One metric folded over shards and error types: its sparkline, and the points and changes a chart draws. */
export interface MetricLine {
  metric: string;
  line: string;
  min: number;
  max: number;
  change: string | null;
  /** As Azure names units: Count, Bytes, Percent, CountPerSecond. */
  unit: string;
  aggregation: MetricSeries['aggregation'];
  /** One point per interval, oldest first; null where the cache did not report. */
  points: MetricPoint[];
  /** This metric's change points and spikes, and the gaps in every metric, oldest first. */
  changes: Array<Pick<MetricEvent, 'kind' | 'from' | 'to' | 'summary'>>;
}

const MetricPointSchema: z.ZodType<MetricPoint> = z.object({ at: z.string(), value: z.number().nullable() });

export const MetricLineSchema: z.ZodType<MetricLine> = z.object({
  metric: z.string(),
  line: z.string(),
  min: JsonNumber,
  max: JsonNumber,
  change: z.string().nullable(),
  unit: z.string(),
  aggregation: z.enum(['Total', 'Maximum']),
  points: z.array(MetricPointSchema),
  changes: z.array(
    z.object({
      kind: z.enum(['spike', 'step-down', 'step-up', 'error', 'gap', 'near-limit']),
      from: z.string(),
      to: z.string(),
      summary: z.string(),
    }),
  ),
});

/** A metric keyloss asked for that Azure returned no values for in the window: it could not be checked. */
export interface MissingMetric {
  metric: string;
  /** e.g. "Azure returned no values in the window", or Azure's own errorMessage for the metric. */
  reason: string;
}

export interface AzureMetricsData {
  /** `interval`: the grain of the points, as Azure returned it (what was asked for when its answer did not say). */
  window: { from: string; to: string; interval: string };
  /** The metric namespace read (Microsoft.Cache/redis or Microsoft.Cache/redisEnterprise); absent in evidence from earlier versions. */
  namespace?: string;
  /** Only series with at least one value; an interval Azure left empty is a null point, never a zero. */
  series: MetricSeries[];
  /** Requested metrics without a single value in the window (absent in evidence from earlier versions). */
  missing?: MissingMetric[];
  events: MetricEvent[];
  /** One line per metric: name, sparkline, min, max, change point; with the folded points and changes a chart draws. */
  sparklines: MetricLine[];
}

/** What an activity-log operation did to the cache, as the diagnosis reads it. */
export type ActivityKind =
  | 'flush'
  | 'reboot'
  | 'import'
  | 'export'
  | 'stop'
  | 'start'
  | 'write'
  | 'delete'
  | 'health'
  /** Azure Managed Redis: a database taken out of its active geo-replication group (`…/databases/forceUnlink/action`). */
  | 'force-unlink'
  /** Azure Managed Redis: a database recreated and rejoined to its geo-replication group, its data discarded (`…/databases/forceLinkToReplicationGroup/action`). */
  | 'force-link'
  | 'other';

export interface ActivityEvent {
  /** e.g. `Microsoft.Cache/redis/flush/action`, `Microsoft.Cache/redisEnterprise/databases/flush/action`. */
  operation: string;
  kind: ActivityKind;
  at: string;
  caller: string | null;
  /** Succeeded, Failed, Started, Accepted, Active, Resolved, … */
  status: string | null;
}

export interface AzureActivityData {
  window: { from: string; to: string };
  /** Oldest first, one per operation (Started/Succeeded pairs merged). */
  events: ActivityEvent[];
}

/** Azure Monitor's display names for the metrics keyloss reads. */
export const METRIC_TITLES: Record<string, string> = {
  totalkeys: 'Total keys',
  evictedkeys: 'Evicted keys',
  expiredkeys: 'Expired keys',
  errors: 'Errors',
  usedmemorypercentage: 'Used memory percentage',
  usedmemory: 'Used memory',
  connectedclients: 'Connected clients',
  cachemisses: 'Cache misses',
  serverLoad: 'Server load',
};
