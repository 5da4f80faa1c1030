// The check interface: what a check declares (id, budget, needs) and what it is given to run.
import type { CheckData, CheckId, CheckResults } from '../domain/checks.ts';
import type { Query } from '../domain/query.ts';

/** Bounds that keep a 10-million-key production cache from feeling the diagnosis. */
export interface CheckOptions {
  /** Keys a SCAN may visit per db before it stops and reports a sampled count. */
  scanKeyBudget: number;
  /** Milliseconds a SCAN may spend per db. */
  scanMsBudget: number;
  /** COUNT of each SCAN call under a fixed duty cycle (adaptive pacing sizes COUNT itself). */
  scanCount: number;
  /**
   * How scans are paced. `adaptive` (the default): from the node's measured load, fast when it is idle and backing
   * off when others use it (src/redis/pacer.ts states the bounds). A number d (0 < d <= 1): a fixed share of the
   * scan's wall time that its SCANs' round trips may take, with COUNT `scanCount`; 1: no pacing.
   */
  scanDutyCycle: number | 'adaptive';
  /** Keys whose TTL is sampled. */
  ttlSampleSize: number;
  /**
   * The shortest interval between the two INFO samples of the rates check; the second sample waits for the other
   * checks too, so the rates are measured across the time they take anyway.
   */
  rateIntervalMs: number;
  /** Per-command timeout. */
  commandTimeoutMs: number;
}

export interface CheckContext {
  query: Query;
  now: Date;
  /** Aborted when the check's budget runs out or the investigation is cancelled. */
  signal: AbortSignal;
  redis: import('../redis/target.ts').RedisTarget;
  azure: import('../azure/types.ts').AzureContext | null;
  options: CheckOptions;
  /** Results of the checks named in `needs`, all finished before this one starts. */
  results: CheckResults;
  /**
   * For a check that `spansRun`: settles when every other check of the run has finished, so a measurement can span
   * the time they take anyway. Absent when the check runs on its own.
   */
  othersSettled?: Promise<void>;
}

export interface Check<K extends CheckId = CheckId> {
  id: K;
  /** A human label, e.g. "Key presence in every database". */
  title: string;
  /** Wall-clock budget; past it the check is failed with "timed out after N ms". */
  budgetMs: number;
  /** Checks whose data this one reads; when one of them did not succeed, this one is skipped. */
  needs: readonly CheckId[];
  /** Measures across the run: it is given `othersSettled` and nothing waits for it but the run's end. */
  spansRun?: boolean;
  run(ctx: CheckContext): Promise<CheckData[K]>;
}

/** Thrown by a check that cannot apply here (no Azure resource configured, …): reported as skipped. */
export class CheckSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CheckSkipped';
  }
}
