// Writes one cache's record into the state Redis: per-minute counts per event and key family, the first keys of each minute
// by name, Bloom slices for every removed key, dated events and INFO samples. Held in memory between writes (every second);
// a write that fails keeps everything for the next one, within a memory bound past which key names are dropped and the
// drop is written as a gap. Each write is applied at most once, however often it is sent (FLUSH_SCRIPT).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { JsonNumber } from '../domain/json-number.ts';
import { describeError } from '../redact.ts';
import { runScript, stateScript, type StateClient } from '../state/redis.ts';
import type { RecordKind } from '../state/store.ts';
import { BitmapPool, HASHES, SLICE_BITS, SLICE_CAPACITY, SliceDelta } from './bloom.ts';
import { DEFAULT_PROOF_BYTES_PER_DAY, ProofBudget } from './proof.ts';
import { KEY_REMOVAL_EVENTS, keptName, keyFamily, OTHER_FAMILY, type RemovalEvent } from './events.ts';
import {
  CHATTY_PER_DAY,
  CHATTY_PER_MINUTE,
  CLIENT_EVENT_EVERY_MS,
  DAY_MS,
  EVENTS_PER_DAY,
  EVENTS_PER_MINUTE,
  EXACT_PER_MINUTE,
  filterItem,
  HOUR_MS,
  MINUTE_MS,
  PAIRS_PER_MINUTE,
  type RecordLayout,
} from './layout.ts';
import type { DatedEvent, InfoSample } from './sample.ts';

export const DEFAULT_RETENTION_MS = 7 * 24 * HOUR_MS;
/**
 * Bloom slices held in memory while the state Redis is away (32 KiB each at most) before key names are dropped; an
 * unconfirmed write holds as many again.
 */
export const MAX_PENDING_SLICES = 256;

/**
 * One write of a record, applied at most once per writer and sequence number: KEYS[1] is the record's `flushed` hash
 * (writer → the last sequence applied), the other keys are the record's (one hash slot). ARGV: writer, sequence, the
 * retention (ms), then each command as its name, its key's index in KEYS, its argument count and its arguments. A write
 * sent again (after a timeout, by a reconnecting or cluster client) whose sequence is already applied changes nothing.
 * A command the server refuses (a key of another type put there by hand) does not stop the others; they are counted.
 */
const FLUSH_SCRIPT = stateScript(`
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then redis.call('DEL', KEYS[1]) end
local applied = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') or 0
local sequence = tonumber(ARGV[2])
if applied >= sequence then return {0, 0, ''} end
local refused, first = 0, ''
local i = 4
while i <= #ARGV do
  local count = tonumber(ARGV[i + 2])
  local key = KEYS[tonumber(ARGV[i + 1])]
  local reply
  if ARGV[i] == 'BITOR' then
    -- BITOR <slice> <scratch key index> <bitmap>: the bitmap OR-ed into the slice through a scratch key of its slot.
    local scratch = KEYS[tonumber(ARGV[i + 3])]
    redis.call('SET', scratch, ARGV[i + 4])
    reply = redis.pcall('BITOP', 'OR', key, key, scratch)
    redis.call('DEL', scratch)
  else
    reply = redis.pcall(ARGV[i], key, unpack(ARGV, i + 3, i + 2 + count))
  end
  if type(reply) == 'table' and reply.err then
    refused = refused + 1
    if first == '' then first = ARGV[i] .. ': ' .. reply.err end
  end
  i = i + 3 + count
end
redis.call('HSET', KEYS[1], ARGV[1], sequence)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, refused, first}
`);

/** The commands of one write, flattened for FLUSH_SCRIPT; `keys` starts with the record's `flushed` hash. */
class WriteCommands {
  readonly keys: string[];
  readonly commands: Array<string | number | Buffer> = [];
  private readonly index = new Map<string, number>();

  constructor(flushed: string) {
    this.keys = [flushed];
    this.index.set(flushed, 1);
  }

  call(name: string, key: string, ...args: Array<string | number | Buffer>): void {
    this.commands.push(name, this.keyIndex(key), args.length, ...args);
  }

  /** ORs `bitmap` into the string at `key`, through the scratch key `scratch`. */
  bitor(key: string, scratch: string, bitmap: Buffer): void {
    this.commands.push('BITOR', this.keyIndex(key), 2, this.keyIndex(scratch), bitmap);
  }

  private keyIndex(key: string): number {
    let at = this.index.get(key);
    if (at === undefined) {
      this.keys.push(key);
      at = this.keys.length;
      this.index.set(key, at);
    }
    return at;
  }
}

/** A write built and perhaps sent, kept as it is until the state Redis confirms it. */
interface PendingWrite {
  sequence: number;
  keys: string[];
  commands: Array<string | number | Buffer>;
  /** Its slices' bitmaps, given back to the pool once it is confirmed. */
  deltas: SliceDelta[];
  /** Sent at least once: whether it was applied is asked before it is sent again. */
  sent: boolean;
  /** Called once the write is applied: what waited for what it holds to be in the record (whenWritten). */
  written: Array<() => void>;
}

/** `refused`: the write was applied, but the state Redis refused some of its commands (and why). */
export type FlushResult = { ok: true; refused?: string } | { ok: false; reason: string };

export interface HistoryOptions {
  retentionMs: number;
  /** Bytes of Bloom slices the record may open a UTC day before keys are hash-sampled (src/record/proof.ts). */
  proofBytesPerDay?: number;
  /** This recorder, for the meta hash and scratch keys. */
  holder: string;
  now: () => number;
}

const KEY_REMOVING = new Set<RemovalEvent>(KEY_REMOVAL_EVENTS);

export class HistoryWriter {
  private counts = new Map<number, Map<string, number>>();
  private exact = new Map<number, Map<string, string>>();
  private exactSeen = new Map<number, number>();
  private slices = new Map<string, { hour: number; event: RemovalEvent; index: number; delta: SliceDelta; fresh: boolean }>();
  private sliceFill = new Map<string, { index: number; items: number }>();
  private dated: DatedEvent[] = [];
  private readonly admission = new EventAdmission();
  private readonly proof: ProofBudget;
  private samples: InfoSample[] = [];
  private heldSamples = new Map<string, InfoSample>();
  private dropped: { from: number; to: number } | null = null;
  private readonly scratchPositions = new Uint32Array(HASHES);
  private readonly bitmaps = new BitmapPool();
  private firstWritten = false;
  /** This writer's name in the record's `flushed` hash: one per process and record, so sequences never collide. */
  private readonly writerId: string;
  private sequence = 0;
  private unconfirmed: PendingWrite | null = null;
  private writing: Promise<FlushResult> | null = null;
  /** Callbacks for what is held now: they go with the next write and run once it is applied. */
  private afterWrite: Array<() => void> = [];
  /** Removals taken in, for the benchmark. */
  received = 0;
  lastError: string | null = null;

  constructor(
    private readonly client: StateClient,
    readonly layout: RecordLayout,
    private readonly options: HistoryOptions,
  ) {
    this.writerId = `${options.holder}/${randomUUID()}`;
    this.proof = new ProofBudget(options.proofBytesPerDay ?? DEFAULT_PROOF_BYTES_PER_DAY);
  }

  /** Continues the slice numbering of the current hour after another recorder (no slice is written by two). */
  async resume(): Promise<void> {
    const now = this.options.now();
    // The caps hold across recorders: the events another one wrote this day and minute count against them.
    const [today, thisMinute] = await Promise.all([
      this.client.zcount(this.layout.events, Math.floor(now / DAY_MS) * DAY_MS, '+inf'),
      this.client.zcount(this.layout.events, Math.floor(now / MINUTE_MS) * MINUTE_MS, '+inf'),
    ]);
    this.admission.resume(now, today, thisMinute);
    const hour = Math.floor(now / HOUR_MS);
    // The slices of the day so far count against its proof budget; the current hour's are continued after.
    const dayStart = Math.floor(now / DAY_MS) * (DAY_MS / HOUR_MS);
    const pipeline = this.client.pipeline();
    for (let h = dayStart; h <= hour; h++) pipeline.hlen(this.layout.sliceCounts(h));
    const lengths = (await pipeline.exec()) ?? [];
    this.proof.resume(now, lengths.reduce((sum, [error, n]) => sum + (error ? 0 : Number(n)), 0));
    const fields = await this.client.hgetall(this.layout.sliceCounts(hour));
    for (const field of Object.keys(fields)) {
      const [event, index] = field.split(':');
      const id = `${hour}:${event}`;
      // Marked full, so that the next key opens (and pays for) the slice after it.
      if ((this.sliceFill.get(id)?.index ?? -1) < Number(index)) this.sliceFill.set(id, { index: Number(index), items: SLICE_CAPACITY });
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
      // A long name is kept as its head and hash, the value saying how long it was (src/record/events.ts).
      const kept = keptName(key);
      names.set(kept.name, kept.cut ? `${event}|${db}|${at}|${kept.cut.bytes}` : `${event}|${db}|${at}`);
    }

    // Past half the day's proof budget, only a hash sample of keys goes into the filter (src/record/proof.ts).
    if (!this.proof.keeps(at, key)) return;
    const hour = Math.floor(at / HOUR_MS);
    const fillId = `${hour}:${event}`;
    let fill = this.sliceFill.get(fillId);
    let fresh = false;
    if (!fill) {
      if (!this.proof.open(at)) return;
      fill = { index: 0, items: 0 };
      this.sliceFill.set(fillId, fill);
      fresh = true;
    } else if (fill.items >= SLICE_CAPACITY) {
      if (!this.proof.open(at)) return;
      fill.index += 1;
      fill.items = 0;
      fresh = true;
    }
    fill.items += 1;
    const sliceId = `${fillId}:${fill.index}`;
    let slice = this.slices.get(sliceId);
    if (!slice) {
      if (this.slices.size >= MAX_PENDING_SLICES) {
        this.drop(at);
        return;
      }
      slice = { hour, event, index: fill.index, delta: new SliceDelta(this.bitmaps), fresh };
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

  /** A dated event, kept within the caps (EventAdmission); the ones over them are counted into a `capped` event. */
  datedEvent(event: DatedEvent): void {
    for (const admitted of this.admission.admit(event)) this.dated.push(admitted);
  }

  /**
   * Runs `then` once everything held now is in the state Redis: what is said about an event (Slack) waits for the
   * event to be recorded, so a recorder that dies just after never leaves a said event missing from its record.
   */
  whenWritten(then: () => void): void {
    this.afterWrite.push(then);
  }

  gap(from: number, to: number, why: string, address = ''): void {
    this.datedEvent({ type: 'gap', at: to, from, address, summary: why });
  }

  /**
   * Writes what is held as one write (FLUSH_SCRIPT), one at a time: a call while a write is under way gets that write's
   * result (a `final` one waits for it, then writes what came since). A write whose answer did not come (a timeout, a
   * dropped connection, a failover) is unconfirmed: it is kept as it was sent, under its sequence number, and sent again
   * only once the state Redis says it was not applied, so no removal is ever counted twice; what arrives meanwhile is
   * held for the next write.
   */
  async flush(extraMeta: Record<string, string> = {}, final = false): Promise<FlushResult> {
    if (this.writing) {
      if (!final) return this.writing;
      await this.writing;
    }
    this.writing = this.write(extraMeta, final).finally(() => {
      this.writing = null;
    });
    return this.writing;
  }

  private async write(extraMeta: Record<string, string>, final: boolean): Promise<FlushResult> {
    if (this.unconfirmed) {
      const settled = await this.settle(this.unconfirmed);
      if (!settled.ok) return settled;
    }
    this.unconfirmed = this.nextWrite(extraMeta, final);
    return this.settle(this.unconfirmed);
  }

  /** Sends `write` (again only when the state Redis says it was not applied) and, once it is, lets it go. */
  private async settle(write: PendingWrite): Promise<FlushResult> {
    let refused: string | null;
    try {
      // Asked first, on the connection the write went out on: a state Redis that is hung answers neither, and is not
      // sent the write again and again meanwhile.
      // A `flushed` key of another type (put there by hand) is no answer: the write goes again and its script repairs it.
      const applied = write.sent ? Number(await this.client.hget(this.layout.flushed, this.writerId).catch((error: unknown) => (/WRONGTYPE/.test(describeError(error)) ? null : Promise.reject(error)))) : 0;
      if (applied >= write.sequence) refused = null;
      else {
        write.sent = true;
        const reply = (await runScript(this.client, FLUSH_SCRIPT, write.keys, [this.writerId, write.sequence, this.options.retentionMs, ...write.commands])) as [number, number, string];
        refused = Number(reply[1]) > 0 ? `${reply[1]} command${Number(reply[1]) === 1 ? ' was' : 's were'} refused (${String(reply[2]).slice(0, 300)})` : null;
      }
    } catch (error) {
      this.lastError = describeError(error);
      return { ok: false, reason: this.lastError };
    }
    this.unconfirmed = null;
    this.lastError = null;
    this.firstWritten = true;
    // Written: the bitmaps go back to the pool for the next slices, and what waited for it goes on.
    for (const delta of write.deltas) delta.release();
    for (const then of write.written) then();
    // Minutes and hours that are over keep no state but their fill, which the next writes need.
    const now = this.options.now();
    const minute = Math.floor(now / MINUTE_MS);
    for (const seen of this.exactSeen.keys()) if (seen < minute - 1) this.exactSeen.delete(seen);
    const hour = Math.floor(now / HOUR_MS);
    for (const id of this.sliceFill.keys()) if (Number(id.split(':')[0]) < hour - 1) this.sliceFill.delete(id);
    return refused === null ? { ok: true } : { ok: true, refused };
  }

  /** Everything held, as the commands of the next write; what arrives from now on is held for the one after. */
  private nextWrite(extraMeta: Record<string, string>, final: boolean): PendingWrite {
    const now = this.options.now();
    const minuteNow = Math.floor(now / MINUTE_MS);
    for (const [node, held] of this.heldSamples) {
      if (final || Math.floor(held.at / MINUTE_MS) < minuteNow) {
        this.samples.push(held);
        this.heldSamples.delete(node);
      }
    }
    for (const capped of this.admission.close(now, final)) this.dated.push(capped);
    const held = { counts: this.counts, exact: this.exact, slices: this.slices, dated: this.dated, samples: this.samples, dropped: this.dropped };
    this.counts = new Map();
    this.exact = new Map();
    this.slices = new Map();
    this.dated = [];
    this.samples = [];
    this.dropped = null;
    const retention = this.options.retentionMs;
    const layout = this.layout;
    const write = new WriteCommands(layout.flushed);
    for (const [minute, fields] of held.counts) {
      const key = layout.minute(minute);
      for (const [field, count] of fields) write.call('HINCRBY', key, field, count);
      write.call('PEXPIREAT', key, minute * MINUTE_MS + retention);
    }
    for (const [minute, names] of held.exact) {
      const key = layout.exact(minute);
      write.call('HSET', key, ...[...names].flat());
      write.call('PEXPIREAT', key, minute * MINUTE_MS + retention);
    }
    const scratch = layout.scratch(this.options.holder);
    for (const slice of held.slices.values()) {
      const key = layout.slice(slice.hour, slice.event, slice.index);
      const { delta } = slice;
      if (delta.bitmap) {
        // A view of the pooled bitmap, which stays ours until the write is confirmed.
        write.bitor(key, scratch, Buffer.from(delta.bitmap.buffer, delta.bitmap.byteOffset, delta.bitmap.byteLength));
      } else {
        // A new slice is made at its whole length at once: grown bit by bit, Redis would allocate it up to twice over.
        if (slice.fresh) write.call('SETBIT', key, SLICE_BITS - 1, 0);
        for (const bit of delta.bits) write.call('SETBIT', key, bit, 1);
      }
      // One hour later than the minute keys: the slice covers the hour's last minute too.
      write.call('PEXPIREAT', key, (slice.hour + 1) * HOUR_MS + retention);
      const counts = layout.sliceCounts(slice.hour);
      write.call('HINCRBY', counts, `${slice.event}:${slice.index}`, delta.added);
      write.call('PEXPIREAT', counts, (slice.hour + 1) * HOUR_MS + retention);
    }
    if (this.proof.pending.length > 0) {
      write.call('HSET', layout.sampling, ...this.proof.pending.flatMap((change) => [String(change.at), String(change.oneIn)]));
      this.proof.pending = [];
    }
    write.call('PEXPIRE', layout.sampling, retention);
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
    for (const event of dated) {
      const member = JSON.stringify(event);
      write.call('ZADD', layout.events, event.at, member);
      if (SPAN_TYPES.has(event.type)) write.call('ZADD', layout.spans, event.at, member);
    }
    for (const sample of held.samples) write.call('ZADD', layout.samples, sample.at, JSON.stringify(compactSample(sample)));
    write.call('ZREMRANGEBYSCORE', layout.events, '-inf', now - retention);
    write.call('ZREMRANGEBYSCORE', layout.samples, '-inf', now - retention);
    write.call('ZREMRANGEBYSCORE', layout.spans, '-inf', now - retention);
    write.call('PEXPIRE', layout.spans, retention);
    write.call('PEXPIRE', layout.events, retention);
    write.call('PEXPIRE', layout.samples, retention);
    if (!this.firstWritten) write.call('HSETNX', layout.meta, 'firstAt', now);
    write.call('HSET', layout.meta, ...Object.entries({ lastAt: String(now), holder: this.options.holder, retentionMs: String(retention), ...extraMeta }).flat());
    write.call('HDEL', layout.meta, 'stoppedAt');
    write.call('PEXPIRE', layout.meta, retention);
    this.sequence += 1;
    const written = this.afterWrite;
    this.afterWrite = [];
    return { sequence: this.sequence, keys: write.keys, commands: write.commands, deltas: [...held.slices.values()].map((slice) => slice.delta), sent: false, written };
  }

  /** Marks the record as stopped now (SIGTERM), so a reader knows the gap starts here and not at a crash. */
  async markStopped(): Promise<void> {
    await this.client.hset(this.layout.meta, { stoppedAt: String(this.options.now()) });
  }
}

/** The events a window's gaps are made of, kept in `spans` too (src/record/layout.ts). */
export const SPAN_TYPES: ReadonlySet<DatedEvent['type']> = new Set(['gap', 'notifications']);
const CHATTY_TYPES: ReadonlySet<DatedEvent['type']> = new Set(['clients', 'burst']);

/**
 * Which dated events a record keeps: the same client removing again is written once a CLIENT_EVENT_EVERY_MS, and at most
 * EVENTS_PER_MINUTE and EVENTS_PER_DAY events (of which CHATTY_PER_MINUTE and CHATTY_PER_DAY clients and bursts, so they
 * never crowd out a restart or a flush). The ones over a cap are counted by type and written as one `capped` event when
 * their minute is over. Pure, in memory; bounded by the clients seen in the last CLIENT_EVENT_EVERY_MS.
 */
export class EventAdmission {
  private minute = -1;
  private day = -1;
  private inMinute = { all: 0, chatty: 0 };
  private inDay = { all: 0, chatty: 0 };
  private over = new Map<string, number>();
  private overFrom = 0;
  private overTo = 0;
  private readonly clients = new Map<string, number>();

  /** Counts what another recorder already wrote this day and minute. */
  resume(now: number, today: number, thisMinute: number): void {
    this.roll(now);
    this.inDay = { all: today, chatty: today };
    this.inMinute = { all: thisMinute, chatty: thisMinute };
  }

  /** The events to keep for `event`: itself, or nothing; and, when a minute with events over the cap is over, their count. */
  admit(event: DatedEvent): DatedEvent[] {
    const out = this.roll(event.at);
    if (event.type === 'clients' && event.data?.unnamed === undefined) {
      const client = `${event.address} ${event.data?.addr ?? ''} ${event.data?.name ?? ''} ${event.data?.cmd ?? ''} ${event.data?.db ?? ''}`;
      const last = this.clients.get(client);
      if (last !== undefined && event.at - last < CLIENT_EVENT_EVERY_MS && event.at >= last) return out;
      this.clients.set(client, event.at);
    }
    const chatty = CHATTY_TYPES.has(event.type);
    const full =
      this.inMinute.all >= EVENTS_PER_MINUTE ||
      this.inDay.all >= EVENTS_PER_DAY ||
      (chatty && (this.inMinute.chatty >= CHATTY_PER_MINUTE || this.inDay.chatty >= CHATTY_PER_DAY));
    if (full) {
      if (this.over.size === 0) this.overFrom = event.at;
      this.overTo = Math.max(this.overTo, event.at);
      this.over.set(event.type, (this.over.get(event.type) ?? 0) + 1);
      return out;
    }
    this.inMinute.all += 1;
    this.inDay.all += 1;
    if (chatty) {
      this.inMinute.chatty += 1;
      this.inDay.chatty += 1;
    }
    out.push(event);
    return out;
  }

  /** At a write: the count of the events left out in minutes that are over (all of them when the recorder stops). */
  close(now: number, final: boolean): DatedEvent[] {
    if (final) return this.cappedEvent();
    return this.roll(now);
  }

  /** Moves to the minute (and day) of `at`, returning the `capped` event of the minute left, if any was left out. */
  private roll(at: number): DatedEvent[] {
    const minute = Math.floor(at / MINUTE_MS);
    if (minute <= this.minute) return [];
    const out = this.cappedEvent();
    this.minute = minute;
    this.inMinute = { all: 0, chatty: 0 };
    const day = Math.floor(at / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.inDay = { all: 0, chatty: 0 };
    }
    for (const [client, last] of this.clients) if (at - last >= CLIENT_EVENT_EVERY_MS) this.clients.delete(client);
    return out;
  }

  private cappedEvent(): DatedEvent[] {
    if (this.over.size === 0) return [];
    const counts = [...this.over].sort((a, b) => b[1] - a[1]);
    const total = counts.reduce((sum, [, n]) => sum + n, 0);
    const event: DatedEvent = {
      type: 'capped',
      at: this.overTo,
      from: this.overFrom,
      address: '',
      summary: `${total.toLocaleString('en-US')} dated events over the record's cap (${EVENTS_PER_MINUTE} a minute, ${EVENTS_PER_DAY.toLocaleString('en-US')} a day) were not kept: ${counts.map(([type, n]) => `${n.toLocaleString('en-US')} ${type}`).join(', ')}`,
      data: { total, ...Object.fromEntries(counts) },
    };
    this.over = new Map();
    return [event];
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
