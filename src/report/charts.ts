// Which metric charts a report gets and what each one draws: built from the report model only, so Slack, the
// postmortem and `diagnose --charts` show the same picture. Rendering to PNG is in chart-png.ts.
import { METRIC_TITLES } from '../domain/azure-evidence.ts';
import { formatValue, grainMs } from '../domain/format.ts';
import { type Aggregation, MAX_SERIES_POINTS, rebin } from '../domain/rebin.ts';
import type { MetricReport, Report } from './model.ts';

/** Grafana posts at most five images to a thread (Slack's Tier-2 upload limits); so does keyloss. */
export const MAX_CHARTS = 5;

export interface ChartMark {
  kind: string;
  from: string;
  to: string;
  label: string;
}

export interface ChartSpec {
  metric: string;
  /** `Total keys`: Azure's display name. */
  title: string;
  /** Under the title: the cache, the aggregation and the grain, and that times are UTC. */
  subtitle: string;
  /** `totalkeys.png`. */
  filename: string;
  /** One sentence for screen readers and the Slack file title. */
  alt: string;
  unit: string;
  /** How the points of a bin combine when the chart re-bins them (src/domain/rebin.ts); Maximum when not said. */
  aggregation?: Aggregation;
  /** At most MAX_SERIES_POINTS when built by chartsOf; the renderer re-bins any more. */
  points: Array<{ at: string; value: number | null }>;
  window: { from: string; to: string };
  /** The grain of the points: each point stands for [at, at + grainMs). */
  grainMs: number;
  /** When the keys were last known to be there. */
  lastSeen: string;
  /** The change points and spikes the diagnosis found for this metric, and the gaps in every metric. */
  marks: ChartMark[];
}

const KIND_LABEL: Record<string, string> = {
  spike: 'spike',
  'step-down': 'drop',
  'step-up': 'rise',
  error: 'errors',
  gap: 'no data',
  'near-limit': 'near limit',
  flush: 'flush (activity log)',
  reboot: 'reboot (activity log)',
  stop: 'stop (activity log)',
  import: 'import (activity log)',
};

/** Activity-log operations that change what the cache holds: marked on the key count where they happened. */
const MARKED_ACTIVITY = new Set(['flush', 'reboot', 'stop', 'import']);

/**
 * The cache as people name it: the caches file's name, else the name in an Azure host (`orders.redis.cache.windows.net`,
 * `orders.westeurope.redis.azure.net`), else host:port.
 */
export function cacheLabel(report: Pick<Report, 'cache' | 'target'>): string {
  if (report.cache) return report.cache;
  const azure = /^([a-z0-9-]+)\.(?:redis\.cache\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)|[a-z0-9-]+\.redis\.azure\.net|redis(?:enterprise)?\.cache\.azure\.net)$/i.exec(report.target.host);
  return azure?.[1] ?? `${report.target.host}:${report.target.port}`;
}

/** Azure gives percentages as Percent; a percentage metric read with another unit is still drawn with "%". */
function unitOf(m: MetricReport): string {
  return m.unit !== 'Percent' && /percent/i.test(m.metric) ? 'Percent' : m.unit;
}

function grainWords(interval: string): string {
  const ms = grainMs(interval);
  if (ms === null) return interval;
  const minutes = ms / 60_000;
  if (minutes < 60) return minutes === 1 ? 'minute' : `${minutes} min`;
  if (minutes < 24 * 60) return minutes === 60 ? 'hour' : `${minutes / 60} h`;
  return minutes === 24 * 60 ? 'day' : `${minutes / (24 * 60)} d`;
}

/** `2026-11-26`, or `2026-11-25 to 2026-11-26` for a window across midnight. */
function day(from: string, to: string): string {
  const [a, b] = [new Date(from).toISOString().slice(0, 10), new Date(to).toISOString().slice(0, 10)];
  return a === b ? a : `${a} to ${b}`;
}

/** A metric is charted when the report cites a change in it; the key count is always charted, as the context. */
function cited(m: MetricReport): boolean {
  return m.metric === 'totalkeys' || m.changes.some((c) => c.kind !== 'gap');
}

export function chartsOf(report: Report, limit = MAX_CHARTS): ChartSpec[] {
  const window = report.metricsWindow;
  if (!window) return [];
  const grain = grainWords(window.interval);
  return report.metrics
    .filter((m) => cited(m) && m.points.some((p) => p.value !== null))
    .slice(0, limit)
    .map((m): ChartSpec => {
      const title = METRIC_TITLES[m.metric] ?? m.metric;
      const unit = unitOf(m);
      const name = cacheLabel(report);
      const how = m.aggregation === 'Total' ? `total per ${grain}` : `maximum per ${grain}`;
      // The same binning Azure's answers went through: a record from an older version may hold more points.
      const binned = rebin(m.points, m.aggregation, MAX_SERIES_POINTS);
      const present = binned.points.flatMap((p) => (p.value === null ? [] : [p.value]));
      const range = `${formatValue(Math.min(...present), unit)} to ${formatValue(Math.max(...present), unit)}`;
      const marks: ChartMark[] = m.changes.map((c) => ({ kind: c.kind, from: c.from, to: c.to, label: KIND_LABEL[c.kind] ?? c.kind }));
      // What the activity log dated goes on the key count, where keys vanish with it.
      if (m.metric === 'totalkeys') {
        for (const a of report.activity ?? []) {
          if (MARKED_ACTIVITY.has(a.kind) && a.at >= window.from && a.at <= window.to) marks.push({ kind: a.kind, from: a.at, to: a.at, label: KIND_LABEL[a.kind] ?? a.kind });
        }
      }
      const first = m.changes.find((c) => c.kind !== 'gap');
      return {
        metric: m.metric,
        title,
        subtitle: `${name} · ${how} · ${day(window.from, window.to)} UTC`,
        filename: `${m.metric}.png`,
        alt: `${title} of ${name} from ${window.from} to ${window.to}, ${range}${first ? `; ${first.summary}` : ''}.`,
        unit,
        aggregation: m.aggregation,
        points: binned.points,
        window: { from: window.from, to: window.to },
        grainMs: (grainMs(window.interval) ?? 60_000) * binned.size,
        lastSeen: report.query.since,
        marks,
      };
    });
}
