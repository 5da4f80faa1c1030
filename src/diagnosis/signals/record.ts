// keyloss's own record: a recorded removal of the asked key confirms its cause; removals by the key's family, flushes,
// restarts and failovers are dated evidence. Over a gap in the record nothing is called likely from the record alone.
import type { CauseId } from '../../domain/causes.ts';
import type { Evidence } from '../../domain/checks.ts';
import { formatCount, formatPercent } from '../../domain/format.ts';
import type { RecordData, RecordedEventType, RecordedRemovals } from '../../domain/record.ts';
import { dataOf } from '../evidence.ts';
import type { Signal } from '../signal.ts';

/** The cause each recorded keyevent proves; field removals (hdel, hexpired) prove none. */
const CAUSE_OF: Record<RecordedEventType, CauseId | null> = {
  expired: 'expiration',
  evicted: 'eviction',
  del: 'deletion',
  rename_from: 'deletion',
  move_from: 'wrong-database',
  hdel: null,
  hexpired: null,
};

const VERB: Record<RecordedEventType, string> = {
  expired: 'expired',
  evicted: 'evicted',
  del: 'deleted (DEL, UNLINK or GETDEL)',
  rename_from: 'renamed away (RENAME)',
  move_from: 'moved to another db (MOVE)',
  hdel: 'stripped of hash fields (HDEL)',
  hexpired: 'stripped of hash fields by expiry',
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

export function recordSignals(evidence: Evidence): Signal[] {
  const record = dataOf(evidence, 'record');
  if (!record) return [];
  const { key, isPattern } = evidence.query;
  const now = evidence.now;
  const signals: Signal[] = [];
  const gaps = record.record.gaps;
  const gapBefore = (at: string): boolean => gaps.some((gap) => gap.from < at);
  const label = familyLabel(record, key, isPattern);
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
      signals.push({
        cause,
        check: 'record',
        weight: 0.95,
        confirms: true,
        source: 'record',
        at: last.at,
        summary: `${key} was ${VERB[last.event]} ${when}${family ? `; ${removalLine(family, label, now)}` : ''}${last.event === 'evicted' ? memoryLine(record, now) : ''}`,
      });
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
      const most = share > 0.5 && gaps.length === 0;
      const weight = gaps.length > 0 ? Math.min(OVER_A_GAP, share) : most ? 0.9 : Math.min(0.6, share);
      signals.push({
        cause,
        check: 'record',
        weight,
        ...(most ? { confirms: true } : {}),
        source: 'record',
        at: removals.peakAt,
        summary:
          `${removalLine(removals, label, now)} (recorded key events; ${formatPercent(share)} of the ${formatCount(total)} ${label} removals recorded in the window)` +
          (removals.event === 'evicted' ? memoryLine(record, now) : ''),
      });
    }
  }

  for (const change of record.changes) {
    const cause = change.type === 'flush' ? 'flush' : change.type === 'restart' ? 'instance-failure' : change.type === 'failover' ? 'replication' : null;
    if (!cause) continue;
    const before = Number(change.data.keysBefore ?? Number.NaN);
    const after = Number(change.data.keysAfter ?? Number.NaN);
    const counts = Number.isFinite(before) && Number.isFinite(after) ? ` (${formatCount(before)} keys before, ${formatCount(after)} after)` : '';
    const from = change.from && clock(change.from, now) !== clock(change.at, now) ? change.from : null;
    const when = `${from ? `between ${clock(from, now)} and ` : 'at '}${clock(change.at, now)} UTC`;
    const what =
      change.type === 'flush'
        ? `${change.summary.replace(/ \(.*\)$/, '')} ${when}${counts} (recorded from INFO commandstats)`
        : change.type === 'restart'
          ? `${change.node} restarted ${when}${counts} (recorded run_id change)`
          : `${change.summary} ${when}${counts} (recorded from INFO replication)`;
    const removedFirst = found.find((removal) => removal.at < change.at && CAUSE_OF[removal.event] !== null);
    if (removedFirst) {
      // The key was gone before this change happened: the change did not remove it.
      signals.push({ cause, check: 'record', weight: -0.6, source: 'record', at: change.at, summary: `${what}, but ${key} had already ${VERB[removedFirst.event].split(' (')[0]} at ${clock(removedFirst.at, now)} UTC` });
      continue;
    }
    const lost = Number.isFinite(before) && Number.isFinite(after) && before > 0 && after <= before * (change.type === 'flush' ? 0.1 : 0.5);
    const explainsIt = !gapBefore(change.at) && (isPattern ? total < before * 0.5 : true);
    const confirms = lost && explainsIt && change.type !== 'failover';
    const weight = change.type === 'failover' ? OVER_A_GAP : confirms ? 0.9 : lost ? OVER_A_GAP : change.type === 'flush' ? 0.2 : 0;
    signals.push({
      cause,
      check: 'record',
      weight,
      ...(confirms ? { confirms } : {}),
      source: 'record',
      at: change.at,
      summary: `${what}${change.type === 'restart' && !lost ? ': it kept its keys' : ''}`,
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
