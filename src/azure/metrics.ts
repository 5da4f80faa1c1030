// Reads the cache's Azure Monitor metrics for the incident window through the metrics batch API.
import { z } from 'zod';
import type { MetricsQueryResult } from '@azure/monitor-query-metrics';
import type { AzureContext } from './types.ts';
import type { AzureResourceKind, MetricSeries, MissingMetric } from '../domain/azure-evidence.ts';
import type { CacheResourceId } from './resource-id.ts';
import type { MetricsWindow } from './window.ts';
import { rebin } from '../domain/rebin.ts';
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
  /** How many time series Azure may return for the resource; only sent with a filter (Azure's default then is 10). */
  top?: number;
}

/** Azure Cache for Redis Premium allows up to 30 shards: a ShardId split returns at most that many series per metric. */
export const MAX_SHARDS = 30;
/** Nodes of an Azure Managed Redis cluster an errors split can name (each shard's primary and replica), with room to spare. */
export const MAX_INSTANCES = 30;
/** ErrorType values Azure documents (Failover, Dataloss, UnresponsiveClients, AOF, RDB, Import, Export…), with room to spare. */
export const MAX_ERROR_TYPES = 20;

/**
 * What to ask for. The batch API takes one filter for all metrics of a request, and filtering on a
 * dimension a metric lacks is an error, so errors (split by ErrorType) go in a request of their own.
 * Azure Cache for Redis publishes ShardId on every key and memory metric (one shard, 0, when not
 * clustered), so the series come per shard. Azure Managed Redis has no ShardId and several of its
 * metrics have no dimensions at all: no split there.
 * With a filter, Azure returns only `top` series "per resource ID" (10 unless told): every request with
 * a filter asks for as many as the split can produce, so nine metrics over many shards are not cut at 10.
 */
export function metricsQueries(kind: AzureResourceKind): MetricsQuery[] {
  const names = [...COUNTER_METRICS, ...GAUGE_METRICS];
  return [
    kind === 'redis' ? { names, filter: "ShardId eq '*'", top: names.length * MAX_SHARDS } : { names },
    // Azure Managed Redis's errors carry InstanceId beside ErrorType: split by both, a failover names its instance.
    kind === 'redis'
      ? { names: [ERROR_METRIC], filter: "ErrorType eq '*'", top: MAX_ERROR_TYPES }
      : { names: [ERROR_METRIC], filter: "ErrorType eq '*' and InstanceId eq '*'", top: MAX_ERROR_TYPES * MAX_INSTANCES },
  ];
}

export function aggregationOf(metric: string): MetricSeries['aggregation'] {
  return (COUNTER_METRICS as readonly string[]).includes(metric) ? 'Total' : 'Maximum';
}

/** Azure Managed Redis publishes several metrics at PT5M at the finest. */
export function minimumGrainMs(kind: AzureResourceKind): number {
  return kind === 'redisEnterprise' ? 5 * 60_000 : 60_000;
}

export interface MetricsAnswer {
  series: MetricSeries[];
  missing: MissingMetric[];
  /** The grain Azure returned the points at (ISO 8601, e.g. PT5M); null when its answer did not say. */
  interval: string | null;
}

export async function readMetrics(
  azure: AzureContext,
  resource: CacheResourceId,
  window: MetricsWindow,
  signal: AbortSignal,
): Promise<MetricsAnswer> {
  const client = await createMetricsClient(azure);
  const queries = metricsQueries(resource.kind);
  const answers = await Promise.all(
    queries.map((query) => {
      const options = {
        startTime: window.from,
        endTime: window.to,
        interval: window.interval,
        aggregation: 'Maximum,Total',
        ...(query.filter ? { filter: query.filter } : {}),
        ...(query.top ? { top: query.top } : {}),
        // Not in MetricsQueryResourcesOptions' type, but passed through to the request (operationOptionsToRequestParameters).
        abortSignal: signal,
      };
      return client.queryResources([resource.id], query.names, NAMESPACE[resource.kind], options);
    }),
  );
  const read = answers.map((results, i) => toMetricSeries(results, resource.id, queries[i]!));
  const answer = { series: read.flatMap((r) => r.series), missing: read.flatMap((r) => r.missing), interval: read.find((r) => r.interval)?.interval ?? null };
  const requested = queries.flatMap((q) => q.names);
  if (answer.series.length === 0) {
    // Nothing to judge by: a failed check (and a line in "could not be checked"), never an ok with no data.
    throw new Error(
      `Azure Monitor returned no values for any of the ${requested.length} metrics asked for (${requested.join(', ')}) between ${window.from.toISOString()} and ${window.to.toISOString()}` +
        (answer.missing.some((m) => m.reason !== NO_VALUES) ? `: ${[...new Set(answer.missing.map((m) => m.reason))].join('; ')}` : ''),
    );
  }
  return answer;
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
  granularity: z.string().nullish(),
  metrics: z.array(Metric),
});

export const NO_VALUES = 'Azure returned no values in the window';

/**
 * The SDK's series for one resource, as MetricSeries, and the requested metrics that came back without
 * a single value. Metrics are matched by the REST name at the end of `metric.id`: the parsed `metric.name`
 * is the localized display name ("Evicted Keys"), not `evictedkeys`. Dimension names come back
 * lower-cased (`errortype`, `shardid`) and are kept that way.
 *
 * A point carries only the aggregation the metric is read by (Total for counters, Maximum for levels):
 * an interval Azure left without it is null, never a zero and never the other aggregation's value. A
 * series with no value at all is left out, so nothing draws it as a flat line at 0.
 * When every series answered with `top` series, more may have been cut: the metric says so.
 */
export function toMetricSeries(results: MetricsQueryResult[], resourceId: string, query: MetricsQuery): MetricsAnswer {
  const parsed = z.array(Result).safeParse(results);
  if (!parsed.success) throw shapeProblem('the metrics query', parsed.error);
  const mine = parsed.data.find((r) => (r.resourceId ?? '').toLowerCase() === resourceId.toLowerCase());
  if (!mine) throw shapeProblem('the metrics query', new z.ZodError([{ code: 'custom', path: ['values'], message: `no result for ${resourceId}`, input: undefined }]));
  const wanted = new Map(query.names.map((name) => [name.toLowerCase(), name]));
  const series: MetricSeries[] = [];
  const reasons = new Map<string, string>();
  const returned = mine.metrics.reduce((n, m) => n + (m.timeseries ?? []).length, 0);
  // Series counted: no more are kept than the query can ask for, whatever Azure answers.
  const maxSeries = query.top ?? query.names.length * MAX_SHARDS;
  const dropped = new Map<string, number>();
  const truncated = query.top !== undefined && returned >= query.top;
  for (const metric of mine.metrics) {
    const restName = (metric.id ?? '').split('/').pop()?.toLowerCase() ?? '';
    const name = wanted.get(restName);
    if (!name) continue;
    if (metric.errorCode && metric.errorCode !== 'Success') {
      reasons.set(name, `Azure answered ${metric.errorCode}${metric.errorMessage ? `: ${metric.errorMessage}` : ''}`);
      continue;
    }
    const aggregation = aggregationOf(name);
    for (const ts of metric.timeseries ?? []) {
      const dimensions: Record<string, string> = {};
      for (const m of ts.metadatavalues ?? []) {
        if (m.name) dimensions[m.name.toLowerCase()] = m.value ?? '';
      }
      // Capped before anything is stored: an answer of 100k points per series is re-binned to MAX_SERIES_POINTS.
      const { points } = rebin(
        (ts.data ?? []).map((d) => ({ at: d.timeStamp.toISOString(), value: (aggregation === 'Total' ? d.total : d.maximum) ?? null })),
        aggregation,
      );
      if (!points.some((p) => p.value !== null)) continue;
      if (series.length >= maxSeries) {
        dropped.set(name, (dropped.get(name) ?? 0) + 1);
        continue;
      }
      series.push({ metric: name, aggregation, dimensions, unit: metric.unit ?? 'Count', points });
    }
  }
  const missing: MissingMetric[] = [];
  for (const [name, count] of dropped) {
    missing.push({ metric: name, reason: `Azure returned ${returned} series for ${query.names.length} metric(s); ${count} series of this metric beyond the ${maxSeries} kept were left out` });
  }
  for (const name of query.names) {
    if (series.some((s) => s.metric === name)) continue;
    missing.push({ metric: name, reason: reasons.get(name) ?? (truncated ? `${NO_VALUES} (Azure returned its limit of ${query.top} series, so this one may have been cut)` : NO_VALUES) });
  }
  return { series, missing, interval: mine.granularity ?? null };
}
