import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GAP, MAX_CELLS, resample, sparkline } from '../../src/azure/sparkline.ts';

describe('sparkline', () => {
  it('draws the lowest value as ▁, the highest as █, and a missing one as a gap', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7, null, 7])).toEqual({ line: `▁▂▃▄▅▆▇█${GAP}█`, min: 0, max: 7 });
  });

  it('draws a flat series low when it is zero and in the middle otherwise', () => {
    expect(sparkline([0, 0, 0]).line).toBe('▁▁▁');
    expect(sparkline([5, 5]).line).toBe('▄▄');
    expect(sparkline([null, null])).toEqual({ line: `${GAP}${GAP}`, min: 0, max: 0 });
  });

  it('keeps a one-minute spike visible when 200 points shrink to 60 cells', () => {
    const values = Array.from({ length: 200 }, (_, i) => (i === 137 ? 12_400 : 0));
    const { line, max } = sparkline(values);
    expect([...line]).toHaveLength(60);
    expect(max).toBe(12_400);
    expect([...line].filter((c) => c === '█')).toHaveLength(1);
  });

  it('keeps a fall to zero visible with reduce "min"', () => {
    const values = Array.from({ length: 180 }, (_, i) => (i === 90 ? 0 : 1000));
    expect(sparkline(values, { reduce: 'min' }).line).toContain('▁');
    expect(sparkline(values, { reduce: 'max' }).line).not.toContain('▁');
  });

  it('resamples in order and leaves a cell empty only when all its points are', () => {
    expect(resample([1, null, null, null, 5, 6], 3, 'max')).toEqual([1, null, 6]);
  });

  it('always fits a Slack line and uses only block characters and the gap mark', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { nil: null }), { maxLength: 500 }), fc.integer({ min: 1, max: 200 }), (values, width) => {
        const { line, min, max } = sparkline(values, { width });
        const cells = [...line];
        expect(cells.length).toBeLessThanOrEqual(Math.min(width, MAX_CELLS));
        expect(cells.length).toBe(Math.min(values.length, Math.min(width, MAX_CELLS)));
        expect(cells.every((c) => '▁▂▃▄▅▆▇█'.includes(c) || c === GAP)).toBe(true);
        expect(min).toBeLessThanOrEqual(max);
      }),
    );
  });
});
