// Benches that cannot rot: every bench registered in bench/registry.ts runs at its smoke size, and must complete and
// report its figures. Only that: timings are what the benches measure (npm run bench), never what a test asserts.
// The registry is iterated, so a bench added there is covered without touching this file.
import { describe, expect, it } from 'vitest';
import { benchmarks } from '../../bench/registry.ts';

describe('every registered bench at its smoke size', () => {
  it.each(Object.keys(benchmarks))('%s completes and reports its figures', async (name) => {
    const figures = await benchmarks[name]!('smoke');
    const entries = Object.entries(figures);
    expect(entries.length).toBeGreaterThan(0);
    for (const [figure, value] of entries) {
      expect(figure.length, name).toBeGreaterThan(0);
      // A figure is a number that was measured (NaN is none) or a non-empty phrase.
      if (typeof value === 'number') expect(Number.isNaN(value), `${name}: ${figure}`).toBe(false);
      else expect(value.length, `${name}: ${figure}`).toBeGreaterThan(0);
    }
  }, 180_000);
});
