import { describe, expect, it } from 'vitest';
import { findMetricEvents } from '../../src/azure/changes.ts';
import type { MetricSeries } from '../../src/domain/azure-evidence.ts';

const START = Date.parse('2026-11-26T05:00:00.000Z');
const MIN = 60_000;
const window = { from: '2026-11-26T05:00:00.000Z', to: '2026-11-26T06:00:00.000Z', intervalMs: MIN };

/** A series with one point a minute from 05:00, `values[i]` at 05:00 + i min. */
function series(metric: string, values: Array<number | null>, extra: Partial<MetricSeries> = {}): MetricSeries {
  return {
    metric,
    aggregation: ['evictedkeys', 'expiredkeys', 'cachemisses'].includes(metric) ? 'Total' : 'Maximum',
    dimensions: {},
    unit: 'Count',
    points: values.map((value, i) => ({ at: new Date(START + i * MIN).toISOString(), value })),
    ...extra,
  };
}
const repeat = (value: number | null, n: number) => Array<number | null>(n).fill(value);

describe('findMetricEvents', () => {
  it('names the shard when the cache is clustered, and only then', () => {
    const clustered = findMetricEvents(
      [
        series('totalkeys', [...repeat(5000, 10), ...repeat(0, 10)], { dimensions: { shardid: '1' } }),
        series('totalkeys', repeat(5000, 20), { dimensions: { shardid: '0' } }),
      ],
      window,
    );
    expect(clustered.map((e) => e.summary)).toEqual(['totalkeys 5,000 → 0 between 05:09 and 05:10 UTC on shard 1']);
    const single = findMetricEvents([series('totalkeys', [...repeat(5000, 10), ...repeat(0, 10)], { dimensions: { shardid: '0' } })], window);
    expect(single.map((e) => e.summary)).toEqual(['totalkeys 5,000 → 0 between 05:09 and 05:10 UTC']);
  });

  it('does not call a slow decline a step', () => {
    const declining = Array.from({ length: 20 }, (_, i) => Math.round(10_000 * 0.9 ** i));
    expect(findMetricEvents([series('totalkeys', declining)], window)).toEqual([]);
  });

  it('reports a silence in every metric, bounded by data, as a gap', () => {
    const values = [...repeat(7, 10), ...repeat(null, 5), ...repeat(7, 5), ...repeat(null, 2)];
    const events = findMetricEvents([series('connectedclients', values), series('totalkeys', values)], window);
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'gap',
        from: '2026-11-26T05:10:00.000Z',
        to: '2026-11-26T05:14:00.000Z',
        summary: 'no metrics between 05:10 and 05:14 UTC: every metric empty for 5 min, the cache did not report',
      }),
    ]);
  });

  it('does not call a silence in one metric a gap while others report', () => {
    const events = findMetricEvents([series('totalkeys', [...repeat(7, 5), ...repeat(null, 5), ...repeat(7, 5)]), series('connectedclients', repeat(3, 15))], window);
    expect(events.filter((e) => e.kind === 'gap')).toEqual([]);
  });

  it('reports clients falling to zero', () => {
    const events = findMetricEvents([series('connectedclients', [...repeat(250, 5), 0, 0, ...repeat(240, 3)])], window);
    expect(events.map((e) => e.summary)).toEqual(['connectedclients 250 → 0 between 05:04 and 05:05 UTC']);
  });

  it('adds up an error that lasts several intervals', () => {
    const events = findMetricEvents([series('errors', [0, 0, 1, 1, 0], { dimensions: { errortype: 'Dataloss' } })], window);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'error', after: 2, summary: 'errors: Dataloss between 05:02 and 05:03 UTC (2)', dimensions: { errortype: 'Dataloss' } }),
    ]);
  });

  it('tells a burst of expirations from their usual rate', () => {
    const usual = repeat(300, 30);
    expect(findMetricEvents([series('expiredkeys', usual)], window)).toEqual([]);
    const burst = [...usual.slice(0, 20), 40_000, ...usual.slice(21)];
    expect(findMetricEvents([series('expiredkeys', burst)], window).map((e) => e.summary)).toEqual(['expiredkeys 300 → 40,000 a minute at 05:20 UTC']);
  });

  it('writes the date when the window spans days, and units from Azure', () => {
    const long = { from: '2026-11-24T05:00:00.000Z', to: '2026-11-26T06:00:00.000Z', intervalMs: 60 * MIN };
    const events = findMetricEvents([series('usedmemory', [4 * 1024 ** 3, 4 * 1024 ** 3, 1024 ** 2], { unit: 'Bytes' })], long);
    expect(events.map((e) => e.summary)).toEqual(['usedmemory 4.0 GB → 1.0 MB between 2026-11-26 05:01 and 2026-11-26 05:02 UTC']);
  });
});
