// keyloss's own record: a recorded removal of the asked key confirms its cause; removals by the key's family, flushes,
// restarts and failovers are dated evidence. Over a gap in the record nothing is called likely from the record alone.
import type { CauseId } from '../../domain/causes.ts';
import type { Evidence } from '../../domain/checks.ts';
import { formatCount, formatPercent, plural } from '../../domain/format.ts';
import type { RecordData, RecordedChange, RecordedEventType, RecordedRemovals, RecordGap } from '../../domain/record.ts';
import { dataOf, startInterval } from '../evidence.ts';
import type { Signal } from '../signal.ts';

/** The cause each recorded keyevent proves; field removals (hdel, hexpired) and replaced values (overwritten, type_changed) prove none. */
const CAUSE_OF: Record<RecordedEventType, CauseId | null> = {
  expired: 'expiration',
  evicted: 'eviction',
  del: 'deletion',
  rename_from: 'deletion',
  move_from: 'wrong-database',
  hdel: null,
  hexpired: null,
  overwritten: null,
  type_changed: null,
};

const VERB: Record<RecordedEventType, string> = {
  expired: 'expired',
  evicted: 'evicted',
  del: 'deleted (DEL, UNLINK or GETDEL)',
  rename_from: 'renamed away (RENAME)',
  move_from: 'moved to another db (MOVE)',
  hdel: 'stripped of hash fields (HDEL)',
  hexpired: 'stripped of hash fields by expiry',
  overwritten: 'overwritten by a write (its old value replaced)',
  type_changed: 'overwritten with another type',
};

/** Below the 0.3 a cause needs to be likely: what the record infers over a gap stays possible at most. */
const OVER_A_GAP = 0.29;
const MINUTE = 60_000;

/** `05:31:07` (with the date when it is not the day of `now`). */
function clock(iso: string, now: Date, seconds = true): string {
  const time = iso.slice(11, seconds ? 19 : 16);
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`;
}

function familyLabel(record: RecordData, key: string, isPattern: boolean): string {
  if (isPattern) return key;
  const family = record.families[0];
  return family ? `${family}*` : key;
}

function removalLine(removals: RecordedRemovals, label: string, now: Date): string {
  const end = new Date(Date.parse(removals.last) + MINUTE).toISOString();
  return `${formatCount(removals.count)} ${label} keys ${VERB[removals.event].split(' (')[0]} ${clock(removals.first, now, false)}–${clock(end, now, false)} UTC`;
}

function memoryLine(record: RecordData, now: Date): string {
  const memory = record.memoryAtEviction;
  if (!memory || memory.maxmemory <= 0) return '';
  return `; used_memory was ${formatPercent(memory.usedMemory / memory.maxmemory)} of maxmemory at the ${clock(memory.at, now, false)} sample`;
}

/** One chance in N, for the false-positive bound of the key filter. */
function oneIn(probability: number): string {
  if (probability <= 0) return 'none';
  return `1 in ${formatCount(Math.round(1 / probability))}`;
}

/** A restart's computed start may be a second early (whole-second uptime); the old process may take this long to stop. */
const START_SLACK_MS = 1_000;
const STOP_SLACK_MS = 10_000;

/**
 * The gap a recorded restart caused: the node's connection dropped when the old process stopped and came back after the
 * new one started. Nothing of the old keyspace can change in it but what the restart did, which the restart's own keys
 * before and after tell; so it is said, and does not block what the record saw on either side of it. The restart is then
 * dated no earlier than the gap's start (a restart drops every connection first).
 */
export function restartGaps(record: RecordData): Map<RecordGap, RecordedChange> {
  const own = new Map<RecordGap, RecordedChange>();
  for (const change of record.changes) {
    if (change.type !== 'restart') continue;
    const at = Date.parse(change.at);
    const previous = change.from ? Date.parse(change.from) : Number.NEGATIVE_INFINITY;
    const gap = record.record.gaps.find((g) => {
      const from = Date.parse(g.from);
      const to = Date.parse(g.to);
      return (g.node === undefined || g.node === change.node) && /could not be recorded/.test(g.why) && from >= previous && from <= at + START_SLACK_MS && from >= at - STOP_SLACK_MS && to >= at - START_SLACK_MS;
    });
    if (gap && !own.has(gap)) own.set(gap, change);
  }
  return own;
}

/**
 * Why recorded `del` events are not shown to be client deletes, or null: Redis also publishes `del` when a hash loses its
 * last field to field expiry (after `hexpired`) and when LPOP, SREM, ZPOPMIN, … take a collection's last element. So a
 * `del` is a client delete only when removing commands (DEL, UNLINK, GETDEL) were sent: none since every node started,
 * before the events, or as many hash-field expiries of the same keys as `del` events, leave it unproven.
 */
interface DelDoubt {
  text: string;
  /** No DEL, UNLINK or GETDEL call since the counters started, before the events. */
  noCalls: boolean;
  /** Hash-field expiries recorded for the same keys, when they could account for the `del` events. */
  fieldExpiries: RecordedRemovals | null;
}

function notClientDeletes(evidence: Evidence, record: RecordData, firstAt: string): DelDoubt | null {
  const reasons: string[] = [];
  const calls = dataOf(evidence, 'commands.deletion')?.calls ?? null;
  const nodes = dataOf(evidence, 'persistence.restart')?.nodes ?? [];
  // The events are counted by minute: the earliest of them is at the window's start at the soonest.
  const earliest = Math.max(Date.parse(firstAt), evidence.query.since.getTime());
  const covered =
    nodes.length > 0 && nodes.every((node) => node.startedAt !== null && node.uptimeSeconds !== null && startInterval({ ...node, startedAt: node.startedAt, uptimeSeconds: node.uptimeSeconds }).to <= earliest);
  const noCalls = calls !== null && covered && calls.del + calls.unlink + calls.getdel === 0;
  if (noCalls) reasons.push('no DEL, UNLINK or GETDEL call was made since the node started, before these events');
  const dels = record.removals.find((r) => r.event === 'del')?.count ?? 0;
  const hexpired = record.removals.find((r) => r.event === 'hexpired') ?? null;
  const fieldExpiries = hexpired && hexpired.count >= dels ? hexpired : null;
  if (fieldExpiries) reasons.push(`${plural(fieldExpiries.count, 'hexpired event')} (hash fields expiring) were recorded for the same keys, and a hash whose last field expires is removed with a del event`);
  if (reasons.length === 0) return null;
  if (noCalls && !fieldExpiries) reasons.push('a collection emptied by LPOP, SREM, ZPOPMIN or the like is removed with a del event');
  return { text: reasons.join('; '), noCalls, fieldExpiries };
}

/** Hashes emptied by field expiry: expiration, likely when no client sent a removing command; never confirmed from counts. */
function fieldExpirySignals(doubt: DelDoubt, label: string, now: Date): Signal[] {
  const expiries = doubt.fieldExpiries;
  if (!expiries) return [];
  return [
    {
      cause: 'expiration',
      check: 'record',
      weight: doubt.noCalls ? 0.6 : OVER_A_GAP,
      source: 'record',
      at: expiries.peakAt,
      summary: `hash fields of ${label} keys expired ${clock(expiries.first, now, false)}–${clock(new Date(Date.parse(expiries.last) + MINUTE).toISOString(), now, false)} UTC (${plural(expiries.count, 'recorded hexpired event')})${doubt.noCalls ? ' and no DEL, UNLINK or GETDEL call was made' : ''}: hashes emptied by field expiry are removed with a del event`,
    },
  ];
}

export function recordSignals(evidence: Evidence): Signal[] {
  const record = dataOf(evidence, 'record');
  if (!record) return [];
  const { key, isPattern } = evidence.query;
  const now = evidence.now;
  const signals: Signal[] = [];
  const own = restartGaps(record);
  // Gaps that could hide a removal: not those a recorded restart caused.
  const gaps = record.record.gaps.filter((gap) => !own.has(gap));
  const gapBefore = (at: string): boolean => gaps.some((gap) => gap.from < at);
  const startOf = (change: RecordedChange): string => {
    const gap = [...own].find(([, c]) => c === change)?.[0];
    return gap && gap.from > change.at ? gap.from : change.at;
  };
  const label = familyLabel(record, key, isPattern);
  const emptied = (change: RecordedChange): boolean => {
    const before = Number(change.data.keysBefore ?? Number.NaN);
    const after = Number(change.data.keysAfter ?? Number.NaN);
    return Number.isFinite(before) && Number.isFinite(after) && before > 0 && after <= before * (change.type === 'flush' ? 0.1 : 0.5);
  };
  const keyRemovals = record.removals.filter((r) => CAUSE_OF[r.event] !== null);
  const total = keyRemovals.reduce((sum, r) => sum + r.count, 0);

  const found = record.key?.removals ?? [];
  const last = found.at(-1);
  if (!isPattern && last) {
    const cause = CAUSE_OF[last.event];
    if (cause) {
      const when = last.exact
        ? `at ${clock(last.at, now)} UTC (recorded key event)`
        : `${clock(last.from, now, false) === clock(last.to, now, false) ? `in the minute ${clock(last.from, now, false)}` : `between ${clock(last.from, now, false)} and ${clock(last.to, now, false)}`} UTC (found in the record's key filter; chance of a false match at most ${oneIn(record.key?.falsePositiveBound ?? 0)})`;
      const family = record.removals.find((r) => r.event === last.event);
      const doubt = last.event === 'del' ? notClientDeletes(evidence, record, last.from) : null;
      signals.push({
        cause,
        check: 'record',
        weight: doubt ? OVER_A_GAP : 0.95,
        ...(doubt ? {} : { confirms: true }),
        source: 'record',
        at: last.at,
        summary:
          `${key} was ${doubt ? 'removed (a del event)' : VERB[last.event]} ${when}${family ? `; ${removalLine(family, label, now)}` : ''}${last.event === 'evicted' ? memoryLine(record, now) : ''}` +
          (doubt ? `; not shown to be a client delete: ${doubt.text}` : ''),
      });
      if (doubt) signals.push(...fieldExpirySignals(doubt, label, now));
    }
  } else if (!isPattern && record.key?.unsampled && record.key.unsampled.length > 0) {
    // The filter kept only a hash sample of keys for part of the window, and not this one: never "not removed".
    const spans = record.key.unsampled
      .slice(0, 3)
      .map((span) => `${span.oneIn === 0 ? 'not kept by name at all' : `recorded at 1 in ${formatCount(span.oneIn)}`} from ${clock(span.from, now, false)} to ${clock(span.to, now, false)} UTC`)
      .join(', then ');
    const summary =
      `keys of this cache were ${spans} (a hash sample, past half of the day's per-key proof budget, KEYLOSS_RECORD_PROOF_MB): ` +
      `${key} was not among the sampled keys, so the record cannot say whether it was removed then; counts stay exact (${formatCount(total)} ${label} removals recorded in the window)`;
    for (const cause of ['expiration', 'eviction', 'deletion', 'wrong-database'] as const) {
      signals.push({ cause, check: 'record', weight: 0, source: 'record', at: record.key.unsampled[0]!.from, summary });
    }
  } else if (!isPattern && record.key && !record.notificationsOff && gaps.length === 0) {
    // The record saw the whole window with notifications on and never this key: no keyevent removed it.
    const window = `${clock(record.window.from, now, false)}–${clock(record.window.to, now, false)} UTC`;
    for (const cause of ['expiration', 'eviction', 'deletion', 'wrong-database'] as const) {
      signals.push({
        cause,
        check: 'record',
        weight: -0.6,
        source: 'record',
        at: record.window.from,
        summary: `the record saw no removal of ${key} ${window}, with no gap (${formatCount(record.key.slicesAsked)} filter slices asked)`,
      });
    }
  }

  if (isPattern && total > 0) {
    for (const removals of keyRemovals) {
      const cause = CAUSE_OF[removals.event];
      if (!cause) continue;
      const share = removals.count / total;
      // Keys a later flush or restart emptied left no key events: as many as it held may have been of this pattern.
      const unrecorded = record.changes.filter((c) => c.at >= removals.first && emptied(c)).reduce((sum, c) => sum + Number(c.data.keysBefore), 0);
      const ofAll = removals.count / (total + unrecorded);
      const doubt = removals.event === 'del' ? notClientDeletes(evidence, record, removals.first) : null;
      const most = ofAll > 0.5 && gaps.length === 0 && doubt === null;
      const weight = gaps.length > 0 || doubt ? Math.min(OVER_A_GAP, share) : most ? 0.9 : Math.min(0.6, ofAll);
      signals.push({
        cause,
        check: 'record',
        weight,
        ...(most ? { confirms: true } : {}),
        source: 'record',
        at: removals.peakAt,
        summary:
          `${removalLine(removals, label, now)} (recorded key events; ${formatPercent(share)} of the ${formatCount(total)} ${label} removals recorded in the window)` +
          (unrecorded > 0 && !most ? `; a flush or restart after them emptied ${formatCount(unrecorded)} more keys, which leave no key events` : '') +
          (removals.event === 'evicted' ? memoryLine(record, now) : '') +
          (doubt ? `; not shown to be client deletes: ${doubt.text}` : ''),
      });
      if (doubt) signals.push(...fieldExpirySignals(doubt, label, now));
    }
  }

  for (const change of record.changes) {
    const cause = change.type === 'flush' ? 'flush' : change.type === 'restart' ? 'instance-failure' : change.type === 'failover' ? 'replication' : null;
    if (!cause) continue;
    const at = startOf(change);
    const before = Number(change.data.keysBefore ?? Number.NaN);
    const after = Number(change.data.keysAfter ?? Number.NaN);
    const counts = Number.isFinite(before) && Number.isFinite(after) ? ` (${formatCount(before)} keys before, ${formatCount(after)} after)` : '';
    const from = change.from && clock(change.from, now) !== clock(at, now) ? change.from : null;
    const when = `${from ? `between ${clock(from, now)} and ` : 'at '}${clock(at, now)} UTC`;
    const what =
      change.type === 'flush'
        ? `${change.summary.replace(/ \(.*\)$/, '')} ${when}${counts} (recorded from INFO commandstats)`
        : change.type === 'restart'
          ? `${change.node} restarted ${when}${counts} (recorded run_id change)`
          : `${change.summary} ${when}${counts} (recorded from INFO replication)`;
    const removedFirst = found.find((removal) => removal.at < at && CAUSE_OF[removal.event] !== null);
    if (removedFirst) {
      // The key was gone before this change happened: the change did not remove it.
      signals.push({ cause, check: 'record', weight: -0.6, source: 'record', at, summary: `${what}, but ${key} was already ${VERB[removedFirst.event].split(' (')[0]} at ${clock(removedFirst.at, now)} UTC` });
      continue;
    }
    const lost = emptied(change);
    // A later flush or restart that emptied the db again removed whatever was written after this one: this one
    // removed only keys that existed before it and were never written again, which the record cannot tell apart.
    const later = lost ? record.changes.find((other) => other !== change && (other.type === 'flush' || other.type === 'restart') && emptied(other) && startOf(other) > at) : undefined;
    const explainsIt = !gapBefore(at) && (isPattern ? total < before * 0.5 : true) && later === undefined;
    const confirms = lost && explainsIt && change.type !== 'failover';
    const kept = change.type === 'restart' && Number.isFinite(before) && Number.isFinite(after) && after >= before * 0.95;
    const weight =
      change.type === 'failover' ? OVER_A_GAP : confirms ? 0.9 : later ? -0.3 : lost ? OVER_A_GAP : kept ? (gaps.length === 0 ? -0.6 : -0.3) : change.type === 'flush' ? 0.2 : 0;
    const laterLine = later
      ? `, but ${later.type === 'flush' ? later.summary.replace(/ \(.*\)$/, '') : `${later.node} restarted`} at ${clock(startOf(later), now)} UTC emptied the db again: keys written after ${clock(at, now)} UTC were removed by that`
      : '';
    signals.push({
      cause,
      check: 'record',
      weight,
      ...(confirms ? { confirms } : {}),
      source: 'record',
      at,
      summary: `${what}${laterLine}${kept ? ': it kept its keys, so it removed none' : ''}`,
    });
  }

  const clients = record.changes.filter((c) => c.type === 'clients');
  const named = clients.filter((c) => c.data.unnamed === undefined);
  const removers = [...new Set(named.map((c) => String(c.data.name || c.data.addr)))];
  // Removing calls whose senders CLIENT LIST could not name (they left between samples): said, never guessed.
  const unnamed = clients.filter((c) => c.data.unnamed !== undefined);
  const unnamedCalls = unnamed.reduce((sum, c) => sum + (Number(c.data.unnamed) || 0), 0);
  if ((removers.length > 0 || unnamed.length > 0) && keyRemovals.some((r) => CAUSE_OF[r.event] === 'deletion')) {
    const namedPart = removers.length > 0 ? `clients seen sending removing commands in the window (CLIENT LIST): ${removers.slice(0, 5).join(', ')}${removers.length > 5 ? ` and ${removers.length - 5} more` : ''}` : '';
    const unnamedPart =
      unnamed.length > 0
        ? `${unnamedCalls.toLocaleString('en-US')} removing calls could not be named${unnamed[0]!.data.why === 'left' ? ' (their senders left between samples; only MONITOR could name them, and keyloss never runs it)' : ` (${unnamed[0]!.summary.split(': ').slice(1).join(': ')})`}, first at ${unnamed[0]!.at.slice(11, 19)} UTC`
        : '';
    signals.push({
      cause: 'deletion',
      check: 'record',
      weight: removers.length > 0 ? 0.1 : 0,
      source: 'record',
      at: (named[0] ?? unnamed[0])!.at,
      summary: [namedPart, unnamedPart].filter(Boolean).join('; '),
    });
  }
  return signals;
}
