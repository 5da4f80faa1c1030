// `keyloss watch` as data: what is being removed right now, per second, for a bounded time (spec/watch-record-cli.md).
import { globMatches } from '../domain/glob.ts';
import type { RedisEndpoint } from '../redis/url.ts';
import { startCapture, type CaptureOptions, type NotificationState, type RemovingClient } from './capture.ts';
import { joinAnd } from '../domain/format.ts';
import { HOW_TO_ENABLE, howToAdd, keptName, parseNotifyFlags, REMOVAL_EVENTS, type RemovalEvent } from './events.ts';
import { counterDelta, restarted, type DatedEvent, type InfoSample } from './sample.ts';

export const DEFAULT_WATCH_MS = 30_000;
export const MAX_WATCH_MS = 10 * 60_000;
const SAMPLE_SIZE = 20;
const MAX_CLIENTS = 50;

export interface WatchInput {
  endpoint: RedisEndpoint;
  /** Count separately the events whose key matches this key or glob; null: all keys. */
  key: string | null;
  db: number | null;
  durationMs: number;
}

export interface WatchHooks {
  /** Ends the watch early (Ctrl-C); what was seen is still returned. */
  signal?: AbortSignal;
  /** Once a second with the second that just ended. */
  onSecond?(row: TimelineRow, totals: { events: number; matching: number }): void;
  /** Once the subscriptions are in place and the first INFO sample is taken. */
  onReady?(nodes: string[]): void;
  capture?: Partial<CaptureOptions>;
  now?: () => number;
}

export interface TimelineRow {
  at: string;
  expired: number;
  evicted: number;
  del: number;
  [event: string]: number | string;
}

export interface WatchResult {
  target: { host: string; port: number; tls: boolean };
  window: { from: string; to: string; seconds: number };
  notifications: { enabled: boolean | null; flags: string | null; source: NotificationState['source']; missing: RemovalEvent[]; howToEnable: string | null };
  /**
   * `longNames` (additive, only when a sampled name was over 256 bytes): each such name as `sample` holds it (its head
   * and hash, src/record/events.ts), with its whole length in bytes and SHA-256.
   */
  events: Array<{ type: RemovalEvent; count: number; matching: number; sample: string[]; longNames?: LongName[] }>;
  timeline: TimelineRow[];
  counters: { expired_keys: number; evicted_keys: number; del: number; unlink: number; flushdb: number; flushall: number; getdel: number; hdel: number };
  clients: Array<{ name: string; addr: string; cmd: string; db: number }>;
  /** Additive: restarts, failovers and flushes seen while watching. */
  changes: Array<{ type: DatedEvent['type']; at: string; summary: string }>;
  /** Additive: nodes that were away for part of the watch. */
  gaps: Array<{ node: string; from: string; to: string; why: string }>;
  /** Additive: the primaries watched. */
  nodes: string[];
  key: string | null;
  ended: 'time' | 'interrupted';
  summary: string;
}

export interface LongName {
  name: string;
  bytes: number;
  sha256: string;
}

export type WatchOutcome = { ok: true; result: WatchResult } | { ok: false; kind: 'unreachable' | 'auth'; endpoint: string; reason: string };

export async function watch(input: WatchInput, hooks: WatchHooks = {}): Promise<WatchOutcome> {
  const now = hooks.now ?? Date.now;
  const counts = new Map<RemovalEvent, { count: number; matching: number; sample: string[]; longNames: LongName[] }>();
  const seconds = new Map<number, Map<RemovalEvent, number>>();
  const clients = new Map<string, RemovingClient>();
  const changes: DatedEvent[] = [];
  const gaps: Array<{ node: string; from: number; to: number | null; why: string }> = [];
  const deltas = { expired_keys: 0, evicted_keys: 0, del: 0, unlink: 0, flushdb: 0, flushall: 0, getdel: 0, hdel: 0 };
  const key = input.key;
  const exact = key !== null && !/[*?[\\]/.test(key);
  let totalEvents = 0;
  let totalMatching = 0;

  const started = await startCapture(
    input.endpoint,
    {
      keyEvent(at, _node, db, event, name) {
        if (input.db !== null && db !== input.db) return;
        const entry = counts.get(event) ?? { count: 0, matching: 0, sample: [], longNames: [] };
        counts.set(event, entry);
        entry.count += 1;
        totalEvents += 1;
        const matches = key === null || (exact ? name === key : globMatches(key, name));
        if (matches) {
          entry.matching += 1;
          totalMatching += 1;
          if (entry.sample.length < SAMPLE_SIZE) {
            // Kept bounded whatever the name (a key of megabytes is its head and hash).
            const kept = keptName(name);
            if (!entry.sample.includes(kept.name)) {
              entry.sample.push(kept.name);
              if (kept.cut) entry.longNames.push({ name: kept.name, ...kept.cut });
            }
          }
        }
        const second = Math.floor(at / 1000);
        const row = seconds.get(second) ?? new Map<RemovalEvent, number>();
        seconds.set(second, row);
        row.set(event, (row.get(event) ?? 0) + 1);
      },
      sample(next, previous) {
        if (previous) addDeltas(deltas, previous, next);
      },
      dated(event) {
        if (event.type !== 'burst') changes.push(event);
      },
      clients(list) {
        for (const client of list) {
          const id = `${client.addr} ${client.cmd}`;
          if (clients.size < MAX_CLIENTS || clients.has(id)) clients.set(id, client);
        }
      },
      gap(gap) {
        const open = gaps.find((g) => g.node === gap.node && g.to === null);
        if (open && gap.to !== null) open.to = gap.to;
        else if (!open) gaps.push({ ...gap });
      },
    },
    { sampleIntervalMs: 1_000, clientListAt: 1, ...hooks.capture, db: input.db, now },
  );
  if (!started.ok) return started;
  const capture = started.capture;
  const from = now();
  hooks.onReady?.(capture.addresses);

  await new Promise<void>((resolve) => {
    const end = setTimeout(finish, input.durationMs);
    let lastSecond = Math.floor(from / 1000);
    const ticker = setInterval(() => {
      const second = Math.floor(now() / 1000) - 1;
      for (let s = lastSecond; s <= second; s++) hooks.onSecond?.(timelineRow(s, seconds.get(s)), { events: totalEvents, matching: totalMatching });
      lastSecond = second + 1;
    }, 1_000);
    function finish(): void {
      clearTimeout(end);
      clearInterval(ticker);
      hooks.signal?.removeEventListener('abort', finish);
      resolve();
    }
    if (hooks.signal?.aborted) finish();
    hooks.signal?.addEventListener('abort', finish, { once: true });
  });
  const ended = hooks.signal?.aborted ? 'interrupted' : 'time';
  // A last sample, so the counter deltas cover the whole window.
  await capture.sampleNow();
  const to = now();
  const notifications = combineNotifications(capture.notifications());
  await capture.stop();

  const events = [...counts]
    .map(([type, entry]) => ({ type, count: entry.count, matching: entry.matching, sample: entry.sample, ...(entry.longNames.length > 0 ? { longNames: entry.longNames } : {}) }))
    .sort((a, b) => b.count - a.count || REMOVAL_EVENTS.indexOf(a.type) - REMOVAL_EVENTS.indexOf(b.type));
  const firstSecond = Math.floor(from / 1000);
  const lastSecond = Math.floor((to - 1) / 1000);
  const timeline: TimelineRow[] = [];
  for (let s = firstSecond; s <= lastSecond; s++) timeline.push(timelineRow(s, seconds.get(s)));
  const windowSeconds = Math.round((to - from) / 1000);
  const clientList = [...clients.values()].map(({ name, addr, cmd, db }) => ({ name, addr, cmd, db }));
  const result: WatchResult = {
    target: { host: input.endpoint.host, port: input.endpoint.port, tls: input.endpoint.tls },
    window: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), seconds: windowSeconds },
    notifications,
    events,
    timeline,
    counters: deltas,
    clients: clientList,
    changes: changes.map((change) => ({ type: change.type, at: new Date(change.at).toISOString(), summary: change.summary })),
    gaps: gaps.map((gap) => ({ node: gap.node, from: new Date(gap.from).toISOString(), to: new Date(gap.to ?? to).toISOString(), why: gap.why })),
    nodes: capture.addresses,
    key,
    ended,
    summary: '',
  };
  result.summary = summarizeWatch(result);
  return { ok: true, result };
}

function addDeltas(deltas: WatchResult['counters'], previous: InfoSample, next: InfoSample): void {
  const reset = restarted(previous, next);
  deltas.expired_keys += counterDelta(previous.expiredKeys, next.expiredKeys, reset);
  deltas.evicted_keys += counterDelta(previous.evictedKeys, next.evictedKeys, reset);
  for (const name of ['del', 'unlink', 'flushdb', 'flushall', 'getdel', 'hdel'] as const) {
    deltas[name] += counterDelta(previous.calls[name], next.calls[name], reset);
  }
}

/** One second's counts for a live line: expired, evicted and del always, any other event type when it happened. */
export function secondCells(row: TimelineRow): Array<[string, number]> {
  return Object.entries(row).flatMap(([name, value]): Array<[string, number]> =>
    name !== 'at' && typeof value === 'number' && (value !== 0 || ['expired', 'evicted', 'del'].includes(name)) ? [[name, value]] : [],
  );
}

/** Events in one second of the timeline, every type together. */
export function rowTotal(row: TimelineRow): number {
  return Object.values(row).reduce<number>((sum, value) => sum + (typeof value === 'number' ? value : 0), 0);
}

/** The `count` seconds with the most events, most first; seconds without any are left out. */
export function busiestSeconds(result: Pick<WatchResult, 'timeline'>, count: number): Array<{ row: TimelineRow; total: number }> {
  return result.timeline
    .map((row) => ({ row, total: rowTotal(row) }))
    .filter((entry) => entry.total > 0)
    .sort((a, b) => b.total - a.total)
    .slice(0, count);
}

function timelineRow(second: number, row: Map<RemovalEvent, number> | undefined): TimelineRow {
  const out: TimelineRow = { at: `${new Date(second * 1000).toISOString().slice(0, 19)}Z`, expired: 0, evicted: 0, del: 0 };
  for (const [event, count] of row ?? []) out[event] = count;
  return out;
}

/** One state for the whole cache: on when every primary has it on, off when any has it off, else unknown. */
export function combineNotifications(states: NotificationState[]): WatchResult['notifications'] {
  const enabled = states.some((s) => s.enabled === false) ? false : states.length > 0 && states.every((s) => s.enabled === true) ? true : null;
  const first = states.find((s) => s.source !== 'inferred') ?? states[0] ?? { flags: null, source: 'inferred' as const };
  const parsed = first.flags !== null ? parseNotifyFlags(first.flags) : null;
  const missing = parsed?.missing ?? [];
  // On (or unknown with flags that publish removals): what to add, if anything; off or unread: how to turn them on.
  const howToEnable = parsed?.enabled && enabled !== false ? howToAdd(parsed) : enabled === true && missing.length === 0 ? null : HOW_TO_ENABLE;
  return { enabled, flags: first.flags, source: first.source, missing, howToEnable };
}

const VERB: Record<RemovalEvent, string> = {
  expired: 'expired',
  evicted: 'evicted',
  del: 'deleted',
  rename_from: 'renamed away',
  move_from: 'moved to another db',
  hdel: 'lost hash fields (HDEL)',
  hexpired: 'lost hash fields to expiry',
  overwritten: 'overwritten',
  type_changed: 'overwritten with another type',
};

const n = (value: number): string => value.toLocaleString('en-US');

/** The one sentence the watch ends with, from its numbers. */
export function summarizeWatch(result: WatchResult): string {
  const span = `${result.window.seconds} s`;
  const parts: string[] = [];
  if (result.notifications.enabled === false) {
    parts.push(`keyspace notifications are off, so single keys could not be seen; counters over ${span}: ${n(result.counters.expired_keys)} expired, ${n(result.counters.evicted_keys)} evicted`);
  } else {
    for (const event of result.events) {
      if (result.key !== null) parts.push(`${n(event.matching)} ${result.key} keys ${VERB[event.type]} in ${span} (${n(event.count)} keys in all)`);
      else parts.push(`${n(event.count)} keys ${VERB[event.type]} in ${span}`);
    }
    if (result.events.length === 0) parts.push(`no key was removed in ${span}`);
    else if (!result.events.some((e) => e.type === 'evicted')) parts.push('nothing evicted');
  }
  const dels = result.counters.del + result.counters.unlink + result.counters.getdel;
  if (dels > 0) {
    const names = [...new Set(result.clients.filter((c) => c.cmd !== 'flushdb' && c.cmd !== 'flushall').map((c) => c.name || c.addr))];
    // Each command by its own name: "10 DELs and 10 UNLINKs", never 20 DELs.
    const sent = ([['DEL', result.counters.del], ['UNLINK', result.counters.unlink], ['GETDEL', result.counters.getdel]] as const)
      .filter(([, count]) => count > 0)
      .map(([command, count]) => `${n(count)} ${command}${count === 1 ? '' : 's'}`);
    parts.push(`${joinAnd(sent)}${names.length > 0 ? `, sent by ${names.slice(0, 3).join(', ')}` : ''}`);
  }
  const flushes = result.counters.flushdb + result.counters.flushall;
  if (flushes > 0) {
    const at = result.changes.find((c) => c.type === 'flush')?.at;
    parts.push(`${n(flushes)} flush${flushes === 1 ? '' : 'es'} (FLUSHDB/FLUSHALL)${at ? ` by ${at.slice(11, 19)} UTC` : ''}`);
  }
  for (const change of result.changes.filter((c) => c.type === 'restart' || c.type === 'failover')) parts.push(change.summary);
  if (result.gaps.length > 0) parts.push(`${result.gaps.length} node${result.gaps.length === 1 ? ' was' : 's were'} away for part of the watch`);
  let sentence = `${parts.join('; ')}.`;
  sentence = sentence.charAt(0).toUpperCase() + sentence.slice(1);
  if (result.notifications.enabled === false) sentence += ` ${HOW_TO_ENABLE}`;
  return sentence;
}
