// Finds what changed inside the incident window in Azure Monitor series: bursts, steps, error counts, silences.
import type { MetricEvent, MetricSeries } from '../domain/azure-evidence.ts';
import { formatDuration, formatValue } from '../domain/format.ts';
import { formatPerInterval, formatSpan } from './format.ts';

export interface EventWindow {
  from: string;
  to: string;
  intervalMs: number;
}

interface Point {
  at: string;
  value: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Counters (Total per interval) whose bursts matter, with the smallest burst worth citing. */
const BURST_FLOOR: Record<string, number> = { evictedkeys: 10, expiredkeys: 100 };
/** A burst is this many times the window's typical (median) value. */
const BURST_FACTOR = 4;
/** Gauges (Maximum) whose falls matter, with the smallest fall worth citing. */
const STEP_FLOOR: Record<string, number> = { totalkeys: 10, usedmemory: 1024 * 1024 };
/** A step down loses at least this share of the level before it. */
const STEP_RATIO = 0.5;
/** A step may take this many intervals (a flush takes one; a restart shows as a gap and a lower level). */
const STEP_MAX_INTERVALS = 3;
export const NEAR_LIMIT_PERCENT = 90;

/** Every change point and spike in the series, oldest first. */
export function findMetricEvents(series: MetricSeries[], window: EventWindow): MetricEvent[] {
  const withDate = new Date(window.to).getTime() - new Date(window.from).getTime() > DAY_MS;
  // A cache that is not clustered reports everything on shard 0: naming it would only add noise.
  const clustered = new Set(series.map((s) => s.dimensions.shardid).filter((id) => id !== undefined)).size > 1;
  const events: MetricEvent[] = [];
  for (const s of series) {
    const where = whereLabel(clustered ? s.dimensions : withoutShard(s.dimensions));
    if (s.metric === 'errors') events.push(...errorEvents(s, where, withDate));
    else if (s.metric in BURST_FLOOR) events.push(...burstEvents(s, BURST_FLOOR[s.metric]!, window.intervalMs, where, withDate));
    else if (s.metric in STEP_FLOOR) events.push(...stepDownEvents(s, STEP_FLOOR[s.metric]!, false, where, withDate));
    else if (s.metric === 'connectedclients') events.push(...stepDownEvents(s, 1, true, where, withDate));
    else if (s.metric === 'usedmemorypercentage') events.push(...nearLimitEvents(s, where, withDate));
  }
  events.push(...gapEvents(series, window.intervalMs, withDate));
  return events.sort((a, b) => a.from.localeCompare(b.from) || a.metric.localeCompare(b.metric));
}

function present(s: MetricSeries): Point[] {
  return s.points.filter((p): p is Point => p.value !== null && Number.isFinite(p.value));
}

function withoutShard(dimensions: Record<string, string>): Record<string, string> {
  const { shardid: _shard, ...rest } = dimensions;
  return rest;
}

/** " on shard 1", " on instance 2": where a split series comes from; nothing for a whole-cache series. */
export function whereLabel(dimensions: Record<string, string>): string {
  const parts: string[] = [];
  if (dimensions.shardid !== undefined) parts.push(`shard ${dimensions.shardid}`);
  if (dimensions.instanceid !== undefined) parts.push(`instance ${dimensions.instanceid}`);
  return parts.length ? ` on ${parts.join(', ')}` : '';
}

function errorEvents(s: MetricSeries, where: string, withDate: boolean): MetricEvent[] {
  const type = s.dimensions.errortype ?? 'unknown';
  const events: MetricEvent[] = [];
  for (const run of runs(s.points, (v) => v !== null && v > 0)) {
    const first = run[0]!;
    const last = run[run.length - 1]!;
    const count = run.reduce((sum, p) => sum + (p.value ?? 0), 0);
    const span = formatSpan(first.at, last.at, withDate);
    events.push({
      metric: s.metric,
      kind: 'error',
      from: first.at,
      to: last.at,
      before: 0,
      after: count,
      dimensions: s.dimensions,
      summary: `errors: ${type} ${span}${count > 1 ? ` (${formatValue(count, 'Count')})` : ''}${where}`,
    });
  }
  return events;
}

function burstEvents(s: MetricSeries, floor: number, intervalMs: number, where: string, withDate: boolean): MetricEvent[] {
  const values = present(s).map((p) => p.value);
  if (values.length === 0) return [];
  const typical = median(values);
  const threshold = Math.max(typical * BURST_FACTOR, typical + floor);
  const events: MetricEvent[] = [];
  for (const run of runs(s.points, (v) => v !== null && v >= threshold)) {
    const first = run[0]!;
    const last = run[run.length - 1]!;
    const index = s.points.indexOf(first);
    const previous = s.points
      .slice(0, index)
      .reverse()
      .find((p) => p.value !== null);
    const before = previous?.value ?? typical;
    const peak = Math.max(...run.map((p) => p.value ?? 0));
    const total = run.reduce((sum, p) => sum + (p.value ?? 0), 0);
    const span = formatSpan(first.at, last.at, withDate);
    const all = run.length > 1 ? ` (${formatValue(total, s.unit)} in all)` : '';
    events.push({
      metric: s.metric,
      kind: 'spike',
      from: first.at,
      to: last.at,
      before,
      after: peak,
      dimensions: s.dimensions,
      summary: `${s.metric} ${formatValue(before, s.unit)} → ${formatValue(peak, s.unit)} ${formatPerInterval(intervalMs)} ${span}${all}${where}`,
    });
  }
  return events;
}

/** Falls of at least half the level within a few intervals (across gaps too); `toZero` cites only falls to 0. */
function stepDownEvents(s: MetricSeries, floor: number, toZero: boolean, where: string, withDate: boolean): MetricEvent[] {
  const points = present(s);
  const events: MetricEvent[] = [];
  let i = 0;
  while (i < points.length - 1) {
    let lowest = i + 1;
    for (let k = i + 1; k < points.length && k <= i + STEP_MAX_INTERVALS; k += 1) {
      if (points[k]!.value < points[lowest]!.value) lowest = k;
    }
    // The fall starts at the last point still at the highest level before it, not where the look-ahead began.
    let top = i;
    for (let k = i; k < lowest; k += 1) if (points[k]!.value >= points[top]!.value) top = k;
    const start = points[top]!;
    const end = points[lowest]!;
    const drop = start.value - end.value;
    const qualifies = toZero
      ? start.value > 0 && end.value === 0
      : drop >= floor && drop >= start.value * STEP_RATIO;
    if (!qualifies) {
      i += 1;
      continue;
    }
    events.push({
      metric: s.metric,
      kind: 'step-down',
      from: start.at,
      to: end.at,
      before: start.value,
      after: end.value,
      dimensions: s.dimensions,
      summary: `${s.metric} ${formatValue(start.value, s.unit)} → ${formatValue(end.value, s.unit)} ${formatSpan(start.at, end.at, withDate)}${where}`,
    });
    i = lowest;
  }
  return events;
}

function nearLimitEvents(s: MetricSeries, where: string, withDate: boolean): MetricEvent[] {
  return runs(s.points, (v) => v !== null && v >= NEAR_LIMIT_PERCENT).map((run) => {
    const first = run[0]!;
    const last = run[run.length - 1]!;
    const peakPoint = run.reduce((best, p) => ((p.value ?? 0) > (best.value ?? 0) ? p : best), first);
    const peak = peakPoint.value ?? 0;
    return {
      metric: s.metric,
      kind: 'near-limit' as const,
      from: first.at,
      to: last.at,
      before: NEAR_LIMIT_PERCENT,
      after: peak,
      dimensions: s.dimensions,
      summary: `used memory ${formatValue(peak, 'Percent')} of the limit ${formatSpan(peakPoint.at, peakPoint.at, withDate)}${
        run.length > 1 ? ` (≥ ${NEAR_LIMIT_PERCENT} % ${formatSpan(first.at, last.at, withDate)})` : ''
      }${where}`,
    };
  });
}

/**
 * Stretches where no series has a value, bounded by data on both sides: the cache did not report.
 * Leading and trailing silences are left out: before the cache existed, and Azure's ingestion delay.
 */
function gapEvents(series: MetricSeries[], intervalMs: number, withDate: boolean): MetricEvent[] {
  const times = new Map<string, boolean>();
  for (const s of series) {
    for (const p of s.points) {
      const key = new Date(p.at).toISOString();
      times.set(key, (times.get(key) ?? false) || (p.value !== null && Number.isFinite(p.value)));
    }
  }
  const grid = [...times.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([at, has]) => ({ at, has }));
  // One missing minute happens without incident; a missing coarser interval does not.
  const minRun = intervalMs <= 60_000 ? 2 : 1;
  const events: MetricEvent[] = [];
  let i = 0;
  while (i < grid.length) {
    if (grid[i]!.has) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < grid.length && !grid[j]!.has) j += 1;
    const bounded = i > 0 && j < grid.length;
    if (bounded && j - i >= minRun) {
      const first = grid[i]!.at;
      const last = grid[j - 1]!.at;
      const silentMs = new Date(grid[j]!.at).getTime() - new Date(first).getTime();
      events.push({
        metric: '*',
        kind: 'gap',
        from: first,
        to: last,
        before: j - i,
        after: 0,
        dimensions: {},
        summary: `no metrics ${formatSpan(first, last, withDate)}: every metric empty for ${formatDuration(silentMs)}, the cache did not report`,
      });
    }
    i = j;
  }
  return events;
}

/** Maximal runs of consecutive points whose value satisfies `test`. */
function runs<P extends { value: number | null }>(points: P[], test: (value: number | null) => boolean): P[][] {
  const out: P[][] = [];
  let current: P[] = [];
  for (const p of points) {
    if (test(p.value)) current.push(p);
    else if (current.length) {
      out.push(current);
      current = [];
    }
  }
  if (current.length) out.push(current);
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
