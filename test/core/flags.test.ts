// The same flags on `diagnose` and `walk`: each input gives the same answer, option or refusal, in the same words.
import { describe, expect, it } from 'vitest';
import { parseDiagnoseArgs } from '../../src/cli/diagnose.ts';
import { parseWalkArgs } from '../../src/cli/walk.ts';
import { SHARED_FLAGS } from '../../src/core/flags.ts';

const NOW = new Date('2026-11-26T06:00:00Z');
const CONFIG = { redisUrl: 'redis://127.0.0.1:6379', rateIntervalMs: 500, state: { url: 'redis://127.0.0.1:7000', prefix: 'keyloss:' } };

/** Both commands on the same flags (with the key diagnose requires). */
function both(args: string[]) {
  const argv = ['--key', 'session:17', ...args];
  const diagnose = parseDiagnoseArgs(argv, CONFIG, NOW);
  const walk = parseWalkArgs(argv, CONFIG, NOW);
  return {
    diagnose: diagnose.ok ? { ok: true as const, prefill: diagnose.args.prefill, options: diagnose.args.options } : { ok: false as const, message: diagnose.message },
    walk: walk.ok ? { ok: true as const, prefill: walk.prefill, options: walk.options } : { ok: false as const, message: walk.problem },
  };
}

describe('diagnose and walk read the same flags the same way', () => {
  it.each([
    [['--bogus'], /^--bogus is not a flag; accepted: --redis, --key, /],
    [['--since'], /^--since needs a value: when the keys were last seen/],
    [['--entra=yes'], /^--entra takes no value$/],
    [['stray'], /^unexpected argument without a flag/],
    [['--tier', 'gold'], /^--tier: “gold” is not a tier; use basic, standard, premium, enterprise/],
    [['--db', '-1'], /^--db: “-1” is not a database number/],
    [['--db', '10001'], /^--db: “10001” is not a database number/],
    [['--since', '-5m'], /^--since: “-5m” has a sign/],
    [['--scope', 'most'], /^--scope: “most” is not a scope/],
    [['--rate-interval', '-1'], /^--rate-interval: "-1" is not a time in milliseconds; use a whole number from 0 to 60,000$/],
    [['--rate-interval', '60001'], /^--rate-interval: "60001" is not a time in milliseconds/],
    [['--state', 'http://127.0.0.1:7000'], /^--state: unsupported scheme "http:"/],
    [['--redis', 'redis://127.0.0.1:99999'], /^--redis: port 99999 is not a port number; ports go from 1 to 65535$/],
    [['--redis', 'http://example.com'], /^--redis: unsupported scheme "http:"/],
    [['--redis', 'redis://127.0.0.1:6379', '--cache', 'orders'], /^--redis and --cache both give the cache: give one$/],
  ])('%j is refused by both in the same words', (args, words) => {
    const { diagnose, walk } = both(args);
    expect(diagnose.ok).toBe(false);
    expect(walk.ok).toBe(false);
    const [d, w] = [diagnose.ok ? '' : diagnose.message, walk.ok ? '' : walk.message];
    expect(d).toMatch(words);
    // The list of accepted flags names each command's own flags too (--json, --runbook); everything before it is the same.
    expect(d.split('; accepted:')[0]).toBe(w.split('; accepted:')[0]);
  });

  it.each([
    [['--rate-interval', '100'], { rateIntervalMs: 100 }],
    [['--rate-interval=0'], { rateIntervalMs: 0 }],
    [[], { rateIntervalMs: 500, stateUrl: 'redis://127.0.0.1:7000', entra: false }],
    [['--state', 'redis://127.0.0.1:7001'], { stateUrl: 'redis://127.0.0.1:7001' }],
    [['--entra'], { entra: true }],
  ])('%j gives both the same run options', (args, options) => {
    const { diagnose, walk } = both(args);
    expect(diagnose).toMatchObject({ ok: true, options });
    expect(walk).toMatchObject({ ok: true, options });
    expect(diagnose.ok && diagnose.options).toEqual(walk.ok && walk.options);
  });

  it.each([
    [['--cache', 'orders-prod'], { cache: 'orders-prod' }],
    [['--redis', 'redis://127.0.0.1:6380/2'], { cache: 'redis://127.0.0.1:6380/2' }],
    [['--tier', 'Premium', '--db=3', '--since', '2h', '--scope', 'partial'], { tier: 'Premium', db: '3', since: '2h', scope: 'partial' }],
  ])('%j gives both the same answers', (args, answers) => {
    const { diagnose, walk } = both(args);
    expect(diagnose).toMatchObject({ ok: true, prefill: { key: 'session:17', ...answers } });
    expect(walk).toMatchObject({ ok: true, prefill: { key: 'session:17', ...answers } });
  });

  it('lists --cache, --rate-interval and --state among the flags both take', () => {
    const names = SHARED_FLAGS.map((flag) => flag.name);
    for (const name of ['--redis', '--cache', '--key', '--db', '--since', '--tier', '--scope', '--entra', '--rate-interval', '--state']) expect(names).toContain(name);
  });
});
