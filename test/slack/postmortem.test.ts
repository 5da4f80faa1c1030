// The postmortem as issue 25 found it wrong: the verdict before the checks, every check at one time, "from the command"
// for answers from the caches file or never given, raw user ids, and no word of the Watch live result.
import { describe, expect, it } from 'vitest';
import type { CheckId } from '../../src/domain/checks.ts';
import { buildReport, summarizeChecks } from '../../src/report/build.ts';
import { createEngine } from '../../src/runbook/engine.ts';
import type { Investigation } from '../../src/slack/investigation.ts';
import { limitBreaches } from '../../src/slack/blocks/limits.ts';
import { postmortemMarkdown, postmortemMessage, timeline } from '../../src/slack/postmortem.ts';
import { makeEvidence, NOW } from '../diagnosis/evidence-fixture.ts';
import { runbook } from '../diagnosis/runbook-fixture.ts';

const ORDER: CheckId[] = ['info', 'keyspace.presence', 'memory'];
const START = '2026-11-26T05:58:00.000Z';

function investigation(): Investigation {
  const evidence = makeEvidence('session:17');
  // The report is built when the last check ends; the run is marked finished a little after, once it is stored.
  const report = buildReport({ evidence, runbook, target: { host: '127.0.0.1', port: 6390, tls: false }, cache: 'orders-prod', checks: summarizeChecks(evidence.results, ORDER, {}), generatedAt: new Date('2026-11-26T05:58:31.000Z') });
  const started = createEngine(runbook).start(NOW, {});
  if (!started.ok) throw new Error(started.error.message);
  const session = started.session;
  return {
    channel: 'C1',
    rootTs: '1.0',
    cache: 'orders-prod',
    startedBy: 'U0ONCALL',
    startedAt: START,
    session,
    checkpoint: null,
    questionTs: null,
    answers: [
      { node: 'cache', prompt: 'Which cache lost keys?', answer: 'orders-prod', user: null, at: START, prefilled: true, skipped: false, source: 'the command' },
      { node: 'tier', prompt: 'Which service and tier is the cache?', answer: 'Standard', user: null, at: START, prefilled: true, skipped: false, source: 'the caches file' },
      { node: 'scope', prompt: 'How much is missing?', answer: 'Not sure', user: null, at: START, prefilled: true, skipped: true },
      { node: 'key', prompt: 'Which key is missing?', answer: 'session:17', user: 'U0ONCALL', at: '2026-11-26T05:58:10.000Z', prefilled: false, skipped: false },
    ],
    runs: [
      {
        startedAt: '2026-11-26T05:58:30.000Z',
        finishedAt: '2026-11-26T05:58:32.000Z',
        startedBy: 'U0ONCALL',
        checks: [
          { id: 'info', title: 'Server information', status: 'ok', ms: 30 },
          { id: 'keyspace.presence', title: 'Key presence', status: 'ok', ms: 420 },
          { id: 'memory', title: 'Memory', status: 'ok', ms: 900 },
        ],
      },
    ],
    progressTs: null,
    report,
    verdictTs: null,
    verdictUsed: [],
    unreachable: null,
    watches: [{ by: 'U0SECOND', from: '2026-11-26T05:59:00.000Z', to: '2026-11-26T05:59:30.000Z', seconds: 30, summary: '37 session:* keys expired in 30 s (412 keys in all); nothing evicted.' }],
  };
}

describe('the postmortem', () => {
  it('dates each check by its own end and puts the verdict after the checks it came from', () => {
    const entries = timeline(investigation()).map((e) => `${e.at.slice(11, 23)} ${e.text}`);
    const checks = entries.filter((e) => e.includes(' Check '));
    expect(checks).toEqual(['05:58:30.030 Check Server information: ok in 30 ms', '05:58:30.420 Check Key presence: ok in 420 ms', '05:58:30.900 Check Memory: ok in 900 ms']);
    const verdict = entries.findIndex((e) => e.includes('Verdict:'));
    expect(verdict).toBeGreaterThan(entries.findIndex((e) => e.includes('Check Memory')));
  });

  it('says where each answer came from, and mentions people', () => {
    const md = postmortemMarkdown(investigation(), null);
    expect(md).toContain('Which cache lost keys? → orders-prod (from the command)');
    expect(md).toContain('Which service and tier is the cache? → Standard (from the caches file)');
    expect(md).toContain('How much is missing? → Not sure (not given: inferred from the evidence)');
    expect(md).toContain('Which key is missing? → session:17 (by <@U0ONCALL>)');
    expect(md).toContain('started by <@U0ONCALL>');
    expect(md).not.toMatch(/by U0ONCALL/);
    const msg = JSON.stringify(postmortemMessage(investigation(), null).blocks);
    expect(msg).toContain('started by <@U0ONCALL>');
    expect(msg).not.toMatch(/score \d/);
    expect(limitBreaches(postmortemMessage(investigation(), null).blocks)).toEqual([]);
  });

  it('includes the Watch live result', () => {
    const md = postmortemMarkdown(investigation(), null);
    expect(md).toContain('## Watch live');
    expect(md).toContain('37 session:* keys expired in 30 s');
    expect(md).toContain('Watch live by <@U0SECOND> (30 s from 05:59:00 UTC)');
    expect(JSON.stringify(postmortemMessage(investigation(), null).blocks)).toContain('Watch live by <@U0SECOND>');
  });
});
