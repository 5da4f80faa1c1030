// Writes one cache's record into the state Redis: per-minute counts per event and key family, the first keys of each minute
// by name, Bloom slices for every removed key, dated events and INFO samples. Held in memory between writes (every second);
// a write that fails keeps everything for the next one, within a memory bound past which key names are dropped and the
// drop is written as a gap.
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { JsonNumber } from '../domain/json-number.ts';
import { describeError } from '../redact.ts';
import type { RecordKind } from '../state/store.ts';
import { BitmapPool, HASHES, SLICE_CAPACITY, SliceDelta } from './bloom.ts';
import { KEY_REMOVAL_EVENTS, keyFamily, OTHER_FAMILY, type RemovalEvent } from './events.ts';
import { EXACT_PER_MINUTE, filterItem, HOUR_MS, MINUTE_MS, PAIRS_PER_MINUTE, type RecordLayout } from './layout.ts';
import type { DatedEvent, InfoSample } from './sample.ts';

export const DEFAULT_RETENTION_MS = 7 * 24 * HOUR_MS;
/** Bloom slices held in memory while the state Redis is away (32 KiB each at most) before key names are dropped. */
export const MAX_PENDING_SLICES = 256;

export interface HistoryOptions {
  retentionMs: number;
  /** This recorder, for the meta hash and scratch keys. */
  holder: string;
  now: () => number;
}

const KEY_REMOVING = new Set<RemovalEvent>(KEY_REMOVAL_EVENTS);

export class HistoryWriter {
  private counts = new Map<number, Map<string, number>>();
  private exact = new Map<number, Map<string, string>>();
  private exactSeen = new Map<number, number>();
  private slices = new Map<string, { hour: number; event: RemovalEvent; index: number; delta: SliceDelta }>();
  private sliceFill = new Map<string, { index: number; items: number }>();
  private dated: DatedEvent[] = [];
  private samples: InfoSample[] = [];
  private heldSamples = new Map<string, InfoSample>();
  private dropped: { from: number; to: number } | null = null;
  private readonly scratchPositions = new Uint32Array(HASHES);
  private readonly bitmaps = new BitmapPool();
  private firstWritten = false;
  /** Removals taken in, for the benchmark. */
  received = 0;
  lastError: string | null = null;

  constructor(
    private readonly client: Redis,
    readonly layout: RecordLayout,
    private readonly options: HistoryOptions,
  ) {}

  /** Continues the slice numbering of the current hour after another recorder (no slice is written by two). */
  async resume(): Promise<void> {
    const hour = Math.floor(this.options.now() / HOUR_MS);
    const fields = await this.client.hgetall(this.layout.sliceCounts(hour));
    for (const field of Object.keys(fields)) {
      const [event, index] = field.split(':');
      const id = `${hour}:${event}`;
      const next = Number(index) + 1;
      if ((this.sliceFill.get(id)?.index ?? -1) < next) this.sliceFill.set(id, { index: next, items: 0 });
    }
  }

  /** The hot path: one removal seen on the cache. Synchronous and allocation-light. */
  keyEvent(at: number, db: number, event: RemovalEvent, key: string): void {
    this.received += 1;
    const minute = Math.floor(at / MINUTE_MS);
    let counts = this.counts.get(minute);
    if (!counts) {
      counts = new Map();
      this.counts.set(minute, counts);
    }
    let field = `${event}|${keyFamily(key)}`;
    if (!counts.has(field) && counts.size >= PAIRS_PER_MINUTE) field = `${event}|${OTHER_FAMILY}`;
    counts.set(field, (counts.get(field) ?? 0) + 1);
    if (!KEY_REMOVING.has(event)) return;

    const seen = this.exactSeen.get(minute) ?? 0;
    if (seen < EXACT_PER_MINUTE) {
      this.exactSeen.set(minute, seen + 1);
      let names = this.exact.get(minute);
      if (!names) {
        names = new Map();
        this.exact.set(minute, names);
      }
      names.set(key, `${event}|${db}|${at}`);
    }

    const hour = Math.floor(at / HOUR_MS);
    const fillId = `${hour}:${event}`;
    let fill = this.sliceFill.get(fillId);
    if (!fill) {
      fill = { index: 0, items: 0 };
      this.sliceFill.set(fillId, fill);
    }
    if (fill.items >= SLICE_CAPACITY) {
      fill.index += 1;
      fill.items = 0;
    }
    fill.items += 1;
    const sliceId = `${fillId}:${fill.index}`;
    let slice = this.slices.get(sliceId);
    if (!slice) {
      if (this.slices.size >= MAX_PENDING_SLICES) {
        this.drop(at);
        return;
      }
      slice = { hour, event, index: fill.index, delta: new SliceDelta(this.bitmaps) };
      this.slices.set(sliceId, slice);
    }
    slice.delta.add(filterItem(db, key), this.scratchPositions);
  }

  /** Key names could not be kept (the state Redis has been away too long): the time is written as a gap once it is back. */
  private drop(at: number): void {
    this.dropped = this.dropped ? { from: this.dropped.from, to: at } : { from: at, to: at };
  }

  /** Keeps, per node and minute, the sample with the most memory used (what eviction is judged by); written once the minute is over. */
  sample(sample: InfoSample): void {
    const minute = Math.floor(sample.at / MINUTE_MS);
    const held = this.heldSamples.get(sample.address);
    if (held && Math.floor(held.at / MINUTE_MS) === minute) {
      if (fullness(sample) > fullness(held)) this.heldSamples.set(sample.address, sample);
      return;
    }
    if (held) this.samples.push(held);
    this.heldSamples.set(sample.address, sample);
  }

  datedEvent(event: DatedEvent): void {
    this.dated.push(event);
  }

  gap(from: number, to: number, why: string, address = ''): void {
    this.dated.push({ type: 'gap', at: to, from, address, summary: why });
  }

  /** Writes what is held in one transaction; on failure keeps it all and returns the reason. */
  async flush(extraMeta: Record<string, string> = {}, final = false): Promise<{ ok: true } | { ok: false; reason: string }> {
    const now = this.options.now();
    const minuteNow = Math.floor(now / MINUTE_MS);
    for (const [node, held] of this.heldSamples) {
      if (final || Math.floor(held.at / MINUTE_MS) < minuteNow) {
        this.samples.push(held);
        this.heldSamples.delete(node);
      }
    }
    // What arrives while the transaction is in flight goes to fresh maps; a failed write is merged back into them.
    const held = { counts: this.counts, exact: this.exact, slices: this.slices, dated: this.dated, samples: this.samples, dropped: this.dropped };
    this.counts = new Map();
    this.exact = new Map();
    this.slices = new Map();
    this.dated = [];
    this.samples = [];
    this.dropped = null;
    const retention = this.options.retentionMs;
    const layout = this.layout;
    const multi = this.client.multi();
    for (const [minute, fields] of held.counts) {
      const key = layout.minute(minute);
      for (const [field, count] of fields) multi.hincrby(key, field, count);
      multi.pexpireat(key, minute * MINUTE_MS + retention);
    }
    for (const [minute, names] of held.exact) {
      const key = layout.exact(minute);
      multi.hset(key, Object.fromEntries(names));
      multi.pexpireat(key, minute * MINUTE_MS + retention);
    }
    const scratch = layout.scratch(this.options.holder);
    for (const slice of held.slices.values()) {
      const key = layout.slice(slice.hour, slice.event, slice.index);
      const { delta } = slice;
      if (delta.bitmap) {
        multi.set(scratch, Buffer.from(delta.bitmap.buffer, delta.bitmap.byteOffset, delta.bitmap.byteLength), 'PX', 60_000);
        multi.bitop('OR', key, key, scratch);
      } else {
        for (const bit of delta.bits) multi.setbit(key, bit, 1);
      }
      // One hour later than the minute keys: the slice covers the hour's last minute too.
      multi.pexpireat(key, (slice.hour + 1) * HOUR_MS + retention);
      const counts = layout.sliceCounts(slice.hour);
      multi.hincrby(counts, `${slice.event}:${slice.index}`, delta.added);
      multi.pexpireat(counts, (slice.hour + 1) * HOUR_MS + retention);
    }
    if (held.slices.size > 0) multi.del(scratch);
    const dated = [...held.dated];
    if (held.dropped) {
      dated.push({
        type: 'gap',
        at: held.dropped.to,
        from: held.dropped.from,
        address: '',
        summary: 'the state Redis was away too long: removed keys were counted but not kept by name',
      });
    }
    for (const event of dated) multi.zadd(layout.events, event.at, JSON.stringify(event));
    for (const sample of held.samples) multi.zadd(layout.samples, sample.at, JSON.stringify(compactSample(sample)));
    multi.zremrangebyscore(layout.events, '-inf', now - retention);
    multi.zremrangebyscore(layout.samples, '-inf', now - retention);
    multi.pexpire(layout.events, retention);
    multi.pexpire(layout.samples, retention);
    if (!this.firstWritten) multi.hsetnx(layout.meta, 'firstAt', String(now));
    multi.hset(layout.meta, { lastAt: String(now), holder: this.options.holder, retentionMs: String(retention), ...extraMeta });
    multi.hdel(layout.meta, 'stoppedAt');
    multi.pexpire(layout.meta, retention);
    try {
      const replies = await multi.exec();
      const failed = replies?.find(([error]) => error);
      if (!replies || failed) throw failed?.[0] ?? new Error('the transaction was aborted');
    } catch (error) {
      this.lastError = describeError(error);
      this.mergeBack(held);
      return { ok: false, reason: this.lastError };
    }
    this.lastError = null;
    this.firstWritten = true;
    // Written: the bitmaps go back to the pool for the next slices.
    for (const slice of held.slices.values()) slice.delta.release();
    // Minutes and hours that are over keep no state but their fill, which the next writes need.
    const minute = Math.floor(now / MINUTE_MS);
    for (const seen of this.exactSeen.keys()) if (seen < minute - 1) this.exactSeen.delete(seen);
    const hour = Math.floor(now / HOUR_MS);
    for (const id of this.sliceFill.keys()) if (Number(id.split(':')[0]) < hour - 1) this.sliceFill.delete(id);
    return { ok: true };
  }

  private mergeBack(held: {
    counts: Map<number, Map<string, number>>;
    exact: Map<number, Map<string, string>>;
    slices: Map<string, { hour: number; event: RemovalEvent; index: number; delta: SliceDelta }>;
    dated: DatedEvent[];
    samples: InfoSample[];
    dropped: { from: number; to: number } | null;
  }): void {
    for (const [minute, fields] of held.counts) {
      const current = this.counts.get(minute) ?? new Map<string, number>();
      for (const [field, count] of fields) current.set(field, (current.get(field) ?? 0) + count);
      this.counts.set(minute, current);
    }
    for (const [minute, names] of held.exact) {
      const current = this.exact.get(minute) ?? new Map<string, string>();
      for (const [name, value] of names) if (!current.has(name)) current.set(name, value);
      this.exact.set(minute, current);
    }
    for (const [id, slice] of held.slices) {
      const current = this.slices.get(id);
      if (current) {
        current.delta.merge(slice.delta);
        slice.delta.release();
      } else this.slices.set(id, slice);
    }
    this.dated = [...held.dated, ...this.dated];
    this.samples = [...held.samples, ...this.samples];
    if (held.dropped) {
      this.dropped = this.dropped ? { from: held.dropped.from, to: this.dropped.to } : held.dropped;
    }
  }

  /** Marks the record as stopped now (SIGTERM), so a reader knows the gap starts here and not at a crash. */
  async markStopped(): Promise<void> {
    await this.client.hset(this.layout.meta, { stoppedAt: String(this.options.now()) });
  }
}

/** The sample fields the reader uses, with short names (one per node per minute for a week adds up). */
export interface StoredSample {
  at: number;
  node: string;
  usedMemory: number | null;
  maxmemory: number | null;
  keys: number;
  expired: number | null;
  evicted: number | null;
  uptime: number | null;
  runId: string | null;
  role: string | null;
}

/** A sample as the reader takes it back from the state Redis: about 200 characters. */
export const STORED_SAMPLE_ENTRY: RecordKind<StoredSample> = {
  what: 'INFO sample',
  schema: z.object({
    at: JsonNumber,
    node: z.string(),
    usedMemory: z.number().nullable(),
    maxmemory: z.number().nullable(),
    keys: JsonNumber,
    expired: z.number().nullable(),
    evicted: z.number().nullable(),
    uptime: z.number().nullable(),
    runId: z.string().nullable(),
    role: z.string().nullable(),
  }),
  maxChars: 4_096,
};

/** How close to its limit a sample is; without a limit, only its bytes count (below any sample that has one). */
function fullness(sample: InfoSample): number {
  if (sample.maxmemory && sample.usedMemory !== null) return 1 + sample.usedMemory / sample.maxmemory;
  return sample.usedMemory !== null ? 1 - 1 / (1 + sample.usedMemory) : 0;
}

function compactSample(sample: InfoSample): StoredSample {
  return {
    at: sample.at,
    node: sample.address,
    usedMemory: sample.usedMemory,
    maxmemory: sample.maxmemory,
    keys: sample.keys,
    expired: sample.expiredKeys,
    evicted: sample.evictedKeys,
    uptime: sample.uptimeSeconds,
    runId: sample.runId,
    role: sample.role,
  };
}
