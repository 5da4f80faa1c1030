// The one way a metric series is shortened: consecutive points grouped into bins, each bin's value combined the way
// Azure aggregates (Total and Count add up, Maximum takes the largest, Minimum the smallest, Average the mean).
// Azure's answers go through it before anything is stored, and every chart (PNG and Slack's own) draws through it.
import type { MetricPoint } from './azure-evidence.ts';

/** Azure Monitor's aggregation types. */
export type Aggregation = 'Total' | 'Count' | 'Maximum' | 'Minimum' | 'Average';

/** At most this many points per series are kept from Azure's answers (the 24 h window at 5 min is 288 → 144). */
export const MAX_SERIES_POINTS = 200;

/** How many consecutive points make one bin, so that `length` points make at most `max` bins. */
export function binSize(length: number, max: number): number {
  return Math.max(1, Math.ceil(length / Math.max(1, Math.floor(max))));
}

/**
 * Points grouped `size` at a time, oldest first; a bin is at its first point's time. Only finite values count (NaN and
 * ±Infinity are no value); a bin without any is null, never 0. Sums that overflow stay at the largest finite number.
 */
export function rebinBy(points: readonly MetricPoint[], size: number, aggregation: Aggregation): MetricPoint[] {
  const step = Math.max(1, Math.floor(size));
  if (step === 1) return points.map((p) => ({ at: p.at, value: p.value !== null && Number.isFinite(p.value) ? p.value : null }));
  const out: MetricPoint[] = [];
  for (let start = 0; start < points.length; start += step) {
    let value: number | null = null;
    let count = 0;
    const end = Math.min(points.length, start + step);
    for (let i = start; i < end; i++) {
      const v = points[i]!.value;
      if (v === null || !Number.isFinite(v)) continue;
      count += 1;
      if (value === null) value = v;
      else if (aggregation === 'Maximum') value = Math.max(value, v);
      else if (aggregation === 'Minimum') value = Math.min(value, v);
      // A running mean never overflows.
      else if (aggregation === 'Average') value += (v - value) / count;
      else value += v;
    }
    if (value !== null && !Number.isFinite(value)) value = value > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
    out.push({ at: points[start]!.at, value });
  }
  return out;
}

/** A series shortened to at most `max` points; `size` says how many original points each one stands for. */
export function rebin(points: readonly MetricPoint[], aggregation: Aggregation, max = MAX_SERIES_POINTS): { points: MetricPoint[]; size: number } {
  const size = binSize(points.length, max);
  return { points: rebinBy(points, size, aggregation), size };
}
