// The state of one investigation thread (channel + root ts), as stored in the state store between clicks.
import type { Session } from '../runbook/engine.ts';
import type { Report } from '../report/model.ts';
import type { CheckProgress } from '../domain/checks.ts';
import type { StateStore } from '../state/store.ts';
import { updateState } from '../state/store.ts';
import type { UsedButton } from './blocks/verdict.ts';
import type { PostedChart } from './charts.ts';

/** One answer for the postmortem timeline: who gave it and when. */
export interface AnswerRecord {
  node: string;
  prompt: string;
  /** What the person saw: the option label, or the text as stored. */
  answer: string;
  user: string | null;
  at: string;
  prefilled: boolean;
  skipped: boolean;
}

export interface CheckRun {
  startedAt: string;
  finishedAt: string | null;
  startedBy: string;
  checks: CheckProgress[];
}

/** The Azure Monitor alert an investigation was started by: what its root message shows, and its id for the metadata. */
export interface AlertOrigin {
  id: string;
  rule: string;
  severity: string;
  firedAt: string;
  /** `totalkeys LessThan 1000 (value 12)`, one per metric criterion. */
  conditions: string[];
}

export interface Investigation {
  channel: string;
  rootTs: string;
  cache: string;
  startedBy: string;
  startedAt: string;
  session: Session;
  /** The session as it stood at the check node, so "Re-run checks" can run them again. */
  checkpoint: Session | null;
  /** The message showing the question being asked. */
  questionTs: string | null;
  answers: AnswerRecord[];
  runs: CheckRun[];
  progressTs: string | null;
  report: Report | null;
  verdictTs: string | null;
  /** Buttons under the current verdict that were already used. */
  verdictUsed: UsedButton[];
  /** Set when the cache could not be reached or refused the credentials. */
  unreachable: string | null;
  /** The charts shared under the current verdict (absent in investigations stored before charts existed). */
  charts?: PostedChart[];
  /** The message showing the investigation's status when the thread's root is not keyloss's (a message shortcut). */
  statusTs?: string;
  /** Set when an Azure Monitor alert started it. */
  alert?: AlertOrigin;
}

export function threadKey(channel: string, rootTs: string): string {
  return `keyloss:thread:${channel}:${rootTs}`;
}

export async function loadInvestigation(store: StateStore, channel: string, rootTs: string): Promise<Investigation | null> {
  return (await store.get<Investigation>(threadKey(channel, rootTs)))?.value ?? null;
}

/** Applies `change` with optimistic concurrency; null from `change` leaves the state unchanged. */
export function updateInvestigation(
  store: StateStore,
  channel: string,
  rootTs: string,
  ttlMs: number,
  change: (current: Investigation) => Investigation | null,
) {
  return updateState<Investigation>(store, threadKey(channel, rootTs), ttlMs, change);
}
