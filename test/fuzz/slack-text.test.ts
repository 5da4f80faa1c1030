// Property tests: whatever a person types, parsing never throws, refusals are sentences, and nothing they typed becomes a mention or link.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../src/slack/command-text.ts';
import { parseDbIndex, parseKeyPattern, parseSince, MAX_KEY_LENGTH } from '../../src/runbook/formats.ts';
import { usageMessage, refusalMessage, noticeMessage } from '../../src/slack/blocks/notices.ts';
import { answeredMessage } from '../../src/slack/blocks/question.ts';
import { progressMessage } from '../../src/slack/blocks/progress.ts';
import { verdictMessage, allCausesMessage } from '../../src/slack/blocks/verdict.ts';
import { decodeTarget } from '../../src/slack/blocks/modal.ts';
import { limitBreaches } from '../../src/slack/blocks/limits.ts';
import { ACTION } from '../../src/slack/ids.ts';
import type { SlackMessage } from '../../src/slack/blocks/message.ts';
import { buildReport, summarizeChecks } from '../../src/report/build.ts';
import type { QuestionNode } from '../../src/runbook/schema.ts';
import { makeEvidence, NOW } from '../diagnosis/evidence-fixture.ts';
import { runbook } from '../diagnosis/runbook-fixture.ts';
import { injectedControls, userText } from './arbitraries.ts';

const CACHES = ['orders-prod', 'sessions-eu', 'cart'];
const RUNS = { numRuns: 300 };

/** A message Slack would accept that carries no mention or link the app did not put there itself. */
function expectInert(msg: SlackMessage, allowedMentions: readonly string[] = []): void {
  expect(injectedControls(JSON.stringify(msg), allowedMentions)).toEqual([]);
  expect(limitBreaches(msg.blocks)).toEqual([]);
}

/** A readable sentence: not empty, not a stack trace, not an object dump (unless the person typed those words). */
function expectSentence(text: string, typed = ''): void {
  expect(text.trim().length).toBeGreaterThan(3);
  expect(text).not.toMatch(/\n\s+at |\[object Object\]/);
  for (const leak of ['undefined', 'NaN']) if (!typed.includes(leak)) expect(text).not.toContain(leak);
}

describe('slash command text', () => {
  it('never throws, and every rejection is a sentence that renders inert', () => {
    fc.assert(
      fc.property(userText, (text) => {
        const parsed = parseCommandText(text, CACHES, NOW);
        if (!parsed.ok) {
          expectSentence(parsed.problem, text);
          expectInert(usageMessage(parsed.problem, CACHES));
          return;
        }
        if (parsed.help) return;
        for (const value of Object.values(parsed.prefill)) expect(typeof value).toBe('string');
        if (parsed.prefill.key !== undefined) {
          expect(parsed.prefill.key.length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
          expect(parsed.prefill.key).not.toMatch(/[\u0000-\u001f]/);
        }
        if (parsed.cache !== null) expect(CACHES).toContain(parsed.cache);
      }),
      RUNS,
    );
  });

  it('reads the key, cache and options of a well-formed command whatever the key holds', () => {
    const key = fc.string({ minLength: 1, maxLength: 60 }).filter((k) => !/["\s]/.test(k) && !/^(since|db|tier|scope|help|-h|--help|\?)$/i.test(k) && !CACHES.includes(k.toLowerCase()));
    fc.assert(
      fc.property(key, fc.constantFrom(...CACHES), fc.integer({ min: 0, max: 15 }), (k, cache, db) => {
        const parsed = parseCommandText(`${cache} "${k}" since 2h db ${db}`, CACHES, NOW);
        if (!parsed.ok || parsed.help) throw new Error(`rejected: ${parsed.ok ? 'help' : parsed.problem}`);
        expect(parsed.prefill).toMatchObject({ cache, key: k.trim() === '' ? expect.anything() : k.trim(), db: String(db) });
      }),
      { numRuns: 200 },
    );
  });
});

describe('answer formats', () => {
  it('since: never throws; accepted times lie in the last 30 days; rejections are sentences', () => {
    fc.assert(
      fc.property(fc.oneof(userText, fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.integer().map((n) => `${n}m`)), (text) => {
        const parsed = parseSince(text, NOW);
        if (!parsed.ok) {
          expectSentence(parsed.message, text);
          expectInert(noticeMessage(':warning:', parsed.message));
          return;
        }
        expect(parsed.date.getTime()).toBeLessThanOrEqual(NOW.getTime() + 60_000);
        expect(NOW.getTime() - parsed.date.getTime()).toBeLessThanOrEqual(30 * 86_400_000);
      }),
      RUNS,
    );
  });

  it('key pattern and db index: never throw; rejections are sentences', () => {
    fc.assert(
      fc.property(userText, (text) => {
        const key = parseKeyPattern(text);
        if (!key.ok) expectSentence(key.message, text);
        const db = parseDbIndex(text);
        if (!db.ok) expectSentence(db.message, text);
        else expect(Number.isInteger(db.db)).toBe(true);
      }),
      RUNS,
    );
  });

  it('modal private_metadata of any shape is decoded or refused, never trusted blindly', () => {
    fc.assert(
      fc.property(fc.oneof(userText, fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (metadata) => {
        const target = decodeTarget(metadata);
        if (target === null) return;
        expect(typeof target.channel).toBe('string');
        expect(typeof target.step).toBe('number');
      }),
      RUNS,
    );
  });
});

describe('messages built from user text', () => {
  const keyQuestion = runbook.nodes.key as QuestionNode;

  it('an answer echoed in the thread mentions nobody', () => {
    fc.assert(
      fc.property(userText, (answer) => expectInert(answeredMessage(keyQuestion, answer, 'U0FUZZ1'), ['U0FUZZ1'])),
      RUNS,
    );
  });

  it('refusals, notices and progress details mention nobody', () => {
    fc.assert(
      fc.property(userText, userText, (reason, detail) => {
        expectInert(refusalMessage(reason));
        expectInert(noticeMessage(':warning:', reason));
        expectInert(
          progressMessage(reason, ['info', 'memory'], [
            { id: 'info', title: 'Server info', status: 'failed', ms: 12, detail },
            { id: 'memory', title: detail, status: 'running' },
          ]),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('a verdict about any key pattern mentions nobody and fits Block Kit', () => {
    const key = userText.filter((k) => parseKeyPattern(k).ok).map((k) => k.trim());
    fc.assert(
      fc.property(key, userText, (pattern, failure) => {
        const evidence = makeEvidence(pattern, { clients: { failed: failure } });
        const report = buildReport({
          evidence,
          runbook,
          target: { host: '127.0.0.1', port: 6390, tls: false },
          cache: 'orders-prod',
          checks: summarizeChecks(evidence.results, ['info', 'keyspace.presence', 'clients', 'memory'], {}),
          generatedAt: NOW,
        });
        expectInert(verdictMessage(report, { title: 'Verdict', body: 'See the evidence.' }, [{ action: ACTION.rerun, label: 'Re-run checks', user: 'U0FUZZ1' }]), ['U0FUZZ1']);
        expectInert(allCausesMessage(report));
      }),
      { numRuns: 150 },
    );
  });
});
