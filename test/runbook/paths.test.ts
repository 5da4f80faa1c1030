// Drives the shipped runbook through every choice, skip, typed answer and findings outcome, and checks that every
// node and every edge the file declares is reached by at least one session.
import { beforeAll, describe, expect, it } from 'vitest';
import { CAUSE_IDS, type CauseId } from '../../src/domain/causes.ts';
import { createEngine, type Engine, type Findings, type Session } from '../../src/runbook/engine.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import { queryFromAnswers } from '../../src/core/answers.ts';
import type { Next, Runbook, TextFormat } from '../../src/runbook/schema.ts';
import type { Verdict } from '../../src/domain/verdict.ts';

const now = new Date('2026-11-26T06:00:00.000Z');

const SAMPLE_TEXT: Record<TextFormat, string> = {
  target: 'redis://127.0.0.1:6390',
  'key-pattern': 'session:*',
  'field-name': 'token',
  'db-index': '7',
  since: '2026-11-26T05:00Z',
  tier: 'MemoryOptimized_M10',
  text: 'it was there at five',
};

const VERDICTS: Verdict[] = ['explained', 'no-loss', 'inconclusive'];
const FINDINGS: Findings[] = [
  ...VERDICTS.flatMap((verdict) => [null, ...CAUSE_IDS].map((topCause: CauseId | null): Findings => ({ verdict, topCause }))),
  // The key is there and is a hash: the walkthrough asks whether a field of it is missing.
  { verdict: 'no-loss', topCause: null, keyType: 'hash' },
];

type Action = { label: string; apply: (engine: Engine, s: Session) => ReturnType<Engine['answer']> };

function targets(next: Next): string[] {
  return typeof next === 'string' ? [next] : next.map((b) => b.next);
}

/** Every edge the file declares: "from -> to", and every way to leave a question ("from: option basic", …). */
function declaredEdges(runbook: Runbook): { moves: Set<string>; actions: Set<string> } {
  const moves = new Set<string>();
  const actions = new Set<string>();
  for (const [id, node] of Object.entries(runbook.nodes)) {
    if (node.kind === 'conclusion') continue;
    for (const to of targets(node.next)) moves.add(`${id} -> ${to}`);
    if (node.kind !== 'question') continue;
    for (const option of node.options ?? []) {
      actions.add(`${id}: option ${option.value}`);
      if (option.next) moves.add(`${id} -> ${option.next}`);
    }
    if (node.text) actions.add(`${id}: text`);
    if (node.skip) actions.add(`${id}: skip`);
  }
  return { moves, actions };
}

describe('every path through runbooks/redis-data-loss.yaml', () => {
  let runbook: Runbook;
  let engine: Engine;
  beforeAll(async () => {
    runbook = await loadDefaultRunbook();
    engine = createEngine(runbook);
  });

  it('reaches every node and edge, and every session ends at a conclusion with a usable query', () => {
    const visitedNodes = new Set<string>();
    const movesTaken = new Set<string>();
    const actionsTaken = new Set<string>();
    const conclusions = new Map<string, number>();
    let sessions = 0;

    /** The nodes a session passed through after `before`, ending at its current node. */
    const trail = (before: Session, after: Session): string[] => [
      before.node,
      ...after.history.slice(before.history.length).map((e) => e.node).slice(1),
      after.node,
    ];

    const explore = (session: Session): void => {
      visitedNodes.add(session.node);
      const step = engine.current(session);
      expect(step).not.toBeNull();
      if (!step) return;
      if (step.kind === 'conclusion') {
        sessions++;
        conclusions.set(step.id, (conclusions.get(step.id) ?? 0) + 1);
        return;
      }
      const actions: Action[] = [];
      if (step.kind === 'check') {
        // The checks need a complete query by the time the runbook gets here, whatever was skipped.
        const query = queryFromAnswers(session.answers);
        expect(query.ok, JSON.stringify(session.answers)).toBe(true);
        // A session is stored between requests: carry on from its JSON form.
        const stored = JSON.parse(JSON.stringify(session)) as Session;
        for (const findings of FINDINGS) {
          actions.push({ label: `findings ${findings.verdict}/${findings.topCause}`, apply: (e) => e.recordFindings(stored, findings, now) });
        }
      } else {
        for (const option of step.node.options ?? []) {
          actions.push({ label: `option ${option.value}`, apply: (e, s) => e.answer(s, option.value, now) });
        }
        const text = step.node.text;
        if (text) actions.push({ label: 'text', apply: (e, s) => e.answer(s, SAMPLE_TEXT[text.format], now) });
        if (step.node.skip) actions.push({ label: 'skip', apply: (e, s) => e.skip(s, now) });
      }
      for (const action of actions) {
        const result = action.apply(engine, session);
        expect(result.ok, `${session.node}: ${action.label}`).toBe(true);
        if (!result.ok) continue;
        if (step.kind === 'question') actionsTaken.add(`${session.node}: ${action.label}`);
        const nodes = trail(session, result.session);
        for (let i = 1; i < nodes.length; i++) movesTaken.add(`${nodes[i - 1]} -> ${nodes[i]}`);
        explore(result.session);
      }
    };

    const started = engine.start(now);
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    explore(started.session);

    const declared = declaredEdges(runbook);
    expect([...declared.actions].filter((a) => !actionsTaken.has(a))).toEqual([]);
    expect([...declared.moves].filter((m) => !movesTaken.has(m))).toEqual([]);
    expect(Object.keys(runbook.nodes).filter((n) => !visitedNodes.has(n))).toEqual([]);
    // Every conclusion is reachable from real findings, and the walk really was exhaustive.
    expect([...conclusions.keys()].sort()).toEqual(
      Object.entries(runbook.nodes)
        .filter(([, n]) => n.kind === 'conclusion')
        .map(([id]) => id)
        .sort(),
    );
    expect(sessions).toBeGreaterThan(1000);
  });

  it('takes the branches the runbook promises', () => {
    const drive = (answers: string[], findings: Findings) => {
      let s = engine.start(now);
      for (const a of answers) {
        if (!s.ok) break;
        s = a === '<skip>' ? engine.skip(s.session, now) : engine.answer(s.session, a, now);
      }
      if (!s.ok) throw new Error(s.error.message);
      expect(s.session.status).toBe('checking');
      const done = engine.recordFindings(s.session, findings, now);
      if (!done.ok) throw new Error(done.error.message);
      return done.session;
    };
    const enterprise = drive(['orders-prod', 'enterprise', 'k', '15m', 'partial'], { verdict: 'explained', topCause: 'flush' });
    expect(enterprise.history.map((e) => e.node)).not.toContain('db');
    expect(enterprise.node).toBe('cause-found');
    const premium = drive(['orders-prod', 'premium', 'k', '<skip>', '1h', '<skip>'], { verdict: 'explained', topCause: 'wrong-database' });
    expect(premium.answers).toMatchObject({ db: '0', scope: '' });
    expect(premium.node).toBe('other-database');
    expect(drive(['orders-prod', '<skip>', 'k', '3', '6h', 'complete'], { verdict: 'no-loss', topCause: null }).node).toBe('key-present');
    expect(drive(['orders-prod', 'basic', 'k', '12', '24h', 'partial'], { verdict: 'inconclusive', topCause: 'eviction' }).node).toBe(
      'not-provable',
    );
  });

  it('answers the Slack prefill (cache, key, since) without asking and asks the rest', () => {
    const started = engine.start(now, { cache: 'orders-prod', key: 'session:*', since: '30m' });
    if (!started.ok) throw new Error(started.error.message);
    expect(started.session.node).toBe('tier');
    const atDb = engine.answer(started.session, 'standard', now);
    if (!atDb.ok) throw new Error(atDb.error.message);
    expect(atDb.session.node).toBe('db');
    const atScope = engine.answer(atDb.session, '2', now);
    if (!atScope.ok) throw new Error(atScope.error.message);
    expect(atScope.session.node).toBe('scope');
    expect(atScope.session.answers).toEqual({
      cache: 'orders-prod',
      tier: 'standard',
      key: 'session:*',
      db: '2',
      since: '2026-11-26T05:30:00.000Z',
    });
  });
});
