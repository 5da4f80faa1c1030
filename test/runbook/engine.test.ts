import { describe, expect, it } from 'vitest';
import { createEngine, type EngineResult, type Session } from '../../src/runbook/engine.ts';
import { queryFromAnswers } from '../../src/core/answers.ts';
import { Runbook } from '../../src/runbook/schema.ts';

const t0 = new Date('2026-11-26T06:00:00.000Z');
const t1 = new Date('2026-11-26T06:01:00.000Z');
const t2 = new Date('2026-11-26T06:02:00.000Z');

// A small runbook with every kind of edge: option next, answer branches, skip, a check with findings branches.
const runbook = Runbook.parse({
  id: 'small',
  title: 'Small',
  start: 'cache',
  nodes: {
    cache: { kind: 'question', slot: 'cache', prompt: 'Which cache?', text: { format: 'target' }, next: 'tier' },
    tier: {
      kind: 'question',
      slot: 'tier',
      prompt: 'Tier?',
      options: [
        { value: 'basic', label: 'Basic' },
        { value: 'premium', label: 'Premium' },
        { value: 'enterprise', label: 'Enterprise' },
        { value: 'help', label: 'Tell me more', next: 'about-tiers' },
      ],
      skip: { label: 'Not sure' },
      next: 'key',
    },
    'about-tiers': { kind: 'conclusion', title: 'Tiers', body: 'Read the docs.', report: false },
    key: {
      kind: 'question',
      slot: 'key',
      prompt: 'Key?',
      text: { format: 'key-pattern' },
      next: [{ when: { answer: 'tier', in: ['enterprise'] }, next: 'since' }, { next: 'db' }],
    },
    db: {
      kind: 'question',
      slot: 'db',
      prompt: 'Db?',
      options: [{ value: '0', label: '0' }],
      text: { format: 'db-index' },
      skip: { label: 'Not sure', value: '0' },
      next: 'since',
    },
    since: {
      kind: 'question',
      slot: 'since',
      prompt: 'Since?',
      options: [
        { value: '15m', label: '15 minutes' },
        { value: 'unknown', label: 'No idea', next: 'need-time' },
      ],
      text: { format: 'since' },
      next: 'run',
    },
    'need-time': { kind: 'conclusion', title: 'Need a time', body: 'Find out when.' },
    run: {
      kind: 'check',
      title: 'Checking',
      checks: ['info', 'keyspace.presence'],
      next: [
        { when: { verdict: ['no-loss'] }, next: 'present' },
        { when: { verdict: ['explained'], topCause: ['wrong-database'] }, next: 'elsewhere' },
        { when: { verdict: ['explained'] }, next: 'found' },
        { next: 'unknown' },
      ],
    },
    present: { kind: 'conclusion', title: 'Present', body: 'It is there.' },
    elsewhere: { kind: 'conclusion', title: 'Elsewhere', body: 'Another db.' },
    found: { kind: 'conclusion', title: 'Found', body: 'A cause.' },
    unknown: { kind: 'conclusion', title: 'Unknown', body: 'Not provable.' },
  },
  causes: {},
});

const engine = createEngine(runbook);

function ok(result: EngineResult): Session {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.session;
}

function errorOf(result: EngineResult) {
  if (result.ok) throw new Error(`expected an error, the session moved to ${result.session.node}`);
  return result.error;
}

/** Answers in order, at t1. */
function drive(session: Session, ...answers: Array<string | { skip: true }>): Session {
  let s = session;
  for (const a of answers) s = ok(typeof a === 'string' ? engine.answer(s, a, t1) : engine.skip(s, t1));
  return s;
}

describe('runbook engine', () => {
  it('starts at the start node, asking', () => {
    const s = ok(engine.start(t0));
    expect(s).toEqual({
      runbook: 'small',
      node: 'cache',
      status: 'asking',
      answers: {},
      history: [],
      findings: null,
      prefill: {},
      startedAt: t0.toISOString(),
      updatedAt: t0.toISOString(),
    });
    expect(engine.current(s)).toMatchObject({ kind: 'question', id: 'cache', canUndo: false });
  });

  it('walks questions to a check node, waits for findings, then concludes', () => {
    let s = drive(ok(engine.start(t0)), 'redis://127.0.0.1:6390', 'premium', 'session:*', '3', '15m');
    expect(s.status).toBe('checking');
    expect(s.node).toBe('run');
    expect(s.answers).toEqual({
      cache: 'redis://127.0.0.1:6390',
      tier: 'premium',
      key: 'session:*',
      db: '3',
      // Normalised against the time of the answer, so it means the same later.
      since: '2026-11-26T05:46:00.000Z',
    });
    expect(s.updatedAt).toBe(t1.toISOString());
    expect(engine.current(s)).toMatchObject({ kind: 'check', node: { checks: ['info', 'keyspace.presence'] } });

    s = ok(engine.recordFindings(s, { verdict: 'explained', topCause: 'expiration' }, t2));
    expect(s.status).toBe('concluded');
    expect(s.node).toBe('found');
    expect(s.findings).toEqual({ verdict: 'explained', topCause: 'expiration' });
    expect(s.history.at(-1)).toEqual({ node: 'run', at: t2.toISOString(), findings: { verdict: 'explained', topCause: 'expiration' } });
    expect(engine.current(s)).toMatchObject({ kind: 'conclusion', node: { title: 'Found' } });
  });

  it.each([
    [{ verdict: 'no-loss', topCause: null }, 'present'],
    [{ verdict: 'explained', topCause: 'wrong-database' }, 'elsewhere'],
    [{ verdict: 'explained', topCause: 'flush' }, 'found'],
    [{ verdict: 'inconclusive', topCause: 'wrong-database' }, 'unknown'],
    [{ verdict: 'inconclusive', topCause: null }, 'unknown'],
  ] as const)('branches on findings %j to %s', (findings, conclusion) => {
    const checking = drive(ok(engine.start(t0)), 'orders-prod', 'basic', 'k', '0', '1h');
    expect(ok(engine.recordFindings(checking, findings, t2)).node).toBe(conclusion);
  });

  it('branches on an earlier answer: enterprise is never asked for a db', () => {
    const s = drive(ok(engine.start(t0)), 'orders-prod', 'enterprise', 'k');
    expect(s.node).toBe('since');
    expect(s.answers.db).toBeUndefined();
    const q = queryFromAnswers(drive(s, '15m').answers);
    expect(q).toMatchObject({ ok: true, query: { db: 0, tier: 'enterprise' } });
  });

  it("follows an option's own next over the question's", () => {
    const s = drive(ok(engine.start(t0)), 'orders-prod', 'help');
    expect(s).toMatchObject({ node: 'about-tiers', status: 'concluded', answers: { tier: 'help' } });
    const late = drive(ok(engine.start(t0)), 'orders-prod', 'basic', 'k', '0', 'unknown');
    // "unknown" is no time, but it is an option: stored as-is, and its next is taken.
    expect(late).toMatchObject({ node: 'need-time', answers: { since: 'unknown' } });
  });

  it('matches options case-insensitively and stores the option value', () => {
    const s = drive(ok(engine.start(t0)), 'orders-prod', ' PREMIUM ');
    expect(s.answers.tier).toBe('premium');
  });

  it('skips where the question allows, storing the skip value', () => {
    const s = drive(ok(engine.start(t0)), 'orders-prod', { skip: true }, 'k', { skip: true });
    expect(s.answers).toMatchObject({ tier: '', db: '0' });
    expect(s.history.filter((e) => e.skipped)).toHaveLength(2);
    expect(s.node).toBe('since');
    const query = queryFromAnswers(drive(s, '15m').answers);
    expect(query).toMatchObject({ ok: true, query: { tier: null, scope: null, db: 0 } });
  });

  it('refuses what is not allowed, without changing the session', () => {
    const atCache = ok(engine.start(t0));
    const atTier = drive(atCache, 'orders-prod');
    const atKey = drive(atTier, 'basic');
    const atSince = drive(atKey, 'k', '2');
    const checking = drive(atSince, '15m');
    const snapshot = JSON.stringify([atCache, atTier, atKey, atSince, checking]);

    expect(errorOf(engine.answer(atTier, 'gold', t1))).toEqual({
      code: 'not-an-option',
      message: '“gold” is not one of the choices. Pick one of: basic, premium, enterprise, help.',
      slot: 'tier',
    });
    expect(errorOf(engine.answer(atSince, '2x', t1))).toEqual({
      code: 'invalid-format',
      message: '“2x” is not a time. Use an ISO time like 2026-11-26T05:00Z, a time of day in UTC like 05:00, or a duration like 15m, 2h, 1d.',
      slot: 'since',
    });
    expect(errorOf(engine.answer(atCache, 'redis://:hunter2pass@', t1)).message).not.toContain('hunter2pass');
    expect(errorOf(engine.skip(atKey, t1)).code).toBe('cannot-skip');
    expect(errorOf(engine.answer(checking, 'x', t1)).code).toBe('not-asking');
    expect(errorOf(engine.skip(checking, t1)).code).toBe('not-asking');
    expect(errorOf(engine.recordFindings(atKey, { verdict: 'no-loss', topCause: null }, t1)).code).toBe('not-checking');
    expect(errorOf(engine.back(atCache)).code).toBe('nothing-to-undo');
    const concluded = ok(engine.recordFindings(checking, { verdict: 'no-loss', topCause: null }, t2));
    expect(errorOf(engine.answer(concluded, 'x', t2)).code).toBe('not-asking');
    expect(errorOf(engine.recordFindings(concluded, { verdict: 'no-loss', topCause: null }, t2)).code).toBe('not-checking');

    expect(JSON.stringify([atCache, atTier, atKey, atSince, checking])).toBe(snapshot);
  });

  it('goes back one answer at a time, all the way to the start', () => {
    const done = ok(
      engine.recordFindings(drive(ok(engine.start(t0)), 'orders-prod', 'basic', 'k', '1', '15m'), { verdict: 'no-loss', topCause: null }, t2),
    );
    const visited: string[] = [];
    let s = done;
    for (;;) {
      const r = engine.back(s);
      if (!r.ok) {
        expect(r.error.code).toBe('nothing-to-undo');
        break;
      }
      s = r.session;
      expect(s.status).toBe('asking');
      expect(s.findings).toBeNull();
      visited.push(s.node);
    }
    expect(visited).toEqual(['since', 'db', 'key', 'tier', 'cache']);
    expect(s.answers).toEqual({});
    expect(s.history).toEqual([]);
    expect(done.status).toBe('concluded');
  });

  it('re-runs checks after a changed answer: back from a conclusion asks again, then checks again', () => {
    const checking = drive(ok(engine.start(t0)), 'orders-prod', 'basic', 'k', '1', '15m');
    const concluded = ok(engine.recordFindings(checking, { verdict: 'no-loss', topCause: null }, t2));
    const back = ok(engine.back(concluded));
    expect(back).toMatchObject({ node: 'since', status: 'asking', findings: null });
    expect(back.answers.since).toBeUndefined();
    expect(back.history.some((e) => e.findings)).toBe(false);
    const again = drive(back, '1h');
    expect(again).toMatchObject({ node: 'run', status: 'checking', findings: null });
  });

  it('restores the previous answers when backing over a re-answered slot', () => {
    const atKey = drive(ok(engine.start(t0)), 'orders-prod', 'basic');
    const atDb = drive(atKey, 'first:*');
    const backAtKey = ok(engine.back(atDb));
    expect(backAtKey.answers).toEqual({ cache: 'orders-prod', tier: 'basic' });
    expect(drive(backAtKey, 'second:*').answers.key).toBe('second:*');
  });

  it('answers prefilled questions without asking, and validates them the same way', () => {
    const s = ok(engine.start(t0, { cache: 'orders-prod', key: 'session:*', since: '30m' }));
    expect(s).toMatchObject({ node: 'tier', status: 'asking', answers: { cache: 'orders-prod' } });
    expect(s.history).toEqual([{ node: 'cache', at: t0.toISOString(), value: 'orders-prod', prefilled: true }]);
    expect(engine.current(s)?.canUndo).toBe(true);

    const atDb = drive(s, 'premium');
    expect(atDb.node).toBe('db');
    expect(atDb.answers.key).toBe('session:*');
    const checking = drive(atDb, '0');
    // A prefilled duration counts back from when the session started, not from when its question came up.
    expect(checking.answers.since).toBe('2026-11-26T05:30:00.000Z');
    expect(checking.status).toBe('checking');
    expect(checking.history.map((e) => [e.node, e.prefilled ?? false])).toEqual([
      ['cache', true],
      ['tier', false],
      ['key', true],
      ['db', false],
      ['since', true],
    ]);
  });

  it('prefill can carry a session straight to the checks', () => {
    const s = ok(engine.start(t0, { cache: 'redis://h:1', tier: 'basic', key: 'k', db: '4', since: '2026-11-26T05:00Z' }));
    expect(s.status).toBe('checking');
    expect(queryFromAnswers(s.answers)).toEqual({
      ok: true,
      query: { key: 'k', isPattern: false, db: 4, since: new Date('2026-11-26T05:00:00.000Z'), tier: 'basic', scope: null },
    });
  });

  it('back undoes a prefilled answer and then asks that question', () => {
    const s = ok(engine.start(t0, { cache: 'orders-prod', tier: 'basic' }));
    expect(s.node).toBe('key');
    const back = ok(engine.back(s));
    expect(back).toMatchObject({ node: 'tier', answers: { cache: 'orders-prod' }, prefill: {} });
    expect(engine.current(back)).toMatchObject({ kind: 'question', id: 'tier' });
    // Taking the tier from the prefill again would make "back" useless.
    expect(drive(back, 'premium').answers.tier).toBe('premium');
  });

  it('infers the skippable slots it is told to infer, and still asks what nothing answers', () => {
    const oneShot = ok(engine.start(t0, { cache: 'redis://h:6379', key: 'k:*', since: '15m' }, { infer: ['tier', 'db'] }));
    expect(oneShot.node).toBe('run');
    expect(oneShot.answers).toMatchObject({ tier: '', db: '0', key: 'k:*' });
    expect(oneShot.history.filter((e) => e.skipped && e.prefilled).map((e) => e.node)).toEqual(['tier', 'db']);
    // Without a since the question is asked: it has no skip, so it cannot be inferred.
    const asks = ok(engine.start(t0, { cache: 'redis://h:6379', key: 'k:*' }, { infer: ['tier', 'db', 'since'] }));
    expect(asks.node).toBe('since');
  });

  it('reopens a slot with later answers kept as prefill, so a new answer goes straight back to the checks', () => {
    const checking = ok(engine.start(t0, { cache: 'redis://h:6379', key: 'k:*', db: '3', since: '15m' }, { infer: ['tier'] }));
    const reopened = ok(engine.reopen(checking, 'key'));
    expect(reopened.node).toBe('key');
    expect(reopened.answers.key).toBeUndefined();
    expect(reopened.prefill).toMatchObject({ db: '3' });
    const again = ok(engine.answer(reopened, 'k:17', t1));
    expect(again.node).toBe('run');
    expect(again.answers).toMatchObject({ key: 'k:17', db: '3', since: checking.answers.since, tier: '' });
    expect(engine.reopen(checking, 'scope')).toMatchObject({ ok: false, error: { code: 'unknown-slot' } });
  });

  it('reports an invalid prefill as an error value naming the slot', () => {
    expect(errorOf(engine.start(t0, { since: 'tomorrow-ish' }))).toEqual({
      code: 'invalid-format',
      message: '“tomorrow-ish” is not a time. Use an ISO time like 2026-11-26T05:00Z, a time of day in UTC like 05:00, or a duration like 15m, 2h, 1d.',
      slot: 'since',
    });
    expect(errorOf(engine.start(t0, { tier: 'gold' }))).toMatchObject({ code: 'not-an-option', slot: 'tier' });
    expect(errorOf(engine.start(t0, { colour: 'red' }))).toEqual({
      code: 'unknown-slot',
      message: '“colour” is not something this runbook asks about. It asks about: cache, tier, key, db, since.',
      slot: 'colour',
    });
  });

  it('survives JSON.stringify / parse mid-way and carries on in another process', () => {
    const mid = drive(ok(engine.start(t0, { since: '15m' })), 'orders-prod', 'basic');
    const revived = JSON.parse(JSON.stringify(mid)) as Session;
    expect(revived).toEqual(mid);
    const other = createEngine(Runbook.parse(JSON.parse(JSON.stringify(runbook))));
    const a = ok(other.answer(revived, 'k', t1));
    const b = ok(engine.answer(mid, 'k', t1));
    expect(a).toEqual(b);
    expect(ok(other.answer(a, '0', t2)).status).toBe('checking');
  });

  it('refuses a session that does not fit the runbook', () => {
    const s = ok(engine.start(t0));
    expect(engine.current({ ...s, runbook: 'other' })).toBeNull();
    expect(engine.current({ ...s, node: 'gone' })).toBeNull();
    expect(errorOf(engine.answer({ ...s, node: 'gone' }, 'x', t1)).code).toBe('stale-session');
    expect(errorOf(engine.back({ ...s, runbook: 'other' })).code).toBe('stale-session');
  });

  it('reports a runbook with no applicable branch as a dead end, not a crash', () => {
    const partial = createEngine(
      Runbook.parse({
        id: 'partial',
        title: 'Partial',
        start: 'q',
        nodes: {
          q: {
            kind: 'question',
            slot: 'q',
            prompt: 'Q?',
            options: [
              { value: 'a', label: 'A' },
              { value: 'b', label: 'B' },
            ],
            next: [{ when: { answer: 'q', in: ['a'] }, next: 'end' }],
          },
          end: { kind: 'conclusion', title: 'End', body: 'Done.' },
        },
        causes: {},
      }),
    );
    const s = ok(partial.start(t0));
    expect(ok(partial.answer(s, 'a', t1)).node).toBe('end');
    expect(errorOf(partial.answer(s, 'b', t1))).toMatchObject({ code: 'dead-end' });
  });
});

describe('queryFromAnswers', () => {
  it('names what is missing', () => {
    expect(queryFromAnswers({})).toEqual({ ok: false, missing: ['key', 'since'] });
    expect(queryFromAnswers({ key: 'k', since: '15m' })).toEqual({ ok: false, missing: ['since'] });
    expect(queryFromAnswers({ key: 'k', since: '2026-11-26T05:00:00.000Z', db: 'x' })).toEqual({ ok: false, missing: ['db'] });
  });

  it('reads globs, tiers and scopes', () => {
    expect(
      queryFromAnswers({ key: 'session:*', since: '2026-11-26T05:00:00.000Z', db: '2', tier: 'premium', scope: 'complete' }),
    ).toEqual({
      ok: true,
      query: {
        key: 'session:*',
        isPattern: true,
        db: 2,
        since: new Date('2026-11-26T05:00:00.000Z'),
        tier: 'premium',
        scope: 'complete',
      },
    });
    expect(queryFromAnswers({ key: 'k', since: '2026-11-26T05:00:00.000Z', tier: '', scope: '' })).toMatchObject({
      ok: true,
      query: { tier: null, scope: null, db: 0 },
    });
  });
});
