// What the state Redis holds of each recorded cache, for `keyloss record status` and App Home: its name and addresses,
// the recorder holding it, what it covers, its last sample, its gaps, its notifications, what it announced and its bytes.
import { primariesOf, type StateClient } from '../state/redis.ts';
import { parseRecord } from '../state/store.ts';
import { STORED_SAMPLE_ENTRY } from './history.ts';
import { addressesOf, findRecordName, type RecordIdentity } from './identity.ts';
import { RecordLayout } from './layout.ts';
import { leaseHolder } from './lease.ts';
import { readMeta } from './meta.ts';
import { gapsOf, readDated } from './reader.ts';
import type { DatedEvent } from './sample.ts';
import { formatBytes } from '../domain/format.ts';

export interface RecordStatus {
  /** The record's name: the caches file's name, or host:port. */
  cache: string;
  /** Every address it was recorded at (the URL's host:port, each cluster primary). */
  addresses: string[];
  /** The recorder holding its lease now; null: none is recording it. */
  holder: string | null;
  /** The recorder that wrote it last. */
  lastHolder: string | null;
  /** What it covers (ISO), and when its recorder stopped, if it did. */
  from: string;
  to: string;
  stoppedAt: string | null;
  lastSample: { at: string; node: string } | null;
  /** Its gaps, newest first (at most GAPS_SHOWN), and how many in all. */
  gaps: Array<{ from: string; to: string; why: string }>;
  gapCount: number;
  /** Keyspace notifications on each node, as last recorded. */
  notifications: Array<{ node: string; enabled: 'true' | 'false' | 'unknown'; flags: string | null; at: string }>;
  /** What keyloss record posted in Slack about it: how many events, the last one. */
  announced: { count: number; last: { type: string; at: string; channel: string; ts: string } | null };
  /** Bytes it takes in the state Redis (MEMORY USAGE of its keys); `complete` false when counting stopped at its bound (keys or time). */
  bytes: { used: number; keys: number; complete: boolean } | null;
}

const GAPS_SHOWN = 5;
/** MEMORY USAGE is asked of at most this many keys of one record. */
const MAX_KEYS_COUNTED = 50_000;

const iso = (ms: number): string => new Date(ms).toISOString();

/** The names of every record in the state Redis (SCAN of their meta hashes). */
export async function listRecords(client: StateClient, prefix: string): Promise<string[]> {
  const names = new Set<string>();
  // A state Redis cluster spreads the records over its primaries: each is scanned.
  for (const node of primariesOf(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', RecordLayout.metaPattern(prefix), 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const name = RecordLayout.cacheOfMeta(prefix, key);
        if (name !== null) names.add(name);
      }
    } while (cursor !== '0' && names.size < 10_000);
  }
  return [...names].sort();
}

/** The status of every record, or of the one cache asked (found by its name or address); null when it has none. */
/** `bytesBudgetMs`: how long the bytes of one record may be counted (SCAN walks the whole state Redis) before they are "at least". */
export async function recordStatuses(client: StateClient, prefix: string, only: RecordIdentity | null, now: number, bytesBudgetMs = 10_000): Promise<RecordStatus[]> {
  const names = only ? [await findRecordName(client, prefix, only)].filter((n): n is string => n !== null) : await listRecords(client, prefix);
  const out: RecordStatus[] = [];
  for (const name of names) {
    const status = await recordStatus(client, new RecordLayout(prefix, name), now, bytesBudgetMs);
    if (status) out.push(status);
  }
  return out;
}

export async function recordStatus(client: StateClient, layout: RecordLayout, now: number, bytesBudgetMs = 10_000): Promise<RecordStatus | null> {
  // A meta no recorder wrote is read as no record (src/record/meta.ts).
  const read = await readMeta(client, layout);
  const meta = read.ok ? read.meta : {};
  const firstAt = Number(meta.firstAt);
  const lastAt = Number(meta.lastAt);
  if (!Number.isFinite(firstAt) || !Number.isFinite(lastAt)) return null;
  // Gaps and notifications from their own set, with the newest events: never every event of the record.
  const dated = await readDated(client, layout, firstAt, now, { count: 0 });
  const gaps = gapsOf(dated, { firstAt, lastAt, stopped: meta.stoppedAt !== undefined, flushMs: Number(meta.flushMs) || 1_000 }, firstAt, now).reverse();
  const lastSampleRaw = (await client.zrevrangebyscore(layout.samples, '+inf', '-inf', 'LIMIT', 0, 1))[0];
  const lastSample = lastSampleRaw ? parseRecord(lastSampleRaw, STORED_SAMPLE_ENTRY) : null;
  const said = await client.zrevrangebyscore(layout.saidList, '+inf', '-inf');
  const lastSaid = said[0] ? safeJson(said[0]) : null;
  return {
    cache: layout.cache,
    addresses: addressesOf(meta),
    holder: await leaseHolder(client, layout.lease),
    lastHolder: meta.holder ?? null,
    from: iso(firstAt),
    to: iso(lastAt),
    stoppedAt: Number.isFinite(Number(meta.stoppedAt)) && meta.stoppedAt !== undefined ? iso(Number(meta.stoppedAt)) : null,
    lastSample:
      Number.isFinite(Number(meta.lastSampleAt)) && meta.lastSampleNode
        ? { at: iso(Number(meta.lastSampleAt)), node: meta.lastSampleNode }
        : lastSample?.ok
          ? { at: iso(lastSample.value.at), node: lastSample.value.node }
          : null,
    gaps: gaps.slice(0, GAPS_SHOWN),
    gapCount: gaps.length,
    notifications: notificationsOf(dated),
    announced: {
      count: said.length,
      last:
        lastSaid && typeof lastSaid.channel === 'string' && typeof lastSaid.ts === 'string'
          ? { type: String(lastSaid.type), at: iso(Number(lastSaid.at)), channel: lastSaid.channel, ts: lastSaid.ts }
          : null,
    },
    bytes: await bytesOf(client, layout, bytesBudgetMs),
  };
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The last notifications event of each node. */
function notificationsOf(dated: DatedEvent[]): RecordStatus['notifications'] {
  const byNode = new Map<string, DatedEvent>();
  for (const event of dated) if (event.type === 'notifications') byNode.set(event.address, event);
  return [...byNode.values()].map((event) => {
    const enabled = event.data?.enabled;
    return {
      node: event.address,
      enabled: enabled === 'true' || enabled === 'false' ? enabled : 'unknown',
      flags: typeof event.data?.flags === 'string' ? event.data.flags : null,
      at: iso(event.at),
    };
  });
}

/** MEMORY USAGE of every key of the record (SCAN, bounded); null when the server refuses MEMORY USAGE. */
async function bytesOf(client: StateClient, layout: RecordLayout, budgetMs: number): Promise<RecordStatus['bytes']> {
  const deadline = Date.now() + budgetMs;
  let used = 0;
  let keys = 0;
  let complete = true;
  try {
    // On a cluster the record's keys share one slot, so one primary holds them; each is asked, and answers on its own.
    for (const node of primariesOf(client)) {
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', layout.allKeys, 'COUNT', 1000);
        cursor = next;
        const own = batch.slice(0, MAX_KEYS_COUNTED - keys);
        if (own.length > 0) {
          const pipeline = node.pipeline();
          for (const key of own) pipeline.call('MEMORY', 'USAGE', key);
          for (const [error, bytes] of (await pipeline.exec()) ?? []) {
            if (error) throw error;
            used += Number(bytes) || 0;
          }
          keys += own.length;
        }
      } while (cursor !== '0' && keys < MAX_KEYS_COUNTED && Date.now() < deadline);
      if (cursor !== '0') complete = false;
    }
  } catch {
    return null;
  }
  return { used, keys, complete };
}

const when = (text: string): string => `${text.slice(0, 19).replace('T', ' ')} UTC`;


/** The status as lines a person reads: the CLI prints them, App Home shows them (escaped) under each cache. */
export function describeStatus(status: RecordStatus): string[] {
  const addresses = status.addresses.length > 0 ? ` (${status.addresses.join(', ')})` : '';
  const who = status.holder
    ? `recording, held by ${status.holder}`
    : status.stoppedAt
      ? `not recorded now: ${status.lastHolder ?? 'its recorder'} stopped at ${when(status.stoppedAt)}`
      : `not recorded now: no recorder holds it (last written by ${status.lastHolder ?? 'an unknown recorder'})`;
  const lines = [`${status.cache}${addresses}: ${who}`];
  lines.push(`covers ${when(status.from)} to ${when(status.to)}${status.lastSample ? `; last sample ${when(status.lastSample.at)} from ${status.lastSample.node}` : '; no INFO sample yet'}`);
  const lastGap = status.gaps[0];
  lines.push(status.gapCount === 0 ? 'no gaps' : `${status.gapCount} gap${status.gapCount === 1 ? '' : 's'}; the last ${when(lastGap!.from)} to ${when(lastGap!.to)}: ${lastGap!.why}`);
  if (status.notifications.length === 0) lines.push('keyspace notifications: not recorded yet');
  for (const n of status.notifications) {
    const state = n.enabled === 'true' ? 'on' : n.enabled === 'false' ? 'off (single keys not recorded)' : 'unknown';
    lines.push(`keyspace notifications ${state} at ${n.node}${n.flags !== null ? ` ("${n.flags}")` : ''} since ${when(n.at)}`);
  }
  const last = status.announced.last;
  lines.push(status.announced.count === 0 ? 'nothing announced in Slack' : `${status.announced.count} event${status.announced.count === 1 ? '' : 's'} announced in Slack; the last a ${last?.type ?? 'event'} at ${last ? when(last.at) : '?'}${last ? ` in ${last.channel}` : ''}`);
  lines.push(status.bytes ? `${formatBytes(status.bytes.used)} in ${status.bytes.keys.toLocaleString('en-US')} keys of the state Redis${status.bytes.complete ? '' : ' (at least: counting stopped at its bound)'}` : 'bytes used: unknown (MEMORY USAGE refused)');
  return lines;
}
