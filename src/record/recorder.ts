// `keyloss record` as a long-running service: for each cache it can lease, capture removals into the cache's record;
// reconnects on its own with backoff (a cache or the state Redis away is a gap, never a crash); stops gracefully.
import type { StateClient } from '../state/redis.ts';
import type { AzureContext } from '../azure/types.ts';
import { describeError } from '../redact.ts';
import { describeEndpoint, type RedisEndpoint } from '../redis/url.ts';
import { Announcer, DEFAULT_ANNOUNCER_OPTIONS, type AnnounceSettings, type Speaker } from './announce.ts';
import { describeClient, startCapture, type Capture, type CaptureOptions, type UnnamedRemovers } from './capture.ts';
import { DEFAULT_RETENTION_MS, HistoryWriter } from './history.ts';
import { DEFAULT_PROOF_BYTES_PER_DAY } from './proof.ts';
import { RecordLayout } from './layout.ts';
import { rememberAddresses } from './identity.ts';
import { Lease } from './lease.ts';
import { readMeta } from './meta.ts';
import type { DatedEvent } from './sample.ts';

export interface RecordTarget {
  /** The record's name: the cache's name in the caches file (also for a URL the caches file names), or host:port. */
  id: string;
  endpoint: RedisEndpoint;
  azure: AzureContext | null;
  /** Hosts the caches file trusts for this cache's cluster nodes (`cluster.hosts`), besides its own host. */
  clusterHosts?: readonly string[];
  /** Where and how its recorded events are announced (with a Speaker); absent: they are only recorded. */
  announce?: AnnounceSettings;
}

export interface RecorderOptions {
  prefix: string;
  holder: string;
  retentionMs: number;
  /** How often what is held is written to the state Redis. */
  flushMs: number;
  /** A lease lapses this long after its last renewal; renewed every third of it. */
  leaseMs: number;
  /** Bytes of per-key proof (Bloom slices) a cache's record may take a UTC day (src/record/proof.ts). */
  proofBytesPerDay: number;
  /** INFO sampling interval per node. */
  sampleMs: number;
  backoff: { minMs: number; maxMs: number };
  now: () => number;
  log: (line: string) => void;
  capture?: Partial<CaptureOptions>;
  /** Says recorded events (Slack), for the targets that have `announce` settings; absent: nothing is said. */
  speaker?: Speaker | null;
  announcer?: Partial<typeof DEFAULT_ANNOUNCER_OPTIONS>;
}

export const DEFAULT_RECORDER_OPTIONS: Omit<RecorderOptions, 'prefix' | 'holder' | 'log'> = {
  retentionMs: DEFAULT_RETENTION_MS,
  flushMs: 1_000,
  leaseMs: 15_000,
  proofBytesPerDay: DEFAULT_PROOF_BYTES_PER_DAY,
  sampleMs: 5_000,
  backoff: { minMs: 500, maxMs: 30_000 },
  now: Date.now,
};

interface Recording {
  target: RecordTarget;
  writer: HistoryWriter;
  lease: Lease;
  capture: Capture | null;
  /** Set while the cache cannot be reached at all: since when and why. */
  away: { from: number; why: string } | null;
  /** Nodes that are away now, with since when. */
  nodesAway: Map<string, { from: number; why: string }>;
  flushTimer: NodeJS.Timeout;
  retryTimer: NodeJS.Timeout | null;
  backoffMs: number;
  stateDown: string | null;
  /** What the state Redis last refused of a write, logged once until it changes. */
  refused: string | null;
  stopping: boolean;
  unnamed: UnnamedNotes;
  announcer: Announcer | null;
}

export class Recorder {
  private readonly recordings = new Map<string, Recording>();
  /** The last reason a cache's lease could not be asked for, so it is logged once. */
  private readonly leaseError = new Map<string, string>();
  private leaseTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private ticking: Promise<void> | null = null;

  constructor(
    private readonly state: StateClient,
    private readonly targets: RecordTarget[],
    private readonly options: RecorderOptions,
  ) {}

  /** The caches this process records now. */
  get recording(): string[] {
    return [...this.recordings.keys()];
  }

  /** Removals taken in by every recording of this process (for the benchmark). */
  get received(): number {
    let sum = 0;
    for (const recording of this.recordings.values()) sum += recording.writer.received;
    return sum;
  }

  async start(): Promise<void> {
    await this.tick();
    this.leaseTimer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.options.leaseMs / 3)));
  }

  /** Takes free leases, renews held ones, and stops recording a cache whose lease another recorder took. */
  private tick(): Promise<void> {
    this.ticking ??= this.leaseRound().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async leaseRound(): Promise<void> {
    for (const target of this.targets) {
      if (this.stopped) return;
      const held = this.recordings.get(target.id);
      const lease = held?.lease ?? new Lease(this.state, new RecordLayout(this.options.prefix, target.id).lease, this.options.holder, this.options.leaseMs);
      try {
        // Renewed when ours; a lease that lapsed while the state Redis was away (or was lost with it) is taken again
        // when still free.
        const state = await lease.acquire();
        if (state.anomaly) this.options.log(`${target.id}: ${state.anomaly}`);
        this.leaseError.delete(target.id);
        if (held && !state.held) {
          const other = await lease.holderNow().catch(() => null);
          this.options.log(`${target.id}: the lease went to ${other === null ? 'another recorder' : JSON.stringify(other)}; this process stops recording it`);
          await this.stopRecording(held, false);
        } else if (!held && state.held) {
          await this.startRecording(target, lease);
        }
      } catch (error) {
        // The state Redis is away (or refused): keep recording what we hold (the writer holds it), take nothing new;
        // said once until the lease can be asked again.
        const why = describeError(error);
        if (this.leaseError.get(target.id) !== why) this.options.log(`${target.id}: cannot ask the state Redis for the lease (${why}); recording what is held, taking nothing new`);
        this.leaseError.set(target.id, why);
      }
    }
  }

  private async startRecording(target: RecordTarget, lease: Lease): Promise<void> {
    const now = this.options.now();
    const layout = new RecordLayout(this.options.prefix, target.id);
    const writer = new HistoryWriter(this.state, layout, { retentionMs: this.options.retentionMs, holder: this.options.holder, now: this.options.now, proofBytesPerDay: this.options.proofBytesPerDay });
    const read = await readMeta(this.state, layout);
    if (!read.ok) {
      // No recorder wrote it: removed (the writes that follow put the fields back), and said once here.
      await this.state.unlink(layout.meta);
      this.options.log(`${target.id}: the record's meta ${layout.meta} ${read.why}: removed`);
    }
    const meta = read.ok ? read.meta : {};
    const lastAt = Number(meta.lastAt);
    if (Number.isFinite(lastAt) && now - lastAt > 3 * this.options.flushMs) {
      writer.gap(lastAt, now, meta.stoppedAt ? 'the recorder was stopped' : 'no recorder was running (the last one stopped without a goodbye)');
    }
    await writer.resume();
    await rememberAddresses(this.state, layout, [describeEndpoint(target.endpoint)], this.options.retentionMs);
    const recording: Recording = {
      target,
      writer,
      lease,
      capture: null,
      away: null,
      nodesAway: new Map(),
      flushTimer: setInterval(() => void this.flush(recording), this.options.flushMs),
      retryTimer: null,
      backoffMs: this.options.backoff.minMs,
      stateDown: null,
      refused: null,
      stopping: false,
      unnamed: new UnnamedNotes(),
      announcer: this.announcerFor(target, layout),
    };
    this.recordings.set(target.id, recording);
    this.options.log(`${target.id}: recording ${describeEndpoint(target.endpoint)} (lease held by ${this.options.holder})`);
    await this.connect(recording);
  }

  private announcerFor(target: RecordTarget, layout: RecordLayout): Announcer | null {
    const speaker = this.options.speaker;
    if (!speaker || !target.announce?.channel) return null;
    const { holder, retentionMs, now, log } = this.options;
    return new Announcer(this.state, layout, target.announce, speaker, { ...DEFAULT_ANNOUNCER_OPTIONS, ...this.options.announcer, holder, retentionMs, now, log });
  }

  private async connect(recording: Recording): Promise<void> {
    if (recording.stopping) return;
    const { writer, target, announcer } = recording;
    const started = await startCapture(
      target.endpoint,
      {
        keyEvent: announcer
          ? (at, node, db, event, key) => {
              writer.keyEvent(at, db, event, key);
              announcer.keyEvent(node);
            }
          : (at, _node, db, event, key) => writer.keyEvent(at, db, event, key),
        sample: (sample, previous) => {
          writer.sample(sample);
          announcer?.sample(sample, previous);
        },
        dated: (event) => {
          writer.datedEvent(event);
          // Said once recorded: the record a Diagnose click reads holds what the message says.
          if (announcer) writer.whenWritten(() => announcer.dated(event));
        },
        clients: (clients) => {
          for (const client of clients) {
            writer.datedEvent({
              type: 'clients',
              at: client.at,
              address: client.node,
              summary: `${describeClient(client)} last sent ${client.cmd.toUpperCase()} on db ${client.db}`,
              data: { name: client.name, addr: client.addr, cmd: client.cmd, db: client.db, user: client.user, libName: client.libName },
            });
          }
        },
        unnamed: (note) => recording.unnamed.add(note, (event) => writer.datedEvent(event)),
        gap: (gap) => {
          if (gap.to === null) {
            recording.nodesAway.set(gap.node, { from: gap.from, why: gap.why });
            this.options.log(`${target.id}: ${gap.node} is away (${gap.why}); reconnecting with backoff`);
          } else {
            recording.nodesAway.delete(gap.node);
            writer.gap(gap.from, gap.to, `${gap.node} could not be recorded: ${gap.why}`, gap.node);
            this.options.log(`${target.id}: ${gap.node} is back; the ${Math.round((gap.to - gap.from) / 1000)} s away are a gap in the record`);
          }
        },
        notifications: (node, state) => {
          writer.datedEvent({
            type: 'notifications',
            at: this.options.now(),
            address: node,
            summary:
              state.enabled === false
                ? `keyspace notifications are off on ${node} (notify-keyspace-events "${state.flags ?? ''}"): single keys are not recorded there`
                : `keyspace notifications are ${state.enabled ? 'on' : 'unknown'} on ${node}${state.flags !== null ? ` ("${state.flags}", from ${state.source})` : ` (${state.source})`}`,
            data: { enabled: state.enabled === null ? 'unknown' : String(state.enabled), flags: state.flags, source: state.source },
          });
          if (state.enabled === false) this.options.log(`${target.id}: keyspace notifications are off on ${node}; recording counters and dated events only`);
        },
      },
      { sampleIntervalMs: this.options.sampleMs, backoff: this.options.backoff, now: this.options.now, azure: target.azure, clusterHosts: target.clusterHosts ?? [], ...this.options.capture },
    );
    if (recording.stopping) {
      if (started.ok) await started.capture.stop();
      return;
    }
    if (started.ok) {
      recording.capture = started.capture;
      // A cluster's primaries are addresses of this cache too: a diagnosis of any of them finds the record.
      void rememberAddresses(this.state, writer.layout, started.capture.addresses, this.options.retentionMs).catch(() => undefined);
      recording.backoffMs = this.options.backoff.minMs;
      if (recording.away) {
        writer.gap(recording.away.from, this.options.now(), `the cache could not be recorded: ${recording.away.why}`);
        this.options.log(`${target.id}: reachable again`);
        recording.away = null;
      }
      return;
    }
    if (!recording.away) {
      recording.away = { from: this.options.now(), why: started.reason };
      this.options.log(`${target.id}: ${started.endpoint} cannot be reached (${started.reason}); retrying with backoff`);
    }
    recording.retryTimer = setTimeout(() => {
      recording.retryTimer = null;
      void this.connect(recording);
    }, recording.backoffMs);
    recording.backoffMs = Math.min(recording.backoffMs * 2, this.options.backoff.maxMs);
  }

  private async flush(recording: Recording, final = false): Promise<boolean> {
    const nodes = recording.capture?.addresses ?? [];
    // The newest INFO sample of any node, for `record status` (the samples themselves are written once their minute is over).
    const latest = (recording.capture?.samples() ?? []).reduce<{ at: number; address: string } | null>((best, s) => (best === null || s.at > best.at ? s : best), null);
    const sampled: Record<string, string> = latest ? { lastSampleAt: String(latest.at), lastSampleNode: latest.address } : {};
    const result = await recording.writer.flush({ nodes: JSON.stringify(nodes), flushMs: String(this.options.flushMs), ...sampled }, final);
    if (!result.ok) {
      if (recording.stateDown === null) {
        recording.stateDown = result.reason;
        this.options.log(`${recording.target.id}: cannot write to the state Redis (${result.reason}); holding what is seen in memory`);
      }
      return false;
    }
    if (recording.stateDown !== null) {
      recording.stateDown = null;
      this.options.log(`${recording.target.id}: the state Redis is back; what was held is written`);
    }
    if ((result.refused ?? null) !== recording.refused) {
      recording.refused = result.refused ?? null;
      if (result.refused) this.options.log(`${recording.target.id}: the state Redis refused part of a write: ${result.refused}`);
    }
    return true;
  }

  private async stopRecording(recording: Recording, release: boolean): Promise<void> {
    recording.stopping = true;
    clearInterval(recording.flushTimer);
    if (recording.retryTimer) clearTimeout(recording.retryTimer);
    this.recordings.delete(recording.target.id);
    await recording.capture?.stop();
    recording.unnamed.flush((event) => recording.writer.datedEvent(event));
    await recording.announcer?.stop();
    const now = this.options.now();
    for (const [node, away] of recording.nodesAway) recording.writer.gap(away.from, now, `${node} could not be recorded: ${away.why}`, node);
    if (recording.away) recording.writer.gap(recording.away.from, now, `the cache could not be recorded: ${recording.away.why}`);
    if (!release) return;
    const flushed = await this.flush(recording, true);
    try {
      if (flushed) await recording.writer.markStopped();
      await recording.lease.release();
    } catch (error) {
      this.options.log(`${recording.target.id}: could not release the lease (${describeError(error)}); it lapses in ${Math.round(this.options.leaseMs / 1000)} s`);
    }
  }

  /** Stops capturing, writes what is held, marks each record stopped and releases the leases. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    await this.ticking?.catch(() => undefined);
    await Promise.all([...this.recordings.values()].map((recording) => this.stopRecording(recording, true)));
  }
}

/** Unnamed removers are noted at most once a minute per node; the calls between notes are added into the next one. */
const UNNAMED_EVERY_MS = 60_000;

const UNNAMED_WHY: Record<UnnamedRemovers['why'], string> = {
  left: "no connected client's last command removed keys when CLIENT LIST was read: the senders left (or sent other commands) between two samples; only MONITOR could name them, and keyloss never runs it",
  crowded: 'CLIENT LIST was not read',
  refused: 'CLIENT LIST was refused',
};

/** The notes of removing commands whose senders could not be named, held per node so that a flood of them stays one a minute. */
export class UnnamedNotes {
  private readonly held = new Map<string, { note: UnnamedRemovers; lastAt: number }>();

  add(note: UnnamedRemovers, write: (event: DatedEvent) => void): void {
    const entry = this.held.get(note.node);
    if (!entry) {
      write(unnamedEvent(note));
      this.held.set(note.node, { note: { ...note, calls: 0 }, lastAt: note.to });
      return;
    }
    const merged = entry.note.calls === 0 ? note : { ...note, from: entry.note.from, calls: entry.note.calls + note.calls };
    if (note.to - entry.lastAt < UNNAMED_EVERY_MS) {
      entry.note = merged;
      return;
    }
    write(unnamedEvent(merged));
    this.held.set(note.node, { note: { ...note, calls: 0 }, lastAt: note.to });
  }

  /** Writes what is held (the recorder stops). */
  flush(write: (event: DatedEvent) => void): void {
    for (const { note } of this.held.values()) if (note.calls > 0) write(unnamedEvent(note));
    this.held.clear();
  }
}

function unnamedEvent(note: UnnamedRemovers): DatedEvent {
  const seconds = Math.max(1, Math.round((note.to - note.from) / 1000));
  const why = note.why === 'crowded' ? `${UNNAMED_WHY.crowded} (${note.clients?.toLocaleString('en-US') ?? 'too many'} clients)` : UNNAMED_WHY[note.why];
  return {
    type: 'clients',
    at: note.to,
    from: note.from,
    address: note.node,
    summary: `${note.calls.toLocaleString('en-US')} removing calls on ${note.node} in ${seconds} s were not named: ${why}`,
    data: { unnamed: note.calls, why: note.why },
  };
}
