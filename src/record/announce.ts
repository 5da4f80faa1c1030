// The recorder tells first: which recorded events are announced (a flush, a restart or failover that lost keys, a
// removal burst far above the recorded baseline), each claimed once in the state Redis before it is said, a burst kept
// as one announcement updated in place. How it is said (Slack) is the surface's: a Speaker is injected. Nothing here
// may stop recording: every failure is logged and let go.
import type { Redis } from 'ioredis';
import { describeError } from '../redact.ts';
import type { RecordLayout } from './layout.ts';
import { counterDelta, restarted, type DatedEvent, type InfoSample } from './sample.ts';

export type AnnouncedType = 'flush' | 'restart' | 'failover' | 'burst';

/** One recorded event as it is told: what, where, when, with its numbers, and what a diagnosis of it would ask. */
export interface Announcement {
  /** Names the event the same way for any recorder that saw it: the claim's key. */
  id: string;
  /** The record's name. */
  cache: string;
  channel: string;
  type: AnnouncedType;
  /** The nodes it was seen on. */
  nodes: string[];
  /** The event lies between these two times (epoch ms): the samples before and after it. */
  from: number;
  at: number;
  /** What the record says of it, one line per node or per interval (cache-supplied names inside: escape them). */
  evidence: string[];
  /** The prefill of the investigation its button starts: the key family (a glob) and since just before the event. */
  key: string;
  since: number;
  /** Bursts: removals, the peak rate and the rate it was judged against; null for the other events. */
  burst: { removals: number; peakPerMinute: number; thresholdPerMinute: number; baselinePerMinute: number | null; byKind: Record<string, number>; ended: number | null } | null;
}

/** Where an announcement was said. */
export interface Said {
  channel: string;
  ts: string;
}

/** The surface that says announcements (Slack): a new message, or an edit of one said before. Both throw on failure. */
export interface Speaker {
  post(announcement: Announcement): Promise<Said>;
  update(said: Said, announcement: Announcement): Promise<void>;
}

/** A cache's settings for announcements: its channel (null: nowhere to say it), the key a diagnosis looks for, and the burst rule. */
export interface AnnounceSettings {
  channel: string | null;
  key: string;
  burst: BurstRule;
}

/** A burst: removals per minute at least `perMinute` and at least `overBaseline` times the recorded baseline. */
export interface BurstRule {
  perMinute: number;
  overBaseline: number;
}

export interface AnnouncerOptions {
  holder: string;
  retentionMs: number;
  now: () => number;
  log: (line: string) => void;
  /** A post Slack refused is tried again this many times under the same claim, waiting retryMs, doubled each time. */
  retries: number;
  retryMs: number;
  /** A burst's message is edited at most this often. */
  updateEveryMs: number;
  /** A burst ends after this long without an interval over the threshold. */
  burstQuietMs: number;
}

export const DEFAULT_ANNOUNCER_OPTIONS: Pick<AnnouncerOptions, 'retries' | 'retryMs' | 'updateEveryMs' | 'burstQuietMs'> = {
  retries: 5,
  retryMs: 1_000,
  updateEveryMs: 10_000,
  burstQuietMs: 60_000,
};

/** How far back of an event a diagnosis starts looking ("since just before the event"). */
export const SINCE_BEFORE_MS = 60_000;
/** The baseline follows quiet intervals with this time constant. */
const BASELINE_MS = 10 * 60_000;

interface NodeRate {
  baseline: number | null;
  /** Key events seen on the node since its last sample. */
  keyEvents: number;
}

interface OpenBurst {
  announcement: Announcement;
  said: Said | null;
  lastOverAt: number;
  lastUpdateAt: number;
  dirty: boolean;
  pending: Promise<void>;
}

const time = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** One cache's announcer, owned by the recording that holds the cache's lease. */
export class Announcer {
  private readonly rates = new Map<string, NodeRate>();
  private burst: OpenBurst | null = null;
  private readonly quietTimer: NodeJS.Timeout;
  private stopped = false;
  private readonly work = new Set<Promise<void>>();

  constructor(
    private readonly state: Redis,
    private readonly layout: RecordLayout,
    private readonly settings: AnnounceSettings,
    private readonly speaker: Speaker,
    private readonly options: AnnouncerOptions,
  ) {
    this.quietTimer = setInterval(() => this.closeQuietBurst(), Math.max(50, Math.min(5_000, Math.floor(options.burstQuietMs / 4))));
    this.quietTimer.unref();
  }

  /** The hot path: one key event on `node` (counted for the burst rate, nothing else). */
  keyEvent(node: string): void {
    const rate = this.rates.get(node);
    if (rate) rate.keyEvents += 1;
    else this.rates.set(node, { baseline: null, keyEvents: 1 });
  }

  /** A recorded dated event: a flush, or a restart or failover that lost keys, is announced. */
  dated(event: DatedEvent): void {
    const data = event.data ?? {};
    const before = Number(data.keysBefore);
    const after = Number(data.keysAfter);
    const lost = Number.isFinite(before) && Number.isFinite(after) && after < before;
    let id: string;
    if (event.type === 'flush') id = `flush:${event.address}:${data.runId ?? ''}:${data.flushes ?? event.at}`;
    else if (event.type === 'restart' && lost) id = `restart:${event.address}:${data.runId ?? event.at}`;
    else if (event.type === 'failover' && lost) id = `failover:${event.address}:${event.at}`;
    else return;
    const from = event.from ?? event.at;
    const between = `between ${time(from)} and ${time(event.at)} UTC`;
    this.say({
      id,
      cache: this.layout.cache,
      channel: this.settings.channel ?? '',
      type: event.type,
      nodes: [event.address],
      from,
      at: event.at,
      evidence: [`${event.summary}, ${between}`],
      key: this.settings.key,
      since: from - SINCE_BEFORE_MS,
      burst: null,
    });
  }

  /** One INFO sample of a node after another: its removals per minute against its baseline. */
  sample(next: InfoSample, previous: InfoSample | null): void {
    const rate = this.rates.get(next.address) ?? { baseline: null, keyEvents: 0 };
    this.rates.set(next.address, rate);
    const keyEvents = rate.keyEvents;
    rate.keyEvents = 0;
    if (!previous) return;
    const ms = next.at - previous.at;
    if (ms <= 0) return;
    const reset = restarted(previous, next);
    const calls = (name: 'del' | 'unlink' | 'getdel') => counterDelta(previous.calls[name], next.calls[name], reset);
    const byKind = {
      deleted: calls('del') + calls('unlink') + calls('getdel'),
      expired: counterDelta(previous.expiredKeys, next.expiredKeys, reset),
      evicted: counterDelta(previous.evictedKeys, next.evictedKeys, reset),
    };
    // Key events count keys (a DEL of 50 keys is 50); INFO counts DEL calls and expired/evicted keys: the larger is taken.
    const removals = Math.max(keyEvents, byKind.deleted + byKind.expired + byKind.evicted);
    const perMinute = (removals * 60_000) / ms;
    const { perMinute: floor, overBaseline } = this.settings.burst;
    const threshold = Math.max(floor, rate.baseline === null ? 0 : overBaseline * rate.baseline);
    if (perMinute >= threshold && removals > 0) {
      this.burstInterval(next.address, previous.at, next.at, removals, perMinute, threshold, rate.baseline, byKind);
      return;
    }
    // Only quiet intervals teach the baseline, so a long burst does not raise its own bar.
    const weight = Math.min(1, ms / BASELINE_MS);
    rate.baseline = rate.baseline === null ? perMinute : rate.baseline + (perMinute - rate.baseline) * weight;
  }

  private burstInterval(node: string, from: number, at: number, removals: number, perMinute: number, threshold: number, baseline: number | null, byKind: Record<string, number>): void {
    const now = this.options.now();
    const line = `${removals.toLocaleString('en-US')} removals on ${node} between ${time(from)} and ${time(at)} UTC (${Math.round(perMinute).toLocaleString('en-US')} a minute)`;
    const open = this.burst;
    if (open?.announcement.burst && open.announcement.burst.ended === null) {
      const a = open.announcement;
      const b = a.burst!;
      b.removals += removals;
      b.peakPerMinute = Math.max(b.peakPerMinute, perMinute);
      for (const [kind, count] of Object.entries(byKind)) b.byKind[kind] = (b.byKind[kind] ?? 0) + count;
      a.at = Math.max(a.at, at);
      if (!a.nodes.includes(node)) a.nodes.push(node);
      // The evidence keeps its first lines and the latest: a long burst stays one readable message.
      a.evidence = a.evidence.length < 6 ? [...a.evidence, line] : [...a.evidence.slice(0, 4), line];
      open.lastOverAt = now;
      open.dirty = true;
      this.maybeUpdate(open);
      return;
    }
    const announcement: Announcement = {
      id: `burst:${this.layout.cache}:${Math.floor(from / 60_000)}`,
      cache: this.layout.cache,
      channel: this.settings.channel ?? '',
      type: 'burst',
      nodes: [node],
      from,
      at,
      evidence: [line],
      key: this.settings.key,
      since: from - SINCE_BEFORE_MS,
      burst: { removals, peakPerMinute: perMinute, thresholdPerMinute: threshold, baselinePerMinute: baseline, byKind: { ...byKind }, ended: null },
    };
    const burst: OpenBurst = { announcement, said: null, lastOverAt: now, lastUpdateAt: now, dirty: false, pending: Promise.resolve() };
    this.burst = burst;
    burst.pending = this.track(
      this.familyOf(from, at).then(async (family) => {
        if (family) announcement.key = family;
        burst.said = await this.claimAndPost(announcement);
        burst.lastUpdateAt = this.options.now();
      }),
    );
  }

  /** An edit of the burst's message, at most every updateEveryMs; the last state is always written when the burst ends. */
  private maybeUpdate(open: OpenBurst, force = false): void {
    if (!open.dirty) return;
    const now = this.options.now();
    if (!force && now - open.lastUpdateAt < this.options.updateEveryMs) return;
    open.dirty = false;
    open.lastUpdateAt = now;
    open.pending = this.track(
      open.pending.then(async () => {
        if (!open.said) return;
        try {
          await this.speaker.update(open.said, open.announcement);
        } catch (error) {
          this.options.log(`${this.layout.cache}: could not update the burst's message (${describeError(error)}); recording goes on`);
        }
      }),
    );
  }

  private closeQuietBurst(): void {
    const open = this.burst;
    if (!open) return;
    const now = this.options.now();
    if (now - open.lastOverAt < this.options.burstQuietMs) {
      this.maybeUpdate(open);
      return;
    }
    open.announcement.burst!.ended = open.announcement.at;
    open.dirty = true;
    this.maybeUpdate(open, true);
    this.burst = null;
  }

  /** The family most removed in the burst's minutes, as a glob (`session:*`), from the record's own counts. */
  private async familyOf(from: number, at: number): Promise<string | null> {
    try {
      const counts = new Map<string, number>();
      for (let minute = Math.floor(from / 60_000); minute <= Math.floor(at / 60_000); minute++) {
        for (const [field, value] of Object.entries(await this.state.hgetall(this.layout.minute(minute)))) {
          const family = field.slice(field.indexOf('|') + 1);
          counts.set(family, (counts.get(family) ?? 0) + Number(value));
        }
      }
      const top = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
      return top?.endsWith(':') ? `${top}*` : null;
    } catch {
      return null;
    }
  }

  private say(announcement: Announcement): void {
    this.track(this.claimAndPost(announcement).then(() => undefined));
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.catch((error: unknown) => this.options.log(`${this.layout.cache}: announcing failed (${describeError(error)}); recording goes on`));
    this.work.add(tracked);
    void tracked.finally(() => this.work.delete(tracked));
    return tracked;
  }

  /**
   * Claims the event in the state Redis (one recorder says it, whatever else saw it), then posts it; a post that fails
   * is tried again under the same claim, and given back after the last try so that another recorder may say it.
   */
  private async claimAndPost(announcement: Announcement): Promise<Said | null> {
    if (!this.settings.channel) return null;
    const key = this.layout.said(announcement.id);
    const claimed = await this.state.set(key, `claimed by ${this.options.holder}`, 'PX', this.options.retentionMs, 'NX');
    if (claimed !== 'OK') return null;
    let wait = this.options.retryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const said = await this.speaker.post(announcement);
        const entry = JSON.stringify({ id: announcement.id, type: announcement.type, from: announcement.from, at: announcement.at, ...said });
        await this.state.set(key, entry, 'PX', this.options.retentionMs);
        await this.state.zadd(this.layout.saidList, announcement.from, entry);
        await this.state.pexpire(this.layout.saidList, this.options.retentionMs);
        this.options.log(`${this.layout.cache}: announced the ${announcement.type} in ${said.channel}`);
        return said;
      } catch (error) {
        if (this.stopped || attempt >= this.options.retries) {
          this.options.log(`${this.layout.cache}: could not announce the ${announcement.type} (${describeError(error)}); the claim is given back`);
          await this.state.del(key).catch(() => undefined);
          return null;
        }
        this.options.log(`${this.layout.cache}: announcing the ${announcement.type} failed (${describeError(error)}); trying again in ${Math.round(wait / 1000)} s under the same claim`);
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait *= 2;
      }
    }
  }

  /** Ends an open burst (its last state is said) and waits, bounded, for what is being said. */
  async stop(boundMs = 2_000): Promise<void> {
    clearInterval(this.quietTimer);
    if (this.burst) {
      this.burst.announcement.burst!.ended = this.burst.announcement.at;
      this.burst.dirty = true;
      this.maybeUpdate(this.burst, true);
      this.burst = null;
    }
    this.stopped = true;
    await Promise.race([Promise.all(this.work), new Promise((resolve) => setTimeout(resolve, boundMs).unref())]);
  }
}

/** A said event whose time lies in [from, to], the latest; null when none (or the state Redis cannot be asked). */
export async function saidBetween(state: Redis, layout: RecordLayout, from: number, to: number): Promise<(Said & { id: string; type: AnnouncedType }) | null> {
  try {
    const entries = await state.zrevrangebyscore(layout.saidList, to, from, 'LIMIT', 0, 1);
    const parsed = entries[0] ? (JSON.parse(entries[0]) as Record<string, unknown>) : null;
    if (!parsed || typeof parsed.channel !== 'string' || typeof parsed.ts !== 'string' || typeof parsed.id !== 'string') return null;
    return { channel: parsed.channel, ts: parsed.ts, id: parsed.id, type: parsed.type as AnnouncedType };
  } catch {
    return null;
  }
}
