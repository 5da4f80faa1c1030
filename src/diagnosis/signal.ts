// A signal is one piece of evidence read for or against one cause; the diagnosis adds them up.
import type { CauseId } from '../domain/causes.ts';
import type { Evidence } from '../domain/checks.ts';
import type { CheckId } from '../domain/checks.ts';
import type { Finding } from '../domain/facts.ts';

export interface Signal {
  cause: CauseId;
  /** The check whose data this reads. */
  check: CheckId;
  /** -1 … +1: how strongly this points at (positive) or away from (negative) the cause. */
  weight: number;
  /** Rules the cause out whatever else is found (`noeviction` for eviction). */
  rulesOut?: boolean;
  /** A field the cause is judged by was missing or garbled in INFO: without other evidence the cause is unknown. */
  unknown?: boolean;
  /** A sentence with numbers: "evicted_keys 25,611; used_memory 4.0 MB of 4.0 MB; policy allkeys-lru". */
  summary: string;
  /** Evidence from keyloss's own record, with the time of the event (or the start of its minute). */
  source?: 'record';
  at?: string;
  /** The record shows this cause removing the asked key (or most of the asked pattern's keys): the cause is confirmed. */
  confirms?: boolean;
  /**
   * The line shows the removal being made and by whom (a named client's last command, a SLOWLOG entry), not a trace it
   * left in counters or samples: among lines of the same direction it is cited first.
   */
  witness?: boolean;
}

/** Reads evidence and emits signals; one per area (memory, replication, Azure metrics, …). */
export type SignalSource = (evidence: Evidence) => Signal[];

/** Reads evidence and establishes facts (some with the values they make known) that select and fill fixes in the runbook. */
export type FactSource = (evidence: Evidence) => Finding[];
