import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_POINTS, metricsWindow } from '../../src/azure/window.ts';

const NOW = new Date('2026-11-26T06:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const MIN = 60_000;

describe('metricsWindow', () => {
  it('starts 15 minutes before a recent `since`, at one-minute grain', () => {
    expect(metricsWindow(ago(60 * MIN), NOW)).toMatchObject({ from: ago(75 * MIN), to: NOW, interval: 'PT1M' });
  });

  it('widens the margin with the span and coarsens the grain to stay within 200 points', () => {
    const day = metricsWindow(ago(24 * 60 * MIN), NOW);
    expect(day.from).toEqual(ago(30 * 60 * MIN));
    expect(day.interval).toBe('PT15M');
  });

  it('never asks for more than Azure keeps (30 days)', () => {
    expect(metricsWindow(ago(90 * 24 * 60 * MIN), NOW).from).toEqual(ago(30 * 24 * 60 * MIN));
  });

  it('respects a coarser minimum grain (Azure Managed Redis)', () => {
    expect(metricsWindow(ago(30 * MIN), NOW, { minIntervalMs: 5 * MIN }).interval).toBe('PT5M');
  });

  it('keeps every window within the point budget and before `since`', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 29 * 24 * 60 }), (minutes) => {
        const since = ago(minutes * MIN);
        const w = metricsWindow(since, NOW);
        expect(w.from.getTime()).toBeLessThan(since.getTime());
        expect((w.to.getTime() - w.from.getTime()) / w.intervalMs).toBeLessThanOrEqual(MAX_POINTS);
      }),
    );
  });
});
