// One sparkline per metric for the report: shards and error types folded into one series per metric name.
import type { AzureMetricsData, MetricEvent, MetricSeries } from '../domain/azure-evidence.ts';
import { sparkline } from './sparkline.ts';

/** Metrics whose falls matter more than their peaks: a bucket shows its lowest value. */
const SHOW_LOWEST = new Set(['totalkeys', 'connectedclients', 'usedmemory']);

export function metricLines(series: MetricSeries[], events: MetricEvent[], order: readonly string[]): AzureMetricsData['sparklines'] {
  const names = [...new Set(series.map((s) => s.metric))].sort(
    (a, b) => rank(order, a) - rank(order, b) || a.localeCompare(b),
  );
  return names.map((metric) => {
    const values = foldSeries(series.filter((s) => s.metric === metric));
    const { line, min, max } = sparkline(values, { reduce: SHOW_LOWEST.has(metric) ? 'min' : 'max' });
    const change = events.find((e) => e.metric === metric);
    return { metric, line, min, max, change: change ? change.summary : null };
  });
}

/** One value per timestamp: Total counters add up across shards, Maximum gauges take the largest. */
export function foldSeries(series: MetricSeries[]): Array<number | null> {
  const byTime = new Map<string, number | null>();
  for (const s of series) {
    for (const p of s.points) {
      const key = new Date(p.at).toISOString();
      const prior = byTime.get(key) ?? null;
      if (p.value === null) {
        byTime.set(key, prior);
        continue;
      }
      byTime.set(key, prior === null ? p.value : s.aggregation === 'Total' ? prior + p.value : Math.max(prior, p.value));
    }
  }
  return [...byTime.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
}

function rank(order: readonly string[], metric: string): number {
  const i = order.indexOf(metric);
  return i === -1 ? order.length : i;
}
