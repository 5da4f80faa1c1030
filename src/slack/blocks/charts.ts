// Charts Slack draws itself (data visualization blocks): the Azure metric the verdict cites, the record's removals per
// minute, and Watch live's seconds. A series holds at most 20 points, so points are summed (totals, counts) or their
// maximum taken (a maximum per grain) into at most 20 bins; a bin Azure returned no value for is left out, never drawn as 0.
// The PNG charts stay (the postmortem embeds them, and clients that do not draw these blocks show them in the thread).
import { METRIC_TITLES } from '../../domain/azure-evidence.ts';
import { formatDuration } from '../../domain/format.ts';
import { binSize, rebinBy } from '../../domain/rebin.ts';
import { chartsOf } from '../../report/charts.ts';
import type { MetricReport, Report } from '../../report/model.ts';
import type { WatchResult } from '../../record/watch.ts';
import { LIMITS, type Block, type ChartSeries } from './limits.ts';

interface Point {
  at: number;
  value: number | null;
}

interface Binned {
  categories: string[];
  /** One value per category, for each series. */
  values: number[][];
  /** Milliseconds a category stands for. */
  binMs: number;
}

/** `05:31`, `05:31:07` below a minute, `12-05 05:31` when the span crosses midnight: at most 11 characters. */
function timeLabel(ms: number, binMs: number, acrossDays: boolean): string {
  const iso = new Date(ms).toISOString();
  if (binMs < 60_000) return iso.slice(11, 19);
  return acrossDays ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

/**
 * Points of several series on the same instants (`stepMs` apart), put into at most 20 bins by the domain's one binning
 * (src/domain/rebin.ts): a bin's value is the sum or the maximum of its points; a bin where every series has no value
 * at all is left out.
 */
function bin(series: Point[][], stepMs: number, combine: 'sum' | 'max'): Binned | null {
  const length = Math.max(0, ...series.map((s) => s.length));
  if (length === 0) return null;
  const size = binSize(length, LIMITS.chartPoints);
  const binMs = size * stepMs;
  const first = series[0]?.[0]?.at ?? 0;
  const last = first + length * stepMs;
  const day = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : '');
  const acrossDays = day(first) !== day(last - 1);
  const aggregation = combine === 'sum' ? 'Total' : 'Maximum';
  // Every series on the same grid of `length` instants, so their bins line up.
  const binned = series.map((s) =>
    rebinBy(
      Array.from({ length }, (_, i) => ({ at: String(s[i]?.at ?? first + i * stepMs), value: s[i]?.value ?? null })),
      size,
      aggregation,
    ),
  );
  const categories: string[] = [];
  const values: number[][] = series.map(() => []);
  for (let j = 0; j * size < length; j++) {
    const cells = binned.map((b) => b[j]?.value ?? null);
    if (cells.every((c) => c === null)) continue;
    const at = Number(binned[0]?.[j]?.at);
    const label = Number.isFinite(at) && Number.isFinite(new Date(at).getTime()) ? timeLabel(at, binMs, acrossDays) : String(j + 1);
    if (categories.includes(label)) continue;
    categories.push(label);
    cells.forEach((c, i) => {
      values[i]?.push(c ?? 0);
    });
  }
  return categories.length > 0 ? { categories, values, binMs } : null;
}

function seriesOf(names: string[], binned: Binned): ChartSeries[] {
  return names.map((name, i) => ({ name, data: binned.categories.map((label, j) => ({ label, value: binned.values[i]?.[j] ?? 0 })) }));
}

function per(binMs: number): string {
  if (binMs === 1000) return 'second';
  if (binMs === 60_000) return 'minute';
  return formatDuration(binMs);
}

/** Bytes drawn in the largest binary unit the values reach, so the axis reads "MB" and not 1,300,000. */
function scaleBytes(values: number[]): { divisor: number; unit: string } {
  const max = Math.max(0, ...values);
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  // Below 1 byte (5e-324 is a double too) stays in bytes: a negative power would divide by 0.
  const power = max >= 1 ? Math.min(units.length - 1, Math.floor(Math.log(max) / Math.log(1024))) : 0;
  return { divisor: 1024 ** power, unit: units[power] ?? 'B' };
}

/** The metric a verdict charts: the first one whose change the report cites, else the key count. */
function citedMetric(report: Report): MetricReport | null {
  const specs = chartsOf(report);
  const spec = specs.find((s) => s.marks.some((m) => m.kind !== 'gap')) ?? specs[0];
  return spec ? (report.metrics.find((m) => m.metric === spec.metric) ?? null) : null;
}

/** The Azure metric the verdict cites, as Slack's own line chart; null when Azure was not read or returned nothing. */
export function metricChartBlock(report: Report): Block | null {
  const metric = citedMetric(report);
  const window = report.metricsWindow;
  if (!metric || !window) return null;
  const points = metric.points.map((p) => ({ at: Date.parse(p.at), value: p.value }));
  const step = points.length > 1 ? (points[1]?.at ?? 0) - (points[0]?.at ?? 0) : 60_000;
  const total = metric.aggregation === 'Total';
  const binned = bin([points], step > 0 ? step : 60_000, total ? 'sum' : 'max');
  if (!binned) return null;
  let y: string | undefined;
  if (metric.unit === 'Percent') y = '%';
  else if (metric.unit === 'Bytes') {
    const { divisor, unit } = scaleBytes(binned.values[0] ?? []);
    // Three digits; near the largest double, rounding up would overflow to Infinity, so the value stays unrounded.
    const three = (v: number) => (Number.isFinite(Number(v.toPrecision(3))) ? Number(v.toPrecision(3)) : v);
    binned.values = binned.values.map((row) => row.map((v) => three(v / divisor)));
    y = unit;
  }
  const name = `${total ? 'total' : 'max'} per ${per(binned.binMs)}`;
  return {
    type: 'data_visualization',
    block_id: `chart-${metric.metric}`,
    title: `${METRIC_TITLES[metric.metric] ?? metric.metric} (Azure Monitor)`,
    chart: { type: 'line', series: seriesOf([name], binned), axis_config: { categories: binned.categories, x_label: 'UTC', ...(y ? { y_label: y } : {}) } },
  };
}

/** The record's removals of the asked keys per bin of the window, one bar series per event; null without any. */
export function removalsChartBlock(report: Report): Block | null {
  const removals = report.record?.removals;
  if (!removals || removals.series.length === 0) return null;
  const step = removals.minutes * 60_000;
  const series = removals.series.slice(0, LIMITS.chartSeries);
  const binned = bin(
    series.map((s) => s.counts.map((value, i) => ({ at: Date.parse(removals.bins[i] ?? '') || 0, value }))),
    step,
    'sum',
  );
  if (!binned) return null;
  return {
    type: 'data_visualization',
    block_id: 'chart-record-removals',
    title: `Keys removed per ${per(step)} (keyloss record)`,
    chart: { type: 'bar', series: seriesOf(series.map((s) => s.event), binned), axis_config: { categories: binned.categories, x_label: 'UTC', y_label: 'keys' } },
  };
}

/** At most two charts for a verdict (Slack draws two a message): the cited Azure metric and the record's removals. */
export function verdictChartBlocks(report: Report): Block[] {
  return [metricChartBlock(report), removalsChartBlock(report)].filter((b): b is Block => b !== null).slice(0, LIMITS.chartsPerMessage);
}

/** Watch live's seconds: removals by event, per second (or per few seconds past 20 s); null when nothing was removed. */
export function watchChartBlock(result: Pick<WatchResult, 'timeline'>): Block | null {
  const events = new Map<string, number>();
  for (const row of result.timeline) {
    for (const [name, value] of Object.entries(row)) if (name !== 'at' && typeof value === 'number') events.set(name, (events.get(name) ?? 0) + value);
  }
  const shown = [...events].filter(([, total]) => total > 0).sort((a, b) => b[1] - a[1]).slice(0, LIMITS.chartSeries).map(([name]) => name);
  if (shown.length === 0) return null;
  const binned = bin(
    shown.map((name) => result.timeline.map((row) => ({ at: Date.parse(row.at), value: typeof row[name] === 'number' ? (row[name] as number) : 0 }))),
    1000,
    'sum',
  );
  if (!binned) return null;
  return {
    type: 'data_visualization',
    block_id: 'chart-watch',
    title: `Keys removed per ${per(binned.binMs)}, by event`,
    chart: { type: 'bar', series: seriesOf(shown, binned), axis_config: { categories: binned.categories, x_label: 'UTC', y_label: 'keys' } },
  };
}
