// Reads the cache's Azure Monitor metrics for the incident window through the metrics batch API.
import { z } from 'zod';
import type { MetricsQueryResult } from '@azure/monitor-query-metrics';
import type { AzureContext } from './types.ts';
import type { AzureResourceKind, MetricSeries } from '../domain/azure-evidence.ts';
import type { CacheResourceId } from './resource-id.ts';
import type { MetricsWindow } from './window.ts';
import { createMetricsClient } from './clients.ts';
import { shapeProblem } from './errors.ts';

/** Summed per interval (Total): how many keys expired or were evicted in each minute. */
export const COUNTER_METRICS = ['expiredkeys', 'evictedkeys', 'cachemisses'] as const;
/** Sampled levels (Maximum). */
export const GAUGE_METRICS = ['totalkeys', 'usedmemory', 'usedmemorypercentage', 'connectedclients', 'serverLoad'] as const;
/** Split by ErrorType: Failover, Dataloss, UnresponsiveClients, AOF, RDB, Import, Export, … */
export const ERROR_METRIC = 'errors';
/** Display order of the sparklines: the ones that name a cause first. */
export const METRIC_ORDER = ['totalkeys', 'evictedkeys', 'expiredkeys', 'errors', 'usedmemorypercentage', 'usedmemory', 'connectedclients', 'cachemisses', 'serverLoad'] as const;


export const NAMESPACE: Record<AzureResourceKind, string> = {
  redis: 'Microsoft.Cache/redis',
  redisEnterprise: 'Microsoft.Cache/redisEnterprise',
};

export interface MetricsQuery {
  names: string[];
  filter?: string;
}

/**
 * What to ask for. The batch API takes one filter for all metrics of a request, and filtering on a
 * dimension a metric lacks is an error, so errors (split by ErrorType) go in a request of their own.
 * Azure Cache for Redis publishes ShardId on every key and memory metric (one shard, 0, when not
 * clustered), so the series come per shard. Azure Managed Redis has no ShardId and several of its
 * metrics have no dimensions at all: no split there.
 */
export function metricsQueries(kind: AzureResourceKind): MetricsQuery[] {
  const names = [...COUNTER_METRICS, ...GAUGE_METRICS];
  return [
    kind === 'redis' ? { names, filter: "ShardId eq '*'" } : { names },
    { names: [ERROR_METRIC], filter: "ErrorType eq '*'" },
  ];
}

export function aggregationOf(metric: string): MetricSeries['aggregation'] {
  return (COUNTER_METRICS as readonly string[]).includes(metric) ? 'Total' : 'Maximum';
}

/** Azure Managed Redis publishes several metrics at PT5M at the finest. */
export function minimumGrainMs(kind: AzureResourceKind): number {
  return kind === 'redisEnterprise' ? 5 * 60_000 : 60_000;
}

export async function readMetrics(
  azure: AzureContext,
  resource: CacheResourceId,
  window: MetricsWindow,
  signal: AbortSignal,
): Promise<MetricSeries[]> {
  const client = createMetricsClient(azure);
  const answers = await Promise.all(
    metricsQueries(resource.kind).map((query) => {
      const options = {
        startTime: window.from,
        endTime: window.to,
        interval: window.interval,
        aggregation: 'Maximum,Total',
        ...(query.filter ? { filter: query.filter } : {}),
        // Not in MetricsQueryResourcesOptions' type, but passed through to the request (operationOptionsToRequestParameters).
        abortSignal: signal,
      };
      return client.queryResources([resource.id], query.names, NAMESPACE[resource.kind], options);
    }),
  );
  return answers.flatMap((results, i) => toMetricSeries(results, resource.id, metricsQueries(resource.kind)[i]!.names));
}

// ---- validating what the SDK parsed ----

const DataPoint = z.object({
  timeStamp: z.date({ error: 'invalid timestamp' }),
  maximum: z.number().nullish(),
  total: z.number().nullish(),
});
const TimeSeries = z.object({
  metadatavalues: z
    .array(z.object({ name: z.string().nullish(), value: z.string().nullish() }))
    .nullish(),
  data: z.array(DataPoint).nullish(),
});
const Metric = z.object({
  id: z.string().nullish(),
  unit: z.string().nullish(),
  errorCode: z.string().nullish(),
  errorMessage: z.string().nullish(),
  timeseries: z.array(TimeSeries).nullish(),
});
const Result = z.object({
  resourceId: z.string().nullish(),
  metrics: z.array(Metric),
});

/**
 * The SDK's series for one resource, as MetricSeries. Metrics are matched by the REST name at the end of
 * `metric.id`: the parsed `metric.name` is the localized display name ("Evicted Keys"), not `evictedkeys`.
 * Dimension names come back lower-cased (`errortype`, `shardid`) and are kept that way.
 */
export function toMetricSeries(results: MetricsQueryResult[], resourceId: string, requested: string[]): MetricSeries[] {
  const parsed = z.array(Result).safeParse(results);
  if (!parsed.success) throw shapeProblem('the metrics query', parsed.error);
  const mine = parsed.data.find((r) => (r.resourceId ?? '').toLowerCase() === resourceId.toLowerCase());
  if (!mine) throw shapeProblem('the metrics query', new z.ZodError([{ code: 'custom', path: ['values'], message: `no result for ${resourceId}`, input: undefined }]));
  const wanted = new Map(requested.map((name) => [name.toLowerCase(), name]));
  const series: MetricSeries[] = [];
  for (const metric of mine.metrics) {
    const restName = (metric.id ?? '').split('/').pop()?.toLowerCase() ?? '';
    const name = wanted.get(restName);
    if (!name || (metric.errorCode && metric.errorCode !== 'Success')) continue;
    const aggregation = aggregationOf(name);
    for (const ts of metric.timeseries ?? []) {
      const dimensions: Record<string, string> = {};
      for (const m of ts.metadatavalues ?? []) {
        if (m.name) dimensions[m.name.toLowerCase()] = m.value ?? '';
      }
      series.push({
        metric: name,
        aggregation,
        dimensions,
        unit: metric.unit ?? 'Count',
        points: (ts.data ?? []).map((d) => {
          // Azure leaves the field out for an interval without data; the other aggregation stands in
          // only when the one we want was not published at all for this metric.
          const own = aggregation === 'Total' ? d.total : d.maximum;
          const other = aggregation === 'Total' ? d.maximum : d.total;
          const value = own ?? other ?? null;
          return { at: d.timeStamp.toISOString(), value };
        }),
      });
    }
  }
  return series;
}
