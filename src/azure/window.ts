// The time window and grain Azure is asked for: a margin before `since`, up to now, at most ~200 points a series.
export interface MetricsWindow {
  from: Date;
  to: Date;
  /** ISO-8601 grain Azure Monitor supports, e.g. PT1M. */
  interval: string;
  intervalMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The grains Azure Monitor accepts for platform metrics, finest first. */
const GRAINS: Array<{ interval: string; ms: number }> = [
  { interval: 'PT1M', ms: MINUTE },
  { interval: 'PT5M', ms: 5 * MINUTE },
  { interval: 'PT15M', ms: 15 * MINUTE },
  { interval: 'PT30M', ms: 30 * MINUTE },
  { interval: 'PT1H', ms: HOUR },
  { interval: 'PT6H', ms: 6 * HOUR },
  { interval: 'PT12H', ms: 12 * HOUR },
  { interval: 'P1D', ms: DAY },
];

export const MAX_POINTS = 200;
/** Azure Cache for Redis keeps platform metrics for 30 days. */
export const METRICS_RETENTION_MS = 30 * DAY;

export interface WindowOptions {
  /** Finest grain the resource publishes (Azure Managed Redis publishes several metrics at PT5M only). */
  minIntervalMs?: number;
}

/**
 * From a quarter of the incident's span before `since` (at least 15 minutes, at most 6 hours, so the
 * "before" level is visible) to `now`, at the finest grain that keeps a series within MAX_POINTS.
 */
export function metricsWindow(since: Date, now: Date, options: WindowOptions = {}): MetricsWindow {
  const span = Math.max(0, now.getTime() - since.getTime());
  const margin = Math.min(6 * HOUR, Math.max(15 * MINUTE, span / 4));
  const from = new Date(Math.max(now.getTime() - METRICS_RETENTION_MS, since.getTime() - margin));
  const total = now.getTime() - from.getTime();
  const minMs = options.minIntervalMs ?? MINUTE;
  const grain =
    GRAINS.find((g) => g.ms >= minMs && total / g.ms <= MAX_POINTS) ?? GRAINS[GRAINS.length - 1]!;
  return { from, to: now, interval: grain.interval, intervalMs: grain.ms };
}
