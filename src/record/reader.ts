// Reads a cache's record for the window of a diagnosis: what it spans and its gaps, removals by the query's families,
// the exact key's removals (names of the minute first, then the Bloom slices), dated changes and memory at eviction.
import { runScript, stateScript, type StateClient } from '../state/redis.ts';
import type { RecordData, RecordedChange, RecordedEventType, RecordedKeyRemoval, RecordedRemovals, RecordGap } from '../domain/record.ts';
import { HASHES, positions, SLICE_FALSE_POSITIVE_RATE } from './bloom.ts';
import { KEY_REMOVAL_EVENTS, keptName, keyFamily, OTHER_FAMILY, patternFamilies, REMOVAL_EVENTS } from './events.ts';
import { parseRecord, type RecordKind } from '../state/store.ts';
import { STORED_SAMPLE_ENTRY, type StoredSample } from './history.ts';
import { EVENTS_PER_DAY, filterItem, HOUR_MS, MINUTE_MS, type RecordLayout } from './layout.ts';
import { readMeta } from './meta.ts';
import { sampleHash, unsampledSpans } from './proof.ts';
import { DATED_EVENT_ENTRY, type DatedEvent } from './sample.ts';

export interface RecordQuery {
  key: string;
  isPattern: boolean;
  db: number;
  from: Date;
  to: Date;
}

/** A record whose last write is older than this (and several write intervals) has no recorder running. */
const STALE_MS = 10_000;
/** A recorder writes a few changes of the sampled share a day: far more is no record of one. */
const MAX_SAMPLING_FIELDS = 10_000;
/** At most this much of a record is read for one diagnosis. */
const MAX_WINDOW_MS = 90 * 24 * HOUR_MS;
const CHANGE_TYPES = new Set(['restart', 'failover', 'flush', 'burst', 'clients']);
/** uptime_in_seconds counts whole seconds. */
const UPTIME_RESOLUTION_MS = 1_000;

const iso = (ms: number): string => new Date(ms).toISOString();

/** Null when the state Redis has no record of this cache. */
export async function readRecord(client: StateClient, layout: RecordLayout, query: RecordQuery): Promise<RecordData | null> {
  // A meta no recorder wrote is read as no record (the recorder removes it and says so).
  const read = await readMeta(client, layout);
  const meta = read.ok ? read.meta : {};
  const firstAt = Number(meta.firstAt);
  const lastAt = Number(meta.lastAt);
  if (!Number.isFinite(firstAt) || !Number.isFinite(lastAt)) return null;
  const to = query.to.getTime();
  const from = Math.max(query.from.getTime(), to - MAX_WINDOW_MS);

  // The record is untrusted input like every state record: an entry that is malformed is skipped and counted (the
  // report says how many), never thrown out of the diagnosis; the stream itself is left as the recorder keeps it.
  const unreadable = { count: 0 };
  const dated = await readDated(client, layout, from, to, unreadable);
  const gaps = gapsOf(dated, { firstAt, lastAt, stopped: meta.stoppedAt !== undefined, flushMs: Number(meta.flushMs) || 1_000 }, from, to);
  const notificationsOff = gaps.some((gap) => gap.why.includes('notifications were off'));

  // Only the query's families are taken back minute by minute; every other field is only added up, in the state Redis.
  const filter: FamilyFilter = query.isPattern ? { ...patternFamilies(query.key), also: null } : { own: keyFamily(query.key), head: null, also: OTHER_FAMILY };
  const { minutes, totals } = await readMinutes(client, layout, from, to, filter);
  const matched = new Set<string>();
  for (const { fields } of minutes) for (const field of Object.keys(fields)) matched.add(field.slice(field.indexOf('|') + 1));
  const families = query.isPattern ? [...matched] : [keyFamily(query.key)];
  const removals = removalsOf(minutes, new Set(families));
  const allRemovals = REMOVAL_EVENTS.map((event) => ({ event, count: totals.get(event) ?? 0 })).filter((entry) => entry.count > 0);

  const key = query.isPattern ? null : await findKey(client, layout, query, from, to, minutes);
  const changes = dated
    // A restart is dated from whole-second uptime, up to a second early: one dated just before the window may be in it.
    .filter((event) => CHANGE_TYPES.has(event.type) && event.at >= from - (event.type === 'restart' ? UPTIME_RESOLUTION_MS : 0) && event.at <= to)
    .map(
      (event): RecordedChange => ({
        type: event.type as RecordedChange['type'],
        at: iso(event.at),
        from: event.from !== undefined ? iso(event.from) : null,
        node: event.address,
        summary: event.summary,
        data: event.data ?? {},
      }),
    );

  const firstEviction = key?.removals.find((removal) => removal.event === 'evicted')?.at ?? removals.find((r) => r.event === 'evicted')?.peakAt ?? null;
  const memoryAtEviction = firstEviction ? await memoryNear(client, layout, Date.parse(firstEviction), unreadable) : null;

  return {
    cache: layout.cache,
    record: { from: iso(firstAt), to: iso(lastAt), gaps },
    window: { from: iso(from), to: iso(to) },
    families,
    removals,
    allRemovals,
    key,
    changes,
    notificationsOff,
    memoryAtEviction,
    ...(unreadable.count > 0 ? { unreadable: unreadable.count } : {}),
  };
}

/** Dated events read for one window at most (the newest of it first); a day at the cap is EVENTS_PER_DAY plus its `capped` events. */
export const MAX_EVENTS_READ = 4 * (EVENTS_PER_DAY + 1_440);
const CAPPED_MEMBER = '{"type":"capped"';
/** INFO samples read around an eviction: one per node per minute, three minutes of a large cluster. */
const MAX_SAMPLES_NEAR = 1_000;
/** Notifications events read from before the window, to know whether notifications were off when it began. */
const SPANS_BEFORE = 64;

/**
 * The dated events of [from, to] (the newest MAX_EVENTS_READ of them), the gaps that end after `from` and the last
 * notifications events before it: never every event of the record.
 */
export async function readDated(client: StateClient, layout: RecordLayout, from: number, to: number, unreadable: { count: number }): Promise<DatedEvent[]> {
  const [inWindow, spansAfter, spansBefore] = await Promise.all([
    // A restart is dated from whole-second uptime, up to a second early.
    client.zrevrangebyscore(layout.events, to, from - UPTIME_RESOLUTION_MS, 'LIMIT', 0, MAX_EVENTS_READ),
    client.zrangebyscore(layout.spans, `(${to}`, '+inf', 'LIMIT', 0, MAX_EVENTS_READ),
    client.zrevrangebyscore(layout.spans, `(${from - UPTIME_RESOLUTION_MS}`, '-inf', 'LIMIT', 0, SPANS_BEFORE),
  ]);
  // `capped` events (how many were left out) are for `record status`, not the verdict: not decoded here. The writer puts
  // `type` first; a member that does not start so is decoded and judged as any other.
  const members = new Set([...spansBefore.reverse(), ...inWindow.reverse(), ...spansAfter].filter((member) => !member.startsWith(CAPPED_MEMBER)));
  return entries([...members], DATED_EVENT_ENTRY, unreadable);
}

/** The entries that are of `kind`; the others are counted in `unreadable`. */
function entries<T>(raw: string[], kind: RecordKind<T>, unreadable: { count: number }): T[] {
  return raw.flatMap((json) => {
    const parsed = parseRecord(json, kind);
    if (parsed.ok) return [parsed.value];
    unreadable.count += 1;
    return [];
  });
}

/** The gaps inside [from, to]: before the record started, after its last write, written gaps, notifications off. */
export function gapsOf(
  dated: DatedEvent[],
  meta: { firstAt: number; lastAt: number; stopped: boolean; flushMs: number },
  from: number,
  to: number,
): RecordGap[] {
  const out: Array<{ from: number; to: number; why: string; node?: string }> = [];
  if (meta.firstAt > from) out.push({ from, to: Math.min(meta.firstAt, to), why: 'the record had not started' });
  if (to - meta.lastAt > Math.max(STALE_MS, 3 * meta.flushMs)) {
    out.push({ from: Math.max(meta.lastAt, from), to, why: meta.stopped ? 'the recorder was stopped' : 'no recorder is running' });
  }
  for (const event of dated) {
    if (event.type !== 'gap') continue;
    const gapFrom = event.from ?? event.at;
    if (event.at >= from && gapFrom <= to) out.push({ from: Math.max(gapFrom, from), to: Math.min(event.at, to), why: event.summary, ...(event.address ? { node: event.address } : {}) });
  }
  // Notifications off on a node from one notifications event to the next.
  const byNode = new Map<string, Array<{ at: number; off: boolean }>>();
  for (const event of dated) {
    if (event.type !== 'notifications') continue;
    const list = byNode.get(event.address) ?? [];
    list.push({ at: event.at, off: event.data?.enabled === 'false' });
    byNode.set(event.address, list);
  }
  for (const [node, list] of byNode) {
    list.sort((a, b) => a.at - b.at);
    list.forEach((entry, index) => {
      if (!entry.off) return;
      const until = list.slice(index + 1).find((next) => !next.off)?.at ?? Math.max(meta.lastAt, to);
      if (until >= from && entry.at <= to) {
        out.push({ from: Math.max(entry.at, from), to: Math.min(until, to), why: `keyspace notifications were off on ${node}: single keys were not recorded`, node });
      }
    });
  }
  return out.sort((a, b) => a.from - b.from).map((gap) => ({ from: iso(gap.from), to: iso(gap.to), why: gap.why, ...(gap.node ? { node: gap.node } : {}) }));
}

/**
 * Every non-empty minute hash of the window: one script call per day of minutes (their keys share the record's hash slot)
 * rather than a command per minute, whose replies cost more to take apart than the counts they hold. A key of another
 * type is skipped.
 */
/**
 * Which fields of the minute hashes are read back: the family `own`, every family starting with `head` (a glob's literal
 * head; '' for every family, null for none), and `also` (the exact key's `(other)`, where a name may have been counted).
 */
interface FamilyFilter {
  own: string;
  head: string | null;
  also: string | null;
}

/**
 * The window's minute hashes, read by one script call per day of minutes (their keys share the record's hash slot): the
 * fields of the filter's families come back per minute, every other field is only added up per event there, so a whole
 * day costs what the verdict needs rather than a reply per minute and field. A key of another type is skipped.
 * ARGV: own family, head ('\u0000' for none), also ('\u0000' for none). Returns the event totals, then minute index and
 * fields for each minute with a field of the filter.
 */
const READ_MINUTES_SCRIPT = stateScript(`
local own, head, also = ARGV[1], ARGV[2], ARGV[3]
local none = string.char(0)
local totals, names, out = {}, {}, {}
for i, key in ipairs(KEYS) do
  local fields = redis.pcall('HGETALL', key)
  if type(fields) == 'table' and fields.err == nil then
    local kept = {}
    for f = 1, #fields, 2 do
      local field, count = fields[f], fields[f + 1]
      local bar = string.find(field, '|', 1, true)
      if bar then
        local event, family = string.sub(field, 1, bar - 1), string.sub(field, bar + 1)
        if totals[event] == nil then names[#names + 1] = event; totals[event] = 0 end
        totals[event] = totals[event] + (tonumber(count) or 0)
        if family == own or family == also or (head ~= none and string.sub(family, 1, #head) == head) then
          kept[#kept + 1] = field
          kept[#kept + 1] = count
        end
      end
    end
    if #kept > 0 then
      out[#out + 1] = i - 1
      out[#out + 1] = kept
    end
  end
end
local flat = {}
for _, event in ipairs(names) do
  flat[#flat + 1] = event
  flat[#flat + 1] = tostring(totals[event])
end
table.insert(out, 1, flat)
return out
`);
const MINUTES_PER_READ = 1_440;

async function readMinutes(
  client: StateClient,
  layout: RecordLayout,
  from: number,
  to: number,
  filter: FamilyFilter,
): Promise<{ minutes: Array<{ minute: number; fields: Record<string, string> }>; totals: Map<string, number> }> {
  const first = Math.floor(from / MINUTE_MS);
  const last = Math.floor(to / MINUTE_MS);
  const minutes: Array<{ minute: number; fields: Record<string, string> }> = [];
  const totals = new Map<string, number>();
  const none = '\u0000';
  for (let start = first; start <= last; start += MINUTES_PER_READ) {
    const keys: string[] = [];
    for (let minute = start; minute <= Math.min(last, start + MINUTES_PER_READ - 1); minute++) keys.push(layout.minute(minute));
    const [sums = [], ...reply] = (await runScript(client, READ_MINUTES_SCRIPT, keys, [filter.own, filter.head ?? none, filter.also ?? none])) as [string[], ...Array<number | string[]>];
    for (let i = 0; i + 1 < sums.length; i += 2) totals.set(sums[i]!, (totals.get(sums[i]!) ?? 0) + Number(sums[i + 1]));
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const flat = reply[i + 1] as string[];
      const fields: Record<string, string> = {};
      for (let f = 0; f + 1 < flat.length; f += 2) fields[flat[f]!] = flat[f + 1]!;
      minutes.push({ minute: start + Number(reply[i]), fields });
    }
  }
  return { minutes, totals };
}

function removalsOf(minutes: Array<{ minute: number; fields: Record<string, string> }>, families: Set<string>): RecordedRemovals[] {
  const byEvent = new Map<RecordedEventType, { count: number; first: number; last: number; peak: number; peakAt: number; minutes: Array<{ at: string; count: number }> }>();
  for (const { minute, fields } of minutes) {
    const perEvent = new Map<RecordedEventType, number>();
    for (const [field, value] of Object.entries(fields)) {
      const bar = field.indexOf('|');
      const event = field.slice(0, bar) as RecordedEventType;
      if (!families.has(field.slice(bar + 1))) continue;
      perEvent.set(event, (perEvent.get(event) ?? 0) + Number(value));
    }
    for (const [event, count] of perEvent) {
      const entry = byEvent.get(event) ?? { count: 0, first: minute, last: minute, peak: 0, peakAt: minute, minutes: [] };
      entry.count += count;
      entry.minutes.push({ at: iso(minute * MINUTE_MS), count });
      entry.last = minute;
      if (count > entry.peak) {
        entry.peak = count;
        entry.peakAt = minute;
      }
      byEvent.set(event, entry);
    }
  }
  return [...byEvent]
    .map(([event, e]) => ({ event, count: e.count, first: iso(e.first * MINUTE_MS), last: iso(e.last * MINUTE_MS), peakAt: iso(e.peakAt * MINUTE_MS), peak: e.peak, minutes: e.minutes }))
    .sort((a, b) => b.count - a.count);
}

/** The exact key: by name in the minutes' exact hashes, then in every Bloom slice of the window's hours. */
async function findKey(
  client: StateClient,
  layout: RecordLayout,
  query: RecordQuery,
  from: number,
  to: number,
  minutes: Array<{ minute: number; fields: Record<string, string> }>,
): Promise<NonNullable<RecordData['key']>> {
  const removals: RecordedKeyRemoval[] = [];
  // Only minutes that counted something of the key's family can name it.
  const family = keyFamily(query.key);
  const candidates = minutes.filter(({ fields }) => Object.keys(fields).some((field) => field.endsWith(`|${family}`) || field.endsWith('|(other)')));
  if (candidates.length > 0) {
    const pipeline = client.pipeline();
    // The name as the writer keeps it (a long one as its head and hash).
    const kept = keptName(query.key).name;
    for (const { minute } of candidates) pipeline.hget(layout.exact(minute), kept);
    const replies = (await pipeline.exec()) ?? [];
    for (const [error, value] of replies) {
      if (error) throw error;
      if (typeof value !== 'string') continue;
      const [event, db, at] = value.split('|');
      const ms = Number(at);
      if (Number(db) !== query.db || !Number.isFinite(ms) || ms < from || ms > to) continue;
      removals.push({ event: event as RecordedEventType, db: Number(db), exact: true, at: iso(ms), from: iso(ms), to: iso(ms) });
    }
  }

  let slicesAsked = 0;
  const scratch = positions(filterItem(query.db, query.key), new Uint32Array(HASHES));
  // Every hour's slice list in one round trip, then every slice's bits in one more.
  const hours: number[] = [];
  for (let hour = Math.floor(from / HOUR_MS); hour <= Math.floor(to / HOUR_MS); hour++) hours.push(hour);
  const listed = client.pipeline();
  for (const hour of hours) listed.hgetall(layout.sliceCounts(hour));
  const lists = (await listed.exec()) ?? [];
  const asked: Array<{ hour: number; event: string }> = [];
  const bitsOf = client.pipeline();
  lists.forEach(([error, fields], index) => {
    if (error) throw error;
    for (const field of Object.keys(fields as Record<string, string>)) {
      const [event, slice] = field.split(':');
      if (!(KEY_REMOVAL_EVENTS as readonly string[]).includes(event ?? '')) continue;
      const args: Array<string | number> = [];
      for (const bit of scratch) args.push('GET', 'u1', bit);
      bitsOf.call('BITFIELD', layout.slice(hours[index]!, event!, Number(slice)), ...args);
      asked.push({ hour: hours[index]!, event: event! });
    }
  });
  slicesAsked = asked.length;
  const foundByHour = new Map<number, Set<RecordedEventType>>();
  if (asked.length > 0) {
    const replies = (await bitsOf.exec()) ?? [];
    replies.forEach(([error, bits], index) => {
      if (error) throw error;
      if (!Array.isArray(bits) || !bits.every((bit) => Number(bit) === 1)) return;
      const { hour, event } = asked[index]!;
      const found = foundByHour.get(hour) ?? new Set<RecordedEventType>();
      found.add(event as RecordedEventType);
      foundByHour.set(hour, found);
    });
  }
  for (const [hour, found] of foundByHour) {
    for (const event of found) {
      const hourStart = hour * HOUR_MS;
      const hourEnd = hourStart + HOUR_MS;
      if (removals.some((r) => r.exact && r.event === event && Date.parse(r.at) >= hourStart && Date.parse(r.at) < hourEnd)) continue;
      // Narrowed to the minutes of that hour in which the key's family had this event.
      const active = minutes
        .filter(({ minute, fields }) => minute * MINUTE_MS >= hourStart && minute * MINUTE_MS < hourEnd && Object.keys(fields).some((f) => f === `${event}|${family}` || f === `${event}|(other)`))
        .map(({ minute }) => minute);
      const start = Math.max(active.length > 0 ? Math.min(...active) * MINUTE_MS : hourStart, from);
      const end = Math.min(active.length > 0 ? (Math.max(...active) + 1) * MINUTE_MS : hourEnd, to);
      if (end < from || start > to) continue;
      removals.push({ event, db: query.db, exact: false, at: iso(start), from: iso(start), to: iso(end) });
    }
  }
  removals.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  // Where the filter kept only a sample of keys and not this one, no finding there says it was not removed.
  // The hash is untrusted like every state record: one far bigger than a recorder writes is not read, and the whole
  // window is then taken as unsampled (never as "not removed").
  const [[, type] = [null, null], [, fields] = [null, 0]] = (await client.pipeline().type(layout.sampling).hlen(layout.sampling).exec()) ?? [];
  const readable = type === 'none' || (type === 'hash' && Number(fields) <= MAX_SAMPLING_FIELDS);
  const changes = readable
    ? Object.entries(type === 'hash' ? await client.hgetall(layout.sampling) : {})
        .map(([at, oneIn]) => ({ at: Number(at), oneIn: Number(oneIn) }))
        .filter((change) => Number.isFinite(change.at) && Number.isInteger(change.oneIn) && change.oneIn >= 0)
    : [{ at: from, oneIn: 0 }];
  const unsampled = unsampledSpans(changes, sampleHash(query.key), from, to).map((span) => ({ from: iso(span.from), to: iso(span.to), oneIn: span.oneIn }));
  return { removals, slicesAsked, falsePositiveBound: slicesAsked * SLICE_FALSE_POSITIVE_RATE, ...(unsampled.length > 0 ? { unsampled } : {}) };
}

async function memoryNear(client: StateClient, layout: RecordLayout, at: number, unreadable: { count: number }): Promise<RecordData['memoryAtEviction']> {
  // The fullest sample of the minute before, of and after the eviction (each holds its minute's most memory used).
  const near = entries(await client.zrangebyscore(layout.samples, at - MINUTE_MS, at + MINUTE_MS, 'LIMIT', 0, MAX_SAMPLES_NEAR), STORED_SAMPLE_ENTRY, unreadable);
  const ratio = (s: StoredSample): number => (s.usedMemory !== null && s.maxmemory ? s.usedMemory / s.maxmemory : -1);
  const sample = near.sort((a, b) => ratio(b) - ratio(a))[0];
  if (!sample || sample.usedMemory === null || sample.maxmemory === null) return null;
  return { at: iso(sample.at), node: sample.node, usedMemory: sample.usedMemory, maxmemory: sample.maxmemory };
}
