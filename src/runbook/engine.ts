// The runbook state machine: walks a runbook's questions, checks and conclusions over a plain-JSON session.
// Pure: no I/O and no clock; every function takes the time and returns a new session, never mutating its input.
import { z } from 'zod';
import { CauseIdSchema, type CauseId } from '../domain/causes.ts';
import { VerdictSchema, type Verdict } from '../domain/verdict.ts';
import { parseAnswer } from './formats.ts';
import type { CheckNode, Condition, ConclusionNode, Next, QuestionNode, Runbook } from './schema.ts';

/** What the checks concluded, as far as the runbook's branches care. */
export interface Findings {
  verdict: Verdict;
  topCause: CauseId | null;
  /** The asked exact key's type when it is there (`hash`, `string`, …); absent otherwise. */
  keyType?: string;
}

export interface HistoryEntry {
  node: string;
  /** ISO time of the step. */
  at: string;
  /** The value stored in the slot (a question), absent for a check. */
  value?: string;
  skipped?: true;
  /** Answered from the prefill, without asking. */
  prefilled?: true;
  /** A check node: what the checks found. */
  findings?: Findings;
}

export interface Session {
  /** The id of the runbook this session walks. */
  runbook: string;
  /** The current node. */
  node: string;
  status: 'asking' | 'checking' | 'concluded';
  /** Slot → stored value; "" when skipped without a value. */
  answers: Record<string, string>;
  history: HistoryEntry[];
  findings: Findings | null;
  /** Raw prefilled answers still waiting for their question; a slot leaves this when its question takes it. */
  prefill: Record<string, string>;
  /** Slots whose question is skipped, not asked, when no prefill answers it (the checks infer them). */
  infer?: string[];
  startedAt: string;
  updatedAt: string;
}

const FindingsSchema: z.ZodType<Findings> = z.object({ verdict: VerdictSchema, topCause: CauseIdSchema.nullable(), keyType: z.string().max(32).optional() });

/** A session as stored between clicks and read back (src/slack/investigation.ts checks its records with it). */
export const SessionSchema: z.ZodType<Session> = z.object({
  runbook: z.string(),
  node: z.string(),
  status: z.enum(['asking', 'checking', 'concluded']),
  answers: z.record(z.string(), z.string()),
  history: z.array(
    z.object({
      node: z.string(),
      at: z.string(),
      value: z.string().optional(),
      skipped: z.literal(true).optional(),
      prefilled: z.literal(true).optional(),
      findings: FindingsSchema.optional(),
    }),
  ),
  findings: FindingsSchema.nullable(),
  prefill: z.record(z.string(), z.string()),
  infer: z.array(z.string()).optional(),
  startedAt: z.string(),
  updatedAt: z.string(),
});

export type EngineErrorCode =
  | 'not-an-option'
  | 'invalid-format'
  | 'cannot-skip'
  | 'not-asking'
  | 'not-checking'
  | 'nothing-to-undo'
  | 'unknown-slot'
  | 'stale-session'
  | 'dead-end';

export interface EngineError {
  code: EngineErrorCode;
  /** A sentence for the person answering. */
  message: string;
  /** The slot concerned, when the error is about one answer (an invalid prefill names its slot). */
  slot?: string;
}

export type EngineResult = { ok: true; session: Session } | { ok: false; error: EngineError };

/** Where a session stands, with the runbook node to show. */
export type Step =
  | { kind: 'question'; id: string; node: QuestionNode; canUndo: boolean }
  | { kind: 'check'; id: string; node: CheckNode; canUndo: boolean }
  | { kind: 'conclusion'; id: string; node: ConclusionNode; canUndo: boolean };

export interface Engine {
  readonly runbook: Runbook;
  /**
   * A new session at the runbook's start; `prefill` (slot → raw text) answers those questions without asking, and
   * the questions of the `infer` slots that can be skipped are skipped when nothing answers them.
   */
  start(now: Date, prefill?: Record<string, string>, options?: { infer?: readonly string[] }): EngineResult;
  /** Answers the current question with an option value or free text in the question's format. */
  answer(session: Session, value: string, now: Date): EngineResult;
  /** Takes the current question's skip, when it has one. */
  skip(session: Session, now: Date): EngineResult;
  /** Undoes the last answered question (prefilled ones too) and returns to it; findings are dropped. */
  back(session: Session): EngineResult;
  /**
   * Returns to the question of `slot` to answer it again; the answers given after it become prefill, so a new
   * answer runs on to the checks without asking them again (inferred slots are inferred again).
   */
  reopen(session: Session, slot: string): EngineResult;
  /** Records what the checks of the current check node found, and moves on by the node's branches. */
  recordFindings(session: Session, findings: Findings, now: Date): EngineResult;
  /** The current step, or null when the session does not fit this runbook (another runbook, or a node since removed). */
  current(session: Session): Step | null;
}

type Resolved = { ok: true; value: string; next: Next } | { ok: false; error: EngineError };

/** True when every part of the condition holds; answers never given count as "" (unknown). */
export function conditionHolds(condition: Condition, answers: Record<string, string>, findings: Findings | null): boolean {
  if (condition.answer !== undefined && condition.in !== undefined) {
    if (!condition.in.includes(answers[condition.answer] ?? '')) return false;
  }
  if (condition.verdict !== undefined) {
    if (findings === null || !condition.verdict.includes(findings.verdict)) return false;
  }
  if (condition.topCause !== undefined) {
    if (findings === null || findings.topCause === null || !condition.topCause.includes(findings.topCause)) return false;
  }
  if (condition.keyType !== undefined) {
    if (findings?.keyType === undefined || !(condition.keyType as readonly string[]).includes(findings.keyType)) return false;
  }
  return true;
}

/** The node `next` leads to: itself when a node id, else the first branch whose condition holds. */
export function followNext(next: Next, answers: Record<string, string>, findings: Findings | null): string | null {
  if (typeof next === 'string') return next;
  for (const branch of next) {
    if (branch.when === undefined || conditionHolds(branch.when, answers, findings)) return branch.next;
  }
  return null;
}

function optionList(question: QuestionNode): string {
  return (question.options ?? []).map((o) => o.value).join(', ');
}

/** Reads an answer to a question: an option value (case-insensitive) or free text in the question's format. */
export function resolveAnswer(question: QuestionNode, raw: string, now: Date): Resolved {
  const typed = raw.trim();
  const option = question.options?.find((o) => o.value.toLowerCase() === typed.toLowerCase());
  if (question.text) {
    const parsed = parseAnswer(question.text.format, typed, now);
    // An option like `15m` on a since question is stored normalised, like the same text typed freely.
    if (parsed.ok) {
      const matched = option ?? question.options?.find((o) => o.value === parsed.value);
      return { ok: true, value: parsed.value, next: matched?.next ?? question.next };
    }
    if (option) return { ok: true, value: option.value, next: option.next ?? question.next };
    const orPick = question.options && typed === '' ? ` Or pick one of: ${optionList(question)}.` : '';
    return { ok: false, error: { code: 'invalid-format', message: `${parsed.message}${orPick}`, slot: question.slot } };
  }
  if (option) return { ok: true, value: option.value, next: option.next ?? question.next };
  const shown = typed.length > 40 ? `${typed.slice(0, 39)}…` : typed;
  return {
    ok: false,
    error: {
      code: 'not-an-option',
      message: `${typed === '' ? 'No choice given.' : `“${shown}” is not one of the choices.`} Pick one of: ${optionList(question)}.`,
      slot: question.slot,
    },
  };
}

/** The answers a history leaves behind: the last value given to each slot. */
function answersFrom(runbook: Runbook, history: HistoryEntry[]): Record<string, string> {
  const answers: Record<string, string> = {};
  for (const entry of history) {
    const node = runbook.nodes[entry.node];
    if (node?.kind === 'question' && entry.value !== undefined) answers[node.slot] = entry.value;
  }
  return answers;
}

function fail(code: EngineErrorCode, message: string, slot?: string): { ok: false; error: EngineError } {
  return { ok: false, error: slot === undefined ? { code, message } : { code, message, slot } };
}

export function createEngine(runbook: Runbook): Engine {
  const questions = Object.entries(runbook.nodes).flatMap(([id, node]) =>
    node.kind === 'question' ? [{ id, node }] : [],
  );

  /** Moves from the current node along `next`, answering prefilled questions on the way, until someone must act. */
  function advance(session: Session, next: Next, at: string): EngineResult {
    let target = followNext(next, session.answers, session.findings);
    let current = session;
    // Each loop either stops or consumes one prefill, so it ends; the bound guards a malformed session only.
    for (let steps = 0; steps <= questions.length + 1; steps++) {
      if (target === null) {
        return fail('dead-end', `Runbook ${runbook.id}: no branch after node "${current.node}" applies to the answers so far.`);
      }
      const node = runbook.nodes[target];
      if (!node) return fail('dead-end', `Runbook ${runbook.id}: node "${current.node}" leads to "${target}", which does not exist.`);
      if (node.kind === 'check') return { ok: true, session: { ...current, node: target, status: 'checking', updatedAt: at } };
      if (node.kind === 'conclusion') return { ok: true, session: { ...current, node: target, status: 'concluded', updatedAt: at } };
      const raw = current.prefill[node.slot];
      if (raw === undefined && node.skip && current.infer?.includes(node.slot)) {
        current = {
          ...current,
          node: target,
          answers: { ...current.answers, [node.slot]: node.skip.value },
          history: [...current.history, { node: target, at, value: node.skip.value, skipped: true, prefilled: true }],
        };
        target = followNext(node.next, current.answers, current.findings);
        continue;
      }
      if (raw === undefined) return { ok: true, session: { ...current, node: target, status: 'asking', updatedAt: at } };
      const { [node.slot]: _taken, ...prefill } = current.prefill;
      // Prefilled text means what it meant when the session started (`since 30m` is 30 minutes before the command).
      const resolved = resolveAnswer(node, raw, new Date(current.startedAt));
      if (!resolved.ok) {
        // Valid for another question with this slot but not this one: ask instead.
        return { ok: true, session: { ...current, prefill, node: target, status: 'asking', updatedAt: at } };
      }
      current = {
        ...current,
        prefill,
        node: target,
        answers: { ...current.answers, [node.slot]: resolved.value },
        history: [...current.history, { node: target, at, value: resolved.value, prefilled: true }],
      };
      target = followNext(resolved.next, current.answers, current.findings);
    }
    return fail('dead-end', `Runbook ${runbook.id}: the prefilled answers lead around in a circle.`);
  }

  /** The question the session is asking, or why it is not asking one. */
  function askedQuestion(session: Session): { ok: true; question: QuestionNode } | { ok: false; error: EngineError } {
    const step = current(session);
    if (step === null) return fail('stale-session', staleMessage(session));
    if (step.kind !== 'question' || session.status !== 'asking') {
      return fail('not-asking', step.kind === 'check' ? 'The checks are running; there is no question to answer.' : 'The runbook has concluded; there is no question to answer.');
    }
    return { ok: true, question: step.node };
  }

  function staleMessage(session: Session): string {
    return session.runbook !== runbook.id
      ? `This session belongs to runbook "${session.runbook}", not "${runbook.id}".`
      : `This session stands at node "${session.node}", which runbook ${runbook.id} no longer has. Start again.`;
  }

  function current(session: Session): Step | null {
    if (session.runbook !== runbook.id) return null;
    const node = runbook.nodes[session.node];
    if (!node) return null;
    const canUndo = session.history.some((e) => e.value !== undefined);
    switch (node.kind) {
      case 'question':
        return { kind: 'question', id: session.node, node, canUndo };
      case 'check':
        return { kind: 'check', id: session.node, node, canUndo };
      case 'conclusion':
        return { kind: 'conclusion', id: session.node, node, canUndo };
    }
  }

  function start(now: Date, prefill: Record<string, string> = {}, options: { infer?: readonly string[] } = {}): EngineResult {
    for (const [slot, raw] of Object.entries(prefill)) {
      const asking = questions.filter((q) => q.node.slot === slot);
      if (asking.length === 0) {
        const known = [...new Set(questions.map((q) => q.node.slot))].join(', ');
        return fail('unknown-slot', `“${slot}” is not something this runbook asks about. It asks about: ${known}.`, slot);
      }
      const results = asking.map((q) => resolveAnswer(q.node, raw, now));
      if (!results.some((r) => r.ok)) {
        const first = results[0];
        if (first && !first.ok) return { ok: false, error: first.error };
      }
    }
    const at = now.toISOString();
    const fresh: Session = {
      runbook: runbook.id,
      node: runbook.start,
      status: 'asking',
      answers: {},
      history: [],
      findings: null,
      prefill: { ...prefill },
      ...(options.infer && options.infer.length > 0 ? { infer: [...options.infer] } : {}),
      startedAt: at,
      updatedAt: at,
    };
    return advance(fresh, runbook.start, at);
  }

  function answer(session: Session, value: string, now: Date): EngineResult {
    const asked = askedQuestion(session);
    if (!asked.ok) return asked;
    const resolved = resolveAnswer(asked.question, value, now);
    if (!resolved.ok) return resolved;
    const at = now.toISOString();
    const answered: Session = {
      ...session,
      answers: { ...session.answers, [asked.question.slot]: resolved.value },
      history: [...session.history, { node: session.node, at, value: resolved.value }],
      // New answers may change what the checks would find.
      findings: null,
    };
    return advance(answered, resolved.next, at);
  }

  function skip(session: Session, now: Date): EngineResult {
    const asked = askedQuestion(session);
    if (!asked.ok) return asked;
    const { skip: skipping, slot, next } = asked.question;
    if (!skipping) return fail('cannot-skip', 'This question cannot be skipped; the checks need an answer.', slot);
    const at = now.toISOString();
    const skipped: Session = {
      ...session,
      answers: { ...session.answers, [slot]: skipping.value },
      history: [...session.history, { node: session.node, at, value: skipping.value, skipped: true }],
      findings: null,
    };
    return advance(skipped, next, at);
  }

  function back(session: Session): EngineResult {
    if (current(session) === null) return fail('stale-session', staleMessage(session));
    let last = -1;
    for (let i = session.history.length - 1; i >= 0; i--) {
      if (session.history[i]?.value !== undefined) {
        last = i;
        break;
      }
    }
    const undone = session.history[last];
    if (!undone) return fail('nothing-to-undo', 'There is no earlier answer to go back to.');
    const history = session.history.slice(0, last);
    return {
      ok: true,
      session: {
        ...session,
        node: undone.node,
        status: 'asking',
        history,
        answers: answersFrom(runbook, history),
        findings: null,
      },
    };
  }

  function reopen(session: Session, slot: string): EngineResult {
    if (current(session) === null) return fail('stale-session', staleMessage(session));
    let at = -1;
    session.history.forEach((e, i) => {
      if (e.value !== undefined && questionSlot(e.node) === slot) at = i;
    });
    if (at < 0) return fail('unknown-slot', `“${slot}” was not answered in this session, so there is nothing to change.`, slot);
    const history = session.history.slice(0, at);
    const later: Record<string, string> = {};
    for (const e of session.history.slice(at + 1)) {
      const laterSlot = questionSlot(e.node);
      // An inferred answer is inferred again; one the person gave stays as it was.
      if (laterSlot !== null && e.value !== undefined && !(e.skipped && e.prefilled)) later[laterSlot] = e.value;
    }
    return {
      ok: true,
      session: {
        ...session,
        node: session.history[at]!.node,
        status: 'asking',
        history,
        answers: answersFrom(runbook, history),
        findings: null,
        prefill: { ...later, ...session.prefill },
      },
    };
  }

  function questionSlot(nodeId: string): string | null {
    const node = runbook.nodes[nodeId];
    return node?.kind === 'question' ? node.slot : null;
  }

  function recordFindings(session: Session, findings: Findings, now: Date): EngineResult {
    const step = current(session);
    if (step === null) return fail('stale-session', staleMessage(session));
    if (step.kind !== 'check' || session.status !== 'checking') {
      return fail('not-checking', 'No checks are running in this session; there are no findings to record.');
    }
    const at = now.toISOString();
    const checked: Session = {
      ...session,
      findings: { verdict: findings.verdict, topCause: findings.topCause, ...(findings.keyType ? { keyType: findings.keyType } : {}) },
      history: [...session.history, { node: session.node, at, findings: { verdict: findings.verdict, topCause: findings.topCause } }],
    };
    return advance(checked, step.node.next, at);
  }

  return { runbook, start, answer, skip, back, reopen, recordFindings, current };
}
