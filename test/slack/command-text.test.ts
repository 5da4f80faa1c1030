// /keyloss text → prefilled answers, and the problems it names.
import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../src/slack/command-text.ts';

const now = new Date('2026-11-26T06:00:00Z');
const caches = ['orders-prod', 'payments'];

describe('parseCommandText', () => {
  it('reads cache, key and every keyword', () => {
    expect(parseCommandText('orders-prod session:* since 2h db 3 tier Premium scope complete', caches, now)).toEqual({
      ok: true,
      help: false,
      cache: 'orders-prod',
      prefill: { cache: 'orders-prod', key: 'session:*', since: '2026-11-26T04:00:00.000Z', db: '3', tier: 'premium', scope: 'complete' },
    });
  });

  it('takes the tiers Azure sells now: the name in quotes as the portal writes it, the dashed value, or the SKU', () => {
    const tierOf = (text: string) => {
      const read = parseCommandText(`orders-prod k since 2h tier ${text}`, caches, now);
      return read.ok && !read.help ? read.prefill.tier : read;
    };
    expect(['"Memory Optimized"', 'compute-optimized', 'Balanced_B5', 'FlashOptimized_A250', 'EnterpriseFlash_F300', 'Enterprise'].map(tierOf)).toEqual([
      'memory-optimized',
      'compute-optimized',
      'balanced',
      'flash-optimized',
      'enterprise-flash',
      'enterprise',
    ]);
  });

  it('a first word that is no cache is the key; quotes keep spaces; since takes several words', () => {
    expect(parseCommandText('"user profile:17" since 2 hours ago', caches, now)).toEqual({
      ok: true,
      help: false,
      cache: null,
      prefill: { key: 'user profile:17', since: '2026-11-26T04:00:00.000Z' },
    });
    expect(parseCommandText('', caches, now)).toEqual({ ok: true, help: false, cache: null, prefill: {} });
  });

  it('help, and problems named', () => {
    expect(parseCommandText(' help ', caches, now)).toEqual({ ok: true, help: true });
    expect(parseCommandText('orders-prod a b', caches, now)).toMatchObject({ ok: false, problem: expect.stringMatching(/"b" is left over/) });
    expect(parseCommandText('orders-prod k db', caches, now)).toMatchObject({ ok: false, problem: '"db" needs a value' });
    expect(parseCommandText('orders-prod k db 1 db 2', caches, now)).toMatchObject({ ok: false, problem: '"db" is given twice' });
    expect(parseCommandText('orders-prod k scope most', caches, now)).toMatchObject({ ok: false, problem: '“most” is not a scope; use partial (some keys) or complete (most or all keys).' });
    expect(parseCommandText('orders-prod k since tomorrow', caches, now)).toMatchObject({ ok: false, problem: expect.stringMatching(/is not a time/) });
    expect(parseCommandText('orders-prod "k', caches, now)).toMatchObject({ ok: false, problem: 'a quote (") is not closed' });
  });
});

describe('did you mean', () => {
  it('a first word a letter or two from a cache name is a typo of it, not a key', () => {
    const names = ['evict', 'expire', 'orders-prod'];
    expect(parseCommandText('evcit', names, now)).toEqual({
      ok: false,
      problem: '"evcit" is not a configured cache: did you mean "evict"? (For a key of that name, give the cache first.)',
    });
    expect(parseCommandText('orders-prdo session:17 since 1h', names, now)).toMatchObject({ ok: false, problem: expect.stringMatching(/^"orders-prdo" is not a configured cache: did you mean "orders-prod"\?/) });
    // Keys are keys: a separator or a glob, or nothing near.
    expect(parseCommandText('evict:17', names, now)).toMatchObject({ ok: true, cache: null, prefill: { key: 'evict:17' } });
    expect(parseCommandText('basket', names, now)).toMatchObject({ ok: true, cache: null, prefill: { key: 'basket' } });
    // The cache first, then a key that looks like a cache: no question.
    expect(parseCommandText('evict expire', names, now)).toMatchObject({ ok: true, cache: 'evict', prefill: { key: 'expire' } });
  });

  it('a mistyped keyword left over after the key is named', () => {
    expect(parseCommandText('orders-prod session:17 sicne 1h', caches, now)).toMatchObject({ ok: false, problem: '"sicne 1h" is left over after the key; did you mean "since"?' });
  });
});

describe('connection strings', () => {
  it('are refused without being repeated', () => {
    const parsed = parseCommandText('rediss://:k3y-value@c.redis.cache.windows.net:6380 session:1', caches, now);
    expect(parsed).toMatchObject({ ok: false, problem: expect.stringMatching(/connection strings are never accepted in Slack/) });
    expect(JSON.stringify(parsed)).not.toContain('k3y-value');
  });
});
