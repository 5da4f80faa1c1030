// The state of one investigation thread (channel + root ts), as stored in the state store between clicks.
import { z } from 'zod';
import { SessionSchema, type Session } from '../runbook/engine.ts';
import { ReportSchema, type Report } from '../report/model.ts';
import { JsonNumber } from '../domain/json-number.ts';
import { CheckProgressSchema, type CheckProgress } from '../domain/checks.ts';
import type { RecordKind, StateStore } from '../state/store.ts';
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
  /** Where a prefilled answer came from ("the command", "the caches file", "Azure", "the alert"); absent in older records. */
  source?: string;
}

/** A "Watch live" that ran to its result: for the postmortem. */
export interface WatchRecord {
  by: string;
  from: string;
  to: string;
  seconds: number;
  summary: string;
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
  /** The watches that posted a result in the thread (absent in investigations stored before it existed). */
  watches?: WatchRecord[];
}

const InvestigationSchema: z.ZodType<Investigation> = z.object({
  channel: z.string(),
  rootTs: z.string(),
  cache: z.string(),
  startedBy: z.string(),
  startedAt: z.string(),
  session: SessionSchema,
  checkpoint: SessionSchema.nullable(),
  questionTs: z.string().nullable(),
  answers: z.array(
    z.object({
      node: z.string(),
      prompt: z.string(),
      answer: z.string(),
      user: z.string().nullable(),
      at: z.string(),
      prefilled: z.boolean(),
      skipped: z.boolean(),
      source: z.string().optional(),
    }),
  ),
  runs: z.array(z.object({ startedAt: z.string(), finishedAt: z.string().nullable(), startedBy: z.string(), checks: z.array(CheckProgressSchema) })),
  progressTs: z.string().nullable(),
  report: ReportSchema.nullable(),
  verdictTs: z.string().nullable(),
  verdictUsed: z.array(z.object({ action: z.string(), label: z.string(), user: z.string() })),
  unreachable: z.string().nullable(),
  charts: z.array(z.object({ fileId: z.string(), title: z.string(), permalink: z.string().nullable() })).optional(),
  statusTs: z.string().optional(),
  alert: z
    .object({ id: z.string(), rule: z.string(), severity: z.string(), firedAt: z.string(), conditions: z.array(z.string()) })
    .optional(),
  watches: z.array(z.object({ by: z.string(), from: z.string(), to: z.string(), seconds: JsonNumber, summary: z.string() })).optional(),
});

/**
 * The record of one investigation thread, read and written back on every click. Measured: 30 KB for an alert's
 * investigation with six Azure metrics of 41 points, two charts and the answers (the report 25 KB of it, metrics
 * 13 KB, causes 10 KB); nine metrics at the 200-point cap are about 85 KB of points, and each re-run adds 1.5 KB of
 * progress. 2 MB is ten times the largest such record: longer is not one keyloss wrote, and a write past it fails
 * loudly instead of leaving a record no click could read.
 */
export const INVESTIGATION_RECORD: RecordKind<Investigation> = { what: 'investigation', schema: InvestigationSchema, maxChars: 2_000_000 };

export function threadKey(channel: string, rootTs: string): string {
  return `keyloss:thread:${channel}:${rootTs}`;
}

export async function loadInvestigation(store: StateStore, channel: string, rootTs: string): Promise<Investigation | null> {
  return (await store.get(threadKey(channel, rootTs), INVESTIGATION_RECORD))?.value ?? null;
}

/** Applies `change` with optimistic concurrency; null from `change` leaves the state unchanged. */
export function updateInvestigation(
  store: StateStore,
  channel: string,
  rootTs: string,
  ttlMs: number,
  change: (current: Investigation) => Investigation | null,
) {
  return updateState(store, threadKey(channel, rootTs), INVESTIGATION_RECORD, ttlMs, change);
}
