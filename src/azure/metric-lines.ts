// One sparkline per metric for the report: shards and error types folded into one series per metric name.
import type { MetricEvent, MetricLine, MetricPoint, MetricSeries } from '../domain/azure-evidence.ts';
import { sparkline } from './sparkline.ts';

/** Metrics whose falls matter more than their peaks: a bucket shows its lowest value. */
const SHOW_LOWEST = new Set(['totalkeys', 'connectedclients', 'usedmemory']);

export function metricLines(series: MetricSeries[], events: MetricEvent[], order: readonly string[]): MetricLine[] {
  const names = [...new Set(series.map((s) => s.metric))].sort(
    (a, b) => rank(order, a) - rank(order, b) || a.localeCompare(b),
  );
  return names.map((metric) => {
    const mine = series.filter((s) => s.metric === metric);
    const points = foldPoints(mine);
    const { line, min, max } = sparkline(
      points.map((p) => p.value),
      { reduce: SHOW_LOWEST.has(metric) ? 'min' : 'max' },
    );
    const change = events.find((e) => e.metric === metric);
    return {
      metric,
      line,
      min,
      max,
      change: change ? change.summary : null,
      unit: mine[0]?.unit ?? 'Count',
      aggregation: mine[0]?.aggregation ?? 'Maximum',
      points,
      changes: events
        .filter((e) => e.metric === metric || e.kind === 'gap')
        .map((e) => ({ kind: e.kind, from: e.from, to: e.to, summary: e.summary })),
    };
  });
}

/** One point per timestamp: Total counters add up across shards, Maximum gauges take the largest. */
export function foldPoints(series: MetricSeries[]): MetricPoint[] {
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
  return [...byTime.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([at, value]) => ({ at, value }));
}

function rank(order: readonly string[], metric: string): number {
  const i = order.indexOf(metric);
  return i === -1 ? order.length : i;
}
