// Evidence read from Azure: the cache resource, Monitor metrics and the activity log.

/** Where a cache lives in Azure; from the caches file or `--azure-resource/--azure-region`. */
export interface AzureTarget {
  /** /subscriptions/…/resourceGroups/…/providers/Microsoft.Cache/redis/<name> (or redisEnterprise). */
  resourceId: string;
  /** e.g. westeurope; selects the regional metrics endpoint. */
  region: string;
}

export interface AzureResourceData {
  kind: 'redis' | 'redisEnterprise';
  sku: string;
  tier: import('../diagnosis/query.ts').Tier;
  shardCount: number;
  replicasPerPrimary: number;
  redisVersion: string | null;
  maxmemoryPolicy: string | null;
  maxmemoryReserved: string | null;
  rdbBackupEnabled: boolean;
  aofBackupEnabled: boolean;
  notifyKeyspaceEvents: string | null;
  geoReplicated: boolean;
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
  kind: 'spike' | 'step-down' | 'step-up' | 'error';
  /** ISO start and end of the interval where it happened. */
  from: string;
  to: string;
  before: number;
  after: number;
  dimensions: Record<string, string>;
  summary: string;
}

export interface AzureMetricsData {
  window: { from: string; to: string; interval: string };
  series: MetricSeries[];
  events: MetricEvent[];
  /** One line per metric: name, sparkline, min, max, change point. */
  sparklines: Array<{ metric: string; line: string; min: number; max: number; change: string | null }>;
}

export interface ActivityEvent {
  operation: string;
  at: string;
  caller: string | null;
  status: string | null;
}

export interface AzureActivityData {
  events: ActivityEvent[];
}

/** What Azure checks need at run time: where the cache is and how to reach Azure. Built in src/azure/context.ts. */
export interface AzureContext {
  target: AzureTarget;
  credential: import('@azure/core-auth').TokenCredential;
  /** Overrides for tests and sovereign clouds; production leaves them undefined. */
  endpoints?: { metrics?: string; arm?: string };
  httpClient?: import('@azure/core-rest-pipeline').HttpClient;
}
