// Terminal wrapping: between words only, at the given width, continuation lines under the text after the indent or marker.
import { describe, expect, it } from 'vitest';
import { fitLines, visibleLength, wrapLine } from '../../src/report/wrap.ts';

describe('wrapLine', () => {
  it('never breaks inside a word and never passes the width', () => {
    const text = '  A few keys going at a time points at TTLs, evictions or a client deleting them; everything going at once points at a flush, a restart or a failover.';
    for (const width of [40, 80, 120]) {
      const lines = wrapLine(text, width);
      expect(lines.every((l) => visibleLength(l) <= width)).toBe(true);
      expect(lines.map((l) => l.trim()).join(' ')).toBe(text.trim());
      // "a flush" and "that apply" were once split mid-word.
      expect(lines.some((l) => /\b(?:f|fl|flu|flus)$/.test(l))).toBe(false);
    }
  });

  it('continues list items under their text, keeps column gaps, and keeps "80 %" together', () => {
    expect(wrapLine('  1. Scale up so the data fits, and alert above 80 %.', 46)).toEqual(['  1. Scale up so the data fits, and alert', '     above 80 %.']);
    expect(wrapLine('used_memory 3.0 MB of 3.0 MB (99 %)', 16)).toEqual(['used_memory', '3.0 MB of 3.0 MB', '(99 %)']);
    expect(wrapLine('● LIKELY  Keys evicted  (eviction, score 0.82)', 30)).toEqual(['● LIKELY  Keys evicted', '  (eviction, score 0.82)']);
  });

  it('measures without colour codes', () => {
    const dim = (t: string) => `\u001b[2m${t}\u001b[22m`;
    expect(wrapLine(dim('  one two three'), 15)).toEqual([dim('  one two three')]);
    expect(fitLines([`${dim('  one two')} three four`], 12)).toEqual([`${dim('  one two')}`, '  three four']);
  });
});
