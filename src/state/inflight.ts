// Which replica runs an incident's checks (or a live watch in its thread), with a heartbeat, so another replica can tell
// "still running" from "lost with a crashed replica".
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { RecordKind, StateStore } from './store.ts';
import { updateState } from './store.ts';

/** What a run runs: the runbook's checks, or a "Watch live" of the cache. */
export type RunWhat = 'checks' | 'watch';

export interface InFlightRun {
  runId: string;
  /** Absent in records written before watches had runs: those are checks. */
  what?: RunWhat;
  /** The message showing the run's progress, which whoever reports the run lost must still (a watch's; checks keep theirs in the thread). */
  progressTs?: string;
  /** The replica running the checks (KEYLOSS_REPLICA_ID, else host:pid). */
  replica: string;
  startedAt: string;
  /** Renewed every heartbeat interval while the checks run. */
  heartbeatAt: string;
  /** Set when the run ended on its replica; a crash leaves it null. */
  endedAt: string | null;
  outcome: 'finished' | 'interrupted' | null;
  /** Why an interrupted run stopped ("replica api-1 shut down"). */
  note: string | null;
}

const isoTime = z.string().max(40).refine((text) => !Number.isNaN(Date.parse(text)), 'an ISO time');
const StoredRun: z.ZodType<InFlightRun> = z.object({
  runId: z.string().min(1).max(100),
  what: z.enum(['checks', 'watch']).optional(),
  progressTs: z.string().min(1).max(40).optional(),
  replica: z.string().max(300),
  startedAt: isoTime,
  heartbeatAt: isoTime,
  endedAt: isoTime.nullable(),
  outcome: z.enum(['finished', 'interrupted']).nullable(),
  note: z.string().max(2000).nullable(),
});
/**
 * A run record as read back (the state Redis is shared, so every record is checked before it is trusted): about 300
 * characters, a 2000-character note at most; a longer one is not one keyloss wrote.
 */
export const RUN_RECORD: RecordKind<InFlightRun> = { what: 'run', schema: StoredRun, maxChars: 16_384 };

export type RunStatus =
  | { status: 'idle'; last: InFlightRun | null }
  | { status: 'running'; run: InFlightRun; silentForMs: number }
  | { status: 'lost'; run: InFlightRun; why: string };

/** What the run runs, as a sentence names it: "the checks", "the watch". */
export function runNoun(run: Pick<InFlightRun, 'what'>): string {
  return run.what === 'watch' ? 'the watch' : 'the checks';
}

/** Pure: what a stored run record means at `now`; silent for `staleAfterMs` or more means its replica is gone. */
export function runStatus(run: InFlightRun | null, now: Date, staleAfterMs: number): RunStatus {
  if (!run || run.outcome === 'finished') return { status: 'idle', last: run };
  if (run.outcome === 'interrupted') {
    return { status: 'lost', run, why: run.note ?? `${runNoun(run)} ${run.what === 'watch' ? 'was' : 'were'} interrupted on replica ${run.replica}` };
  }
  const silentForMs = Math.max(0, now.getTime() - Date.parse(run.heartbeatAt));
  if (silentForMs >= staleAfterMs) {
    return {
      status: 'lost',
      run,
      why: `replica ${run.replica} started ${runNoun(run)} at ${run.startedAt} and has not been heard from for ${Math.round(silentForMs / 1000)} s (it probably crashed or restarted)`,
    };
  }
  return { status: 'running', run, silentForMs };
}

export interface InFlightOptions {
  replica: string;
  /** How often a running replica renews its record. Default 5000 ms. */
  heartbeatMs?: number;
  /** Silence after which a run counts as lost. Default three heartbeats. */
  staleAfterMs?: number;
  /** How long a run record is kept after its last write. Default 24 h. */
  ttlMs?: number;
  clock?: () => Date;
}

/** What a run records about what it runs; nothing for checks, as records written before watches had runs. */
export type RunSubject = Pick<InFlightRun, 'what' | 'progressTs'>;

export type BeginResult =
  | {
      ok: true;
      run: InFlightRun;
      /** Aborted (with a RunInterrupted) when another replica took the incident over or this replica shuts down. */
      signal: AbortSignal;
      /** The lost run this one replaces, and why it was lost. */
      replaces: { run: InFlightRun; why: string } | null;
    }
  | { ok: false; status: Extract<RunStatus, { status: 'running' }> };

/** Why a run's signal was aborted: another replica took over (say nothing, it reports), or this replica shuts down. */
export class RunInterrupted extends Error {
  constructor(
    message: string,
    readonly by: 'takeover' | 'shutdown',
  ) {
    super(message);
    this.name = 'RunInterrupted';
  }
}

/** "The checks are already running on replica api-1 (started 05:00:00 UTC, heard from 2 s ago)." */
export function stillRunningSentence(status: Extract<RunStatus, { status: 'running' }>): string {
  const started = status.run.startedAt.slice(11, 19);
  return `The checks are already running on replica ${status.run.replica} (started ${started} UTC, heard from ${Math.round(status.silentForMs / 1000)} s ago). The results will appear here; if they stop moving, Re-run checks starts them again.`;
}

interface LocalRun {
  run: InFlightRun;
  controller: AbortController;
  timer: NodeJS.Timeout;
  /** When the heartbeat last reached the state Redis (ms since the epoch, on this replica's clock). */
  beatAt: number;
}

const IN_FLIGHT = 'inflight:';
const FINISHED_KEPT_MS = 60_000;

function inFlightKey(incident: string): string {
  return `${IN_FLIGHT}${incident}`;
}

/** The runs of one replica: begins them atomically, beats their hearts, ends or interrupts them. */
export class InFlightRegistry {
  readonly replica: string;
  readonly heartbeatMs: number;
  readonly staleAfterMs: number;
  private readonly ttlMs: number;
  private readonly clock: () => Date;
  private readonly local = new Map<string, LocalRun>();
  /** Runs stopped because the state Redis was out of reach: left unsettled, so a sweep reports them as lost. */
  private readonly cutOff = new Set<string>();

  constructor(
    private readonly store: StateStore,
    options: InFlightOptions,
  ) {
    this.replica = options.replica;
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.staleAfterMs = options.staleAfterMs ?? this.heartbeatMs * 3;
    this.ttlMs = options.ttlMs ?? 24 * 3_600_000;
    this.clock = options.clock ?? (() => new Date());
  }

  async status(incident: string): Promise<RunStatus> {
    const stored = await this.store.get(inFlightKey(incident), RUN_RECORD);
    return runStatus(stored?.value ?? null, this.clock(), this.staleAfterMs);
  }

  /**
   * Records that this replica starts the incident's checks (or, with `subject`, a watch showing its progress in
   * `progressTs`), unless another replica is running them and alive. Compare-and-set: of two replicas beginning at
   * once (two "Re-run checks" clicks), exactly one wins.
   */
  async begin(incident: string, subject: RunSubject = {}): Promise<BeginResult> {
    const key = inFlightKey(incident);
    for (;;) {
      const stored = await this.store.get(key, RUN_RECORD);
      const now = this.clock();
      const status = runStatus(stored?.value ?? null, now, this.staleAfterMs);
      if (status.status === 'running') return { ok: false, status };
      const run: InFlightRun = {
        runId: randomUUID(),
        ...subject,
        replica: this.replica,
        startedAt: now.toISOString(),
        heartbeatAt: now.toISOString(),
        endedAt: null,
        outcome: null,
        note: null,
      };
      const written = await this.store.put(key, RUN_RECORD, run, stored?.version ?? null, this.ttlMs);
      if (!written.ok) continue;
      const controller = new AbortController();
      const timer = setInterval(() => void this.beat(incident, run.runId), this.heartbeatMs);
      // A heartbeat alone must not keep a process alive that has nothing else to do.
      timer.unref();
      this.local.set(incident, { run, controller, timer, beatAt: now.getTime() });
      return { ok: true, run, signal: controller.signal, replaces: status.status === 'lost' ? { run: status.run, why: status.why } : null };
    }
  }

  /** Marks the run finished (the report is out, or it was interrupted); a run another replica took over is left alone. */
  async end(incident: string, runId: string): Promise<void> {
    this.forget(incident, runId);
    if (this.cutOff.delete(runId)) return;
    await this.settle(incident, runId, 'finished', null);
  }

  /** Runs this replica has in flight, by incident. */
  active(): Array<{ incident: string; run: InFlightRun }> {
    return [...this.local.entries()].map(([incident, l]) => ({ incident, run: l.run }));
  }

  /**
   * Graceful shutdown: records every local run as interrupted with `note` (so any replica offers "Re-run checks"
   * at once instead of after the heartbeat goes stale), then aborts it. Runs stay active until their owner calls
   * `end`, so a shutdown can wait for the interrupted runs to say so in their threads. Returns the incidents.
   */
  async interruptAll(note: string): Promise<string[]> {
    const runs = this.active();
    for (const { incident } of runs) clearInterval(this.local.get(incident)!.timer);
    await Promise.allSettled(runs.map(({ incident, run }) => this.settle(incident, run.runId, 'interrupted', note)));
    for (const { incident } of runs) this.local.get(incident)?.controller.abort(new RunInterrupted(note, 'shutdown'));
    return runs.map((r) => r.incident);
  }

  /**
   * The runs whose replica went silent (crashed, not shut down: a shutdown reports its own runs), each handed to
   * exactly one replica: the caller says so in the incident's thread, and no other replica will.
   */
  async claimLost(): Promise<Array<{ incident: string; run: InFlightRun; why: string }>> {
    const claimed: Array<{ incident: string; run: InFlightRun; why: string }> = [];
    for (const key of await this.store.keys(IN_FLIGHT)) {
      const incident = key.slice(IN_FLIGHT.length);
      if (this.local.has(incident)) continue;
      const stored = await this.store.get(key, RUN_RECORD).catch(() => null);
      const status = runStatus(stored?.value ?? null, this.clock(), this.staleAfterMs);
      if (status.status !== 'lost' || status.run.outcome !== null) continue;
      if (!(await this.store.claim(`lost:${incident}:${status.run.runId}`, this.ttlMs))) continue;
      // Recorded as interrupted: a replica that was only cut off stops at its next heartbeat instead of posting a
      // second outcome after "did not finish", and later sweeps skip the record.
      await this.settle(incident, status.run.runId, 'interrupted', status.why).catch(() => undefined);
      claimed.push({ incident, run: status.run, why: status.why });
    }
    return claimed;
  }

  /** Resolves true once no run of this replica is active, false when `timeoutMs` passes first. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.local.size > 0) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return true;
  }

  private forget(incident: string, runId: string): void {
    const local = this.local.get(incident);
    if (!local || local.run.runId !== runId) return;
    clearInterval(local.timer);
    this.local.delete(incident);
  }

  private async settle(incident: string, runId: string, outcome: 'finished' | 'interrupted', note: string | null): Promise<void> {
    const at = this.clock().toISOString();
    // A finished run matters to no one for long; dropping it soon keeps the lost-run sweeps small.
    const keep = outcome === 'finished' ? Math.min(this.ttlMs, FINISHED_KEPT_MS) : this.ttlMs;
    await updateState(this.store, inFlightKey(incident), RUN_RECORD, keep, (run) =>
      run.runId === runId && run.outcome === null ? { ...run, endedAt: at, outcome, note } : null,
    );
  }

  private async beat(incident: string, runId: string): Promise<void> {
    const local = this.local.get(incident);
    if (!local || local.run.runId !== runId) return;
    const stop = (why: string) => {
      this.forget(incident, runId);
      local.controller.abort(new RunInterrupted(why, 'takeover'));
    };
    try {
      // A beat that was under way when its run stopped must not make the stopped run look alive again.
      const mine = (run: InFlightRun) => run.runId === runId && run.outcome === null && this.local.get(incident)?.run.runId === runId;
      const result = await updateState(this.store, inFlightKey(incident), RUN_RECORD, this.ttlMs, (run) =>
        mine(run) ? { ...run, heartbeatAt: this.clock().toISOString() } : null,
      );
      const current = result.ok ? result.value : null;
      // Another replica judged this one lost (it took over, or it said so in the thread): stop, so the incident
      // gets one outcome, not two.
      if (!current || current.runId !== runId) stop(`replica ${current?.replica ?? 'another replica'} took over these checks`);
      else if (current.outcome !== null) stop(`another replica reported these checks as lost: ${current.note ?? 'no heartbeat'}`);
      else local.beatAt = this.clock().getTime();
    } catch {
      // The state Redis is away. Briefly: the next beat tries again. As long as another replica needs to judge this
      // run lost: stop it (a lease, not a hope), and the replica that can reach the state Redis first reports it.
      const silentMs = this.clock().getTime() - local.beatAt;
      if (silentMs >= this.staleAfterMs) {
        this.cutOff.add(runId);
        stop(`replica ${this.replica} could not reach the state Redis for ${Math.round(silentMs / 1000)} s`);
      }
    }
  }
}
