// Charts never throw and never block: any finite or non-finite value (ECharts asserted on values <= 1e-20), any
// number of points (re-binned first by the one binning in src/domain/rebin.ts), for the PNG and for Slack's own charts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Aggregation, MAX_SERIES_POINTS, rebin } from '../../src/domain/rebin.ts';
import { chartPng, chartSvg, drawable } from '../../src/report/chart-png.ts';
import { chartsOf, type ChartSpec } from '../../src/report/charts.ts';
import type { Report } from '../../src/report/model.ts';
import { metricChartBlock } from '../../src/slack/blocks/charts.ts';
import { limitBreaches } from '../../src/slack/blocks/limits.ts';
import { isPng } from '../support/png.ts';

const FROM = Date.parse('2026-11-26T02:00:00Z');
const MIN = 60_000;
const UNITS = ['Count', 'Bytes', 'Percent', 'CountPerSecond'] as const;

/** Any double (NaN, ±Infinity, ±0, subnormals, 1e-300, 1e308) or no value. */
const value = fc.oneof(fc.double(), fc.constantFrom(1e-21, -1e-21, 1e-20, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE), fc.constant(null));

function spec(values: Array<number | null>, unit: string, aggregation: Aggregation = 'Maximum'): ChartSpec {
  const span = Math.max(1, values.length) * MIN;
  return {
    metric: 'totalkeys',
    title: 'Total keys',
    subtitle: 'orders · maximum per minute · 2026-11-26 UTC',
    filename: 'totalkeys.png',
    alt: 'test',
    unit,
    aggregation,
    points: values.map((v, i) => ({ at: new Date(FROM + i * MIN).toISOString(), value: v })),
    window: { from: new Date(FROM).toISOString(), to: new Date(FROM + span).toISOString() },
    grainMs: MIN,
    lastSeen: new Date(FROM + span / 3).toISOString(),
    marks: [{ kind: 'step-down', from: new Date(FROM + span / 2).toISOString(), to: new Date(FROM + span / 2 + MIN).toISOString(), label: 'drop' }],
  };
}

/** A report model holding one Azure metric, as the report builder makes it. */
function reportWith(values: Array<number | null>, unit: string, aggregation: 'Total' | 'Maximum'): Report {
  const to = FROM + Math.max(1, values.length) * MIN;
  const model = {
    cache: 'orders',
    target: { host: '127.0.0.1', port: 6379 },
    query: { since: new Date(FROM).toISOString() },
    activity: [],
    metricsWindow: { from: new Date(FROM).toISOString(), to: new Date(to).toISOString(), interval: 'PT1M' },
    metrics: [
      {
        metric: 'totalkeys',
        unit,
        aggregation,
        points: values.map((v, i) => ({ at: new Date(FROM + i * MIN).toISOString(), value: v })),
        changes: [{ kind: 'step-down', from: new Date(FROM).toISOString(), to: new Date(FROM + MIN).toISOString(), summary: 'fell' }],
      },
    ],
  };
  return model as unknown as Report;
}

describe('the one binning (src/domain/rebin.ts)', () => {
  it('keeps at most the asked number of points and combines them as the aggregation says', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constant(null)), { maxLength: 1000 }), fc.integer({ min: 1, max: 300 }), (values, max) => {
        const points = values.map((v, i) => ({ at: String(i), value: v }));
        const present = values.filter((v): v is number => v !== null);
        const total = rebin(points, 'Total', max).points;
        expect(total.length).toBeLessThanOrEqual(max);
        expect(total.reduce((a, p) => a + (p.value ?? 0), 0)).toBe(present.reduce((a, v) => a + v, 0));
        const maximum = rebin(points, 'Maximum', max).points.flatMap((p) => (p.value === null ? [] : [p.value]));
        if (present.length > 0) expect(Math.max(...maximum)).toBe(Math.max(...present));
        else expect(maximum).toEqual([]);
        const minimum = rebin(points, 'Minimum', max).points.flatMap((p) => (p.value === null ? [] : [p.value]));
        if (present.length > 0) expect(Math.min(...minimum)).toBe(Math.min(...present));
      }),
      { numRuns: 200 },
    );
    // Average is the mean of the values present in a bin; a bin with none is null, never 0.
    const avg = rebin(
      [1, 2, 3, null, null, null].map((v, i) => ({ at: String(i), value: v })),
      'Average',
      2,
    ).points;
    expect(avg.map((p) => p.value)).toEqual([2, null]);
  });
});

describe('PNG charts (src/report/chart-png.ts)', () => {
  it('draw any values, finite or not, in any unit, without throwing', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 60 }), fc.constantFrom(...UNITS), fc.constantFrom<Aggregation>('Maximum', 'Total', 'Average'), (values, unit, aggregation) => {
        const svg = chartSvg(spec(values, unit, aggregation));
        expect(svg.startsWith('<svg')).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('the values that made ECharts throw are drawn, as a PNG', () => {
    for (const unit of UNITS) {
      for (const values of [[1e-21, 2e-21], [1e-20], [Number.NaN, 1], [Number.POSITIVE_INFINITY], [-Number.MAX_VALUE, Number.MAX_VALUE], [5e-324, 0]]) {
        expect(isPng(chartPng(spec(values, unit))), `${unit} ${values.join(',')}`).toBe(true);
      }
    }
  });

  it('re-bin 100,000 points to at most 200 before drawing, keeping the peak of a Maximum and the sum of a Total', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => (i === 61_234 ? 9_000 : i % 5));
    const maximum = drawable(spec(values, 'Count', 'Maximum'));
    expect(maximum.points.length).toBeLessThanOrEqual(MAX_SERIES_POINTS);
    expect(Math.max(...maximum.points.map((p) => p.value ?? 0))).toBe(9_000);
    expect(maximum.grainMs).toBe(MIN * 500);
    const total = drawable(spec(values, 'Count', 'Total'));
    expect(total.points.reduce((a, p) => a + (p.value ?? 0), 0)).toBe(values.reduce((a, v) => a + v, 0));
    expect(isPng(chartPng(spec(values, 'Count')))).toBe(true);
  });

  it('chartsOf hands the renderer the same binning: at most 200 points per chart', () => {
    const report = reportWith(
      Array.from({ length: 50_000 }, (_, i) => i),
      'Count',
      'Total',
    );
    const [chart] = chartsOf(report);
    expect(chart!.points.length).toBeLessThanOrEqual(MAX_SERIES_POINTS);
    expect(chart!.points.reduce((a, p) => a + (p.value ?? 0), 0)).toBe((50_000 * 49_999) / 2);
  });
});

describe("Slack's own charts (src/slack/blocks/charts.ts)", () => {
  it('turn any values and any number of points into a chart block within Slack limits, or none', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.array(value, { maxLength: 300 }), fc.integer({ min: 0, max: 20_000 }).map((n) => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : i)))),
        fc.constantFrom(...UNITS),
        fc.constantFrom<'Total' | 'Maximum'>('Total', 'Maximum'),
        (values, unit, aggregation) => {
          const block = metricChartBlock(reportWith(values, unit, aggregation));
          if (block) expect(limitBreaches([block])).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
