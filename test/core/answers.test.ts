// One answer table: the same typed values give the same answer (or the same refusal) on every surface and in the caches file.
import { describe, expect, it } from 'vitest';
import { parseDiagnoseArgs, startDiagnosis } from '../../src/cli/diagnose.ts';
import { createEngine } from '../../src/runbook/engine.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import { parseWalkArgs } from '../../src/cli/walk.ts';
import { parseCaches } from '../../src/config/caches.ts';
import { ANSWER_TABLE, normaliseAnswers, queryFromAnswers, slotOfFlag, slotOfKeyword } from '../../src/core/answers.ts';
import { parseCommandText } from '../../src/slack/command-text.ts';

const NOW = new Date('2026-11-26T06:00:00Z');
const CONFIG = { redisUrl: 'redis://127.0.0.1:6379', rateIntervalMs: null, state: { url: null, prefix: 'keyloss:' } };

/** Each slot's value through the table, diagnose's flags, Slack's command text and (where it has one) the caches file. */
function everySurface(slot: 'tier' | 'db' | 'scope' | 'since', text: string) {
  const table = ANSWER_TABLE[slot].parse(text, NOW);
  const flag = ANSWER_TABLE[slot].flags[0]!.name;
  const diagnose = parseDiagnoseArgs(['--key', 'k', flag, text], CONFIG, NOW);
  const slack = parseCommandText(`k ${ANSWER_TABLE[slot].keyword} ${text}`, [], NOW);
  const walk = parseWalkArgs([flag, text]);
  const field = ANSWER_TABLE[slot].cachesField;
  const caches = field ? parseCaches(`caches:\n  c1:\n    url: redis://127.0.0.1:6379\n    ${field}: ${slot === 'db' ? text : JSON.stringify(text)}\n`, 'c.yaml') : null;
  return { table, diagnose, slack, walk, caches };
}

describe('the answer table', () => {
  it.each([
    ['tier', 'Premium', 'premium'],
    ['tier', 'standard', 'standard'],
    ['db', '16', '16'],
    ['db', '10000', '10000'],
    ['scope', 'Complete', 'complete'],
    ['since', '2h', '2026-11-26T04:00:00.000Z'],
  ] as const)('%s %s is read as %s everywhere', async (slot, text, value) => {
    const all = everySurface(slot, text);
    expect(all.table).toEqual({ ok: true, value });
    expect(all.slack).toMatchObject({ ok: true, prefill: { [slot]: value } });
    expect(all.walk).toMatchObject({ ok: true, prefill: { [slot]: text } });
    // walk hands the typed text to the engine, which the table normalises the same way.
    expect(normaliseAnswers({ [slot]: text }, NOW)).toEqual({ ok: true, answers: { [slot]: value } });
    expect(all.diagnose.ok).toBe(true);
    // diagnose goes through the engine with the flags as prefilled answers: its query is the session's.
    const started = all.diagnose.ok ? startDiagnosis(createEngine(await loadDefaultRunbook()), all.diagnose.args, NOW, null) : null;
    const answered = started?.ok ? queryFromAnswers(started.session.answers) : null;
    const query = answered?.ok ? answered.query : null;
    const fromAnswers = queryFromAnswers({ key: 'k', since: '2026-11-26T05:00:00Z', [slot]: value });
    if (slot !== 'since') expect(query?.[slot]).toEqual(fromAnswers.ok ? fromAnswers.query[slot] : 'no query');
    else expect(query?.since.toISOString()).toBe(value);
    if (all.caches) {
      expect(all.caches.ok).toBe(true);
      expect(all.caches.ok && all.caches.caches[0]?.[slot as 'tier' | 'db']).toBe(slot === 'db' ? Number(value) : value);
    }
  });

  it.each([
    ['tier', 'gold', /“gold” is not a tier; use basic, standard, premium, enterprise/],
    ['db', '10001', /is not a database number/],
    ['scope', 'most', /“most” is not a scope/],
    ['since', 'tomorrow', /is not a time/],
  ] as const)('%s %s is refused everywhere with the same words', (slot, text, words) => {
    const all = everySurface(slot, text);
    expect(all.table.ok).toBe(false);
    expect(all.table.ok ? '' : all.table.message).toMatch(words);
    expect(all.slack.ok ? '' : all.slack.problem).toMatch(words);
    expect(all.diagnose.ok ? '' : all.diagnose.message).toMatch(words);
    expect(all.diagnose.ok ? '' : all.diagnose.message).toMatch(new RegExp(`^${ANSWER_TABLE[slot].flags[0]!.name}: `));
    if (all.caches) expect(all.caches.ok ? '' : all.caches.reason).toMatch(words);
  });

  it('reads unknown tiers as a problem, never silently as none', () => {
    expect(queryFromAnswers({ key: 'k', since: '2026-11-26T05:00:00Z', tier: 'gold' })).toEqual({ ok: false, missing: ['tier'] });
  });

  it('declares each flag and keyword once', () => {
    expect(slotOfFlag('--redis')).toBe('cache');
    expect(slotOfFlag('--cache')).toBe('cache');
    expect(slotOfKeyword('SINCE')).toBe('since');
    expect(slotOfKeyword('key')).toBeUndefined();
  });

  it('reads the caches file\'s Azure resource and region as diagnose reads its flags', () => {
    const id = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Cache/Redis/c1';
    const ok = parseCaches(`caches:\n  c1:\n    url: redis://127.0.0.1:6379\n    azure: { resourceId: "${id}", region: WestEurope }\n`, 'c.yaml');
    expect(ok.ok && ok.caches[0]?.azure).toEqual({ resourceId: id, region: 'westeurope' });
    const flags = parseDiagnoseArgs(['--key', 'k', '--azure-resource', id, '--azure-region', 'WestEurope'], CONFIG, NOW);
    expect(flags.ok && flags.args.azure).toEqual({ resourceId: id, region: 'westeurope' });
    const bad = parseCaches(`caches:\n  c1:\n    url: redis://127.0.0.1:6379\n    azure: { resourceId: "${id.replace('11111111-2222-3333-4444-555555555555', 'x')}", region: westeurope }\n`, 'c.yaml');
    expect(bad.ok ? '' : bad.reason).toMatch(/subscription "x" is not a GUID/);
  });
});
