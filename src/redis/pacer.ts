// How hard keyloss may scan a node, decided from the node's measured load: fast when nobody else needs the server,
// backing off as soon as others do. Two levers, as a Redis operator would pull them:
//  - the server time of each SCAN (its COUNT): what a concurrent client waits behind, so what its p99 feels;
//  - the duty cycle, keyloss's share of the server's time: what the others' throughput loses.
// Both follow one pressure in [0, 1], the highest of two signals measured over ~50 ms windows from INFO:
//  - others' commands per second (INFO stats total_commands_processed, minus the commands keyloss sent the node);
//  - others' share of the server's main thread (INFO cpu, minus keyloss's own SCAN time from INFO commandstats).
// A node whose INFO carries neither is paced at a fixed middle level. The controller is pure (readings in,
// decisions out); `Pacer` takes the readings through a gateway.
import type { ScanPacingSummary } from '../domain/evidence.ts';
import { parseInfo } from './info.ts';
import { bulkBytes, type Gateway } from './gateway.ts';

/** What a scan does at one pressure: its share of the server's time and the server time of one SCAN. */
export interface PacingLevel {
  /** Target share of wall time the server spends on keyloss's SCANs (0 < duty ≤ 1). */
  duty: number;
  /** Target server time of one SCAN call, in µs: COUNT is sized to it. */
  callUs: number;
}

/** The controller's stated bounds. */
export const PACING = {
  /** Nobody else on the server: up to 75 % of its time, SCANs of up to 1 ms each. */
  idle: { duty: 0.75, callUs: 1_000 } satisfies PacingLevel,
  /** Others are busy: 5 % of its time, SCANs of about 50 µs each (COUNT near 100 on typical keys). */
  busy: { duty: 0.05, callUs: 50 } satisfies PacingLevel,
  /** INFO says nothing about load (no cpu, no stats): a fixed middle level. */
  unknown: { duty: 0.2, callUs: 300 } satisfies PacingLevel,
  /** Others' commands per second: at or below `idle`, no pressure; at or above `busy`, full pressure (log scale between). */
  opsPerSec: { idle: 100, busy: 5_000 },
  /** Others' share of the server's main thread: no pressure at or below `idle`, full at or above `busy`. */
  cpuShare: { idle: 0.1, busy: 0.5 },
  /** COUNT stays within these, whatever the measurements say. */
  count: { min: 20, max: 5_000, start: 100 },
  /** A new reading (and decision) once this much time has passed since the last one. */
  windowMs: 50,
  /** Decisions kept for the evidence and for tests. */
  decisionsKept: 200,
} as const;

/** One reading of a node's counters (INFO cpu, stats, commandstats); null where INFO does not carry the field. */
export interface LoadReading {
  /** performance.now() when the reading came back. */
  atMs: number;
  /** CPU seconds of the server's main thread (else of the whole process). */
  cpuSeconds: number | null;
  /** total_commands_processed. */
  commands: number | null;
  /** instantaneous_ops_per_sec: the server's own rate over its last ~1.6 s, read at the first reading only. */
  opsPerSec: number | null;
  /** cmdstat_scan calls and usec: the server time of SCANs, keyloss's among them. */
  scanCalls: number | null;
  scanUsec: number | null;
}

/** What keyloss itself sent the node between two readings. */
export interface OwnUse {
  /** Every command keyloss sent the node (SCANs, INFO, the readings themselves). */
  commands: number;
  /** SCAN calls, and the sum of their COUNTs. */
  scans: number;
  scanCount: number;
  /** Sum of the SCANs' round trips, ms: their server time when commandstats says nothing. */
  scanRoundTripMs: number;
}

export interface PacingDecision {
  /** ms since the pacer's first reading. */
  atMs: number;
  /** Others' commands per second over the window (or the server's own rate at the start), null: unknown. */
  othersOpsPerSec: number | null;
  /** Others' share of the main thread over the window, null: unknown. */
  othersCpu: number | null;
  /** keyloss's SCANs' share of the server's time over the window, null: no SCAN in it. */
  ownShare: number | null;
  /** 0: idle, 1: busy, null: load unknown. */
  pressure: number | null;
  duty: number;
  count: number;
  /** Measured server time per unit of COUNT, µs (null: not yet measured). */
  usPerCount: number | null;
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/** 0 at or below `idle`, 1 at or above `busy`, linear in log(value) between. */
function logPressure(value: number, idle: number, busy: number): number {
  if (value <= idle) return 0;
  if (value >= busy) return 1;
  return Math.log(value / idle) / Math.log(busy / idle);
}

/** The level at a pressure: geometric between idle (0) and busy (1); `unknown` when the pressure is. */
export function levelAt(pressure: number | null): PacingLevel {
  if (pressure === null) return PACING.unknown;
  const p = clamp(pressure, 0, 1);
  const between = (idle: number, busy: number) => idle * (busy / idle) ** p;
  return { duty: between(PACING.idle.duty, PACING.busy.duty), callUs: between(PACING.idle.callUs, PACING.busy.callUs) };
}

/**
 * The pure controller. `first` and `observe` feed it readings; `count` and `pauseMs` are what the scan loop uses.
 * It backs off and speeds up at once: each window's decision follows that window's measurements only.
 */
export class PacingController {
  private last: LoadReading | null = null;
  private startedAt = 0;
  private level: PacingLevel = PACING.busy;
  private currentCount: number = PACING.count.start;
  private usPerCount: number | null = null;
  /** Commands keyloss counted as sent that the server had not yet run at the last reading (owed to the next window). */
  private ownInFlight = 0;
  readonly decisions: PacingDecision[] = [];

  /** The reading taken before any SCAN. The server's own recent rate sets the start; without one, start as if busy. */
  first(reading: LoadReading): PacingDecision {
    this.last = reading;
    this.startedAt = reading.atMs;
    const ops = reading.opsPerSec;
    const blind = reading.cpuSeconds === null && reading.commands === null;
    const pressure = ops !== null ? logPressure(ops, PACING.opsPerSec.idle, PACING.opsPerSec.busy) : blind ? null : 1;
    return this.decide({ atMs: 0, othersOpsPerSec: ops, othersCpu: null, ownShare: null, pressure });
  }

  /** A later reading, with what keyloss sent the node since the previous one. */
  observe(reading: LoadReading, own: OwnUse): PacingDecision {
    const previous = this.last ?? reading;
    this.last = reading;
    const seconds = (reading.atMs - previous.atMs) / 1000;
    const delta = (field: 'cpuSeconds' | 'commands' | 'scanCalls' | 'scanUsec') => {
      const now = reading[field];
      const then = previous[field];
      // A counter that went back (CONFIG RESETSTAT, a restart) says nothing about this window.
      return now === null || then === null || now < then ? null : now - then;
    };
    const scanCalls = delta('scanCalls');
    const scanUsec = delta('scanUsec');
    // keyloss's SCAN time: commandstats' SCAN usec, keyloss's share of its calls (others may SCAN too); else the round trips.
    const ownScanUs =
      scanCalls !== null && scanUsec !== null && scanCalls > 0
        ? scanUsec * Math.min(1, own.scans / scanCalls)
        : own.scans > 0 ? own.scanRoundTripMs * 1000 : null;
    if (ownScanUs !== null && own.scanCount > 0) this.usPerCount = ownScanUs / own.scanCount;
    const commands = delta('commands');
    const cpu = delta('cpuSeconds');
    const othersOpsPerSec = commands !== null && seconds > 0 ? this.othersCommands(commands, own.commands) / seconds : null;
    const othersCpu = cpu !== null && seconds > 0 ? clamp((cpu - (ownScanUs ?? 0) / 1e6) / seconds, 0, 1) : null;
    const pressures = [
      othersOpsPerSec === null ? null : logPressure(othersOpsPerSec, PACING.opsPerSec.idle, PACING.opsPerSec.busy),
      othersCpu === null ? null : logPressure(othersCpu, PACING.cpuShare.idle, PACING.cpuShare.busy),
    ].filter((value): value is number => value !== null);
    const pressure = pressures.length > 0 ? Math.max(...pressures) : null;
    const ownShare = ownScanUs !== null && seconds > 0 ? Math.min(1, ownScanUs / 1e6 / seconds) : null;
    return this.decide({ atMs: Math.round(reading.atMs - this.startedAt), othersOpsPerSec, othersCpu, ownShare, pressure });
  }

  /**
   * Others' commands in a window: the server's count less keyloss's. keyloss counts a command when it sends it, the
   * server when it runs it, so a command in flight at a reading lands in the server's next window: what keyloss
   * counted ahead is owed back then instead of passing for others' load (the checks beside a scan send bursts).
   */
  private othersCommands(serverCommands: number, ownCommands: number): number {
    const net = serverCommands - ownCommands;
    const owed = this.ownInFlight;
    // Owed for one window only: a command keyloss counted that never reached the server cannot hide load for long.
    this.ownInFlight = Math.max(0, -net);
    return Math.max(0, net - owed);
  }

  private decide(measured: Omit<PacingDecision, 'duty' | 'count' | 'usPerCount'>): PacingDecision {
    this.level = levelAt(measured.pressure);
    if (this.usPerCount !== null && this.usPerCount > 0) {
      this.currentCount = Math.round(clamp(this.level.callUs / this.usPerCount, PACING.count.min, PACING.count.max));
    } else if (measured.pressure === null) {
      this.currentCount = clamp(500, PACING.count.min, PACING.count.max);
    }
    const decision: PacingDecision = {
      ...measured,
      othersOpsPerSec: measured.othersOpsPerSec === null ? null : Math.round(measured.othersOpsPerSec),
      othersCpu: round3(measured.othersCpu),
      ownShare: round3(measured.ownShare),
      pressure: round3(measured.pressure),
      duty: round3(this.level.duty) ?? this.level.duty,
      count: this.currentCount,
      usPerCount: round3(this.usPerCount),
    };
    this.decisions.push(decision);
    if (this.decisions.length > PACING.decisionsKept) this.decisions.splice(0, this.decisions.length - PACING.decisionsKept);
    return decision;
  }

  /** COUNT for the next SCAN. */
  get count(): number {
    return this.currentCount;
  }

  /**
   * The pause after a SCAN of `count` that took `roundTripMs`, so that its server time (estimated per unit of COUNT,
   * else the round trip) is `duty` of the time from its start to the next SCAN.
   */
  pauseMs(roundTripMs: number, count: number): number {
    const serverMs = this.usPerCount !== null ? (this.usPerCount * count) / 1000 : roundTripMs;
    return Math.max(0, serverMs / this.level.duty - roundTripMs);
  }
}

function round3(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}

/** Reads the counters the controller needs, in one round trip (three pipelined INFO sections). */
export async function readLoad(gateway: Gateway): Promise<LoadReading> {
  const [cpu, stats, commandstats] = await Promise.all([gateway.info('cpu'), gateway.info('stats'), gateway.info('commandstats')]);
  const atMs = performance.now();
  const info = parseInfo(`${cpu}\n${stats}\n${commandstats}`);
  // Only numbers are kept: the texts go back to the investigation's memory budget.
  gateway.giveBack(bulkBytes(cpu) + bulkBytes(stats) + bulkBytes(commandstats));
  const fields = info.other.cpu ?? {};
  const seconds = (...names: string[]) => {
    const values = names.map((name) => fields[name]);
    return values.every((value) => typeof value === 'number') ? (values as number[]).reduce((a, b) => a + b, 0) : null;
  };
  // A Redis Enterprise proxy reports used_cpu_* as 0.00 however busy it is; a real server has spent CPU to start, so a
  // clock at zero is no reading.
  const cpuSeconds = seconds('used_cpu_sys_main_thread', 'used_cpu_user_main_thread') ?? seconds('used_cpu_sys', 'used_cpu_user');
  const scan = info.commandstats.scan;
  // No commandstats at all (the INFO just sent would be in it) means the server left the section out.
  const hasCommandstats = Object.keys(info.commandstats).length > 0;
  return {
    atMs,
    cpuSeconds: cpuSeconds === 0 ? null : cpuSeconds,
    commands: info.stats.total_commands_processed ?? null,
    opsPerSec: info.stats.instantaneous_ops_per_sec ?? null,
    scanCalls: hasCommandstats ? (scan?.calls ?? 0) : null,
    scanUsec: hasCommandstats ? (scan?.usec ?? 0) : null,
  };
}

/** What a scan loop asks of its pacing: the COUNT of the next SCAN, and, told each SCAN's round trip, the pause after it. */
export interface ScanPacing {
  count(): number;
  /** Called after each SCAN with its round trip and COUNT; returns the ms to wait before the next one. */
  after(roundTripMs: number, count: number): number;
}

/** A fixed duty cycle and COUNT, measured from each SCAN's round trip (duty 1: unpaced). */
export function fixedPacing(duty: number, count: number): ScanPacing {
  const d = clamp(duty, 0.01, 1);
  return { count: () => count, after: (roundTripMs) => (roundTripMs * (1 - d)) / d };
}

/**
 * The adaptive pacing of one node, shared by every scan keyloss runs on it (one db after another, several checks):
 * readings go through the node's db-0 gateway, so they never wait behind a SCAN on the db-walking connection.
 */
export class Pacer implements ScanPacing {
  readonly controller = new PacingController();
  private started: Promise<void> | null = null;
  private reading: Promise<void> | null = null;
  private lastReadingAt = 0;
  private own: OwnUse = { commands: 0, scans: 0, scanCount: 0, scanRoundTripMs: 0 };
  private commandsAtReading = 0;
  private failed = false;

  constructor(
    private readonly gateway: Gateway,
    /** Commands keyloss has sent this node so far (every gateway of the target to this address). */
    private readonly commandsSent: () => number,
  ) {}

  get decisions(): readonly PacingDecision[] {
    return this.controller.decisions;
  }

  /** The range of the decisions so far, for the evidence. */
  summary(address: string): ScanPacingSummary {
    const decisions = this.controller.decisions;
    const range = (values: number[]): [number, number] => [Math.min(...values), Math.max(...values)];
    const most = (values: Array<number | null>) => {
      const known = values.filter((value): value is number => value !== null);
      return known.length > 0 ? Math.max(...known) : null;
    };
    return {
      address,
      readings: decisions.length,
      duty: range(decisions.map((d) => d.duty)),
      count: range(decisions.map((d) => d.count)),
      othersOpsPerSecMax: most(decisions.map((d) => d.othersOpsPerSec)),
      othersCpuMax: most(decisions.map((d) => d.othersCpu)),
    };
  }

  /** Takes the first reading once, before the first SCAN. */
  start(): Promise<void> {
    this.started ??= this.take(true);
    return this.started;
  }

  count(): number {
    return this.controller.count;
  }

  after(roundTripMs: number, count: number): number {
    this.own.scans += 1;
    this.own.scanCount += count;
    this.own.scanRoundTripMs += roundTripMs;
    if (!this.failed && this.reading === null && performance.now() - this.lastReadingAt >= PACING.windowMs) {
      // The reading runs beside the pause; a scan never waits for it.
      this.reading = this.take(false).finally(() => {
        this.reading = null;
      });
    }
    return this.controller.pauseMs(roundTripMs, count);
  }

  private async take(first: boolean): Promise<void> {
    try {
      const reading = await readLoad(this.gateway);
      const sent = this.commandsSent();
      this.lastReadingAt = reading.atMs;
      if (first) {
        this.controller.first(reading);
      } else {
        this.controller.observe(reading, { ...this.own, commands: sent - this.commandsAtReading });
      }
      this.commandsAtReading = sent;
      this.own = { commands: 0, scans: 0, scanCount: 0, scanRoundTripMs: 0 };
    } catch {
      // INFO refused or failing: the load is unknown from now on, and the pace falls to the fixed middle level.
      this.failed = true;
      const atMs = performance.now();
      const unknown: LoadReading = { atMs, cpuSeconds: null, commands: null, opsPerSec: null, scanCalls: null, scanUsec: null };
      if (first) this.controller.first(unknown);
      else this.controller.observe(unknown, { ...this.own });
    }
  }
}
