import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatBytes, formatCount, formatDuration, formatInstant, formatPercent } from '../../src/domain/format.ts';
import { globMatches } from '../../src/domain/glob.ts';

describe('format', () => {
  it('groups thousands and keeps one decimal below 100 only', () => {
    expect(formatCount(25_611)).toBe('25,611');
    expect(formatCount(1_000_000)).toBe('1,000,000');
    expect(formatCount(12.46)).toBe('12.5');
    expect(formatCount(0.44)).toBe('0.4');
    expect(formatCount(3_436.3)).toBe('3,436');
    expect(formatCount(0)).toBe('0');
  });
  it('writes bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(4 * 1024 * 1024)).toBe('4.0 MB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GB');
  });
  it('writes durations at a readable grain', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(41_000)).toBe('41 s');
    expect(formatDuration(1_500)).toBe('1.5 s');
    expect(formatDuration(150_000)).toBe('2.5 min');
    expect(formatDuration(7_200_000)).toBe('2 h');
    expect(formatDuration(3 * 86_400_000)).toBe('3 d');
  });
  it('writes percent and instants', () => {
    expect(formatPercent(0.978)).toBe('98 %');
    const now = new Date('2026-11-26T06:00:00Z');
    expect(formatInstant(new Date('2026-11-26T05:03:04Z'), now)).toBe('05:03:04 UTC');
    expect(formatInstant(new Date('2026-11-25T05:03:04Z'), now)).toBe('2026-11-25 05:03 UTC');
  });
});

describe('globMatches', () => {
  it('follows Redis glob rules', () => {
    expect(globMatches('session:*', 'session:17')).toBe(true);
    expect(globMatches('session:*', 'sessions:17')).toBe(false);
    expect(globMatches('h?llo', 'hello')).toBe(true);
    expect(globMatches('h?llo', 'hllo')).toBe(false);
    expect(globMatches('h[ae]llo', 'hallo')).toBe(true);
    expect(globMatches('h[^e]llo', 'hello')).toBe(false);
    expect(globMatches('h[a-c]llo', 'hbllo')).toBe(true);
    expect(globMatches('a\\*b', 'a*b')).toBe(true);
    expect(globMatches('a\\*b', 'axb')).toBe(false);
    expect(globMatches('*:17', 'user:17')).toBe(true);
    expect(globMatches('a*b*c', 'axxbyyc')).toBe(true);
    expect(globMatches('a*b*c', 'axxbyy')).toBe(false);
  });
  it('matches every key against itself once metacharacters are escaped, and * matches everything', () => {
    fc.assert(
      fc.property(fc.string(), (key) => {
        const escaped = key.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
        return globMatches(escaped, key) && globMatches('*', key) && globMatches(`${escaped}*`, `${key}tail`);
      }),
    );
  });
});
