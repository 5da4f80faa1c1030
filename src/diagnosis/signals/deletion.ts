// Deletion and flush: commandstats of removing commands, SLOWLOG entries and clients naming who removed the keys.
import { isDeletingCommand, isFlushingCommand } from '../../domain/keys.ts';
import type { DeletionData } from '../../domain/evidence.ts';
import type { Evidence } from '../../domain/checks.ts';
import type { Signal } from '../signal.ts';
import type { Finding } from '../../domain/facts.ts';
import { counterReach, dataOf, keyspaceOf, rateWindow } from '../evidence.ts';
import { formatCount, formatInstant, joinAnd, plural } from '../../domain/format.ts';
import { globMatches } from '../../domain/glob.ts';
import { shardView } from '../shards.ts';

/** True when a SLOWLOG key names the missing key, or a key the pattern matches. */
function namesQueriedKey(evidence: Evidence, key: string | null): boolean {
  if (key === null) return false;
  return evidence.query.isPattern ? globMatches(evidence.query.key, key) : key === evidence.query.key;
}

/** A client as CLIENT LIST shows it: the name it gave itself (CLIENT SETNAME) first when it has one, and its address. */
function clientLabel(client: { addr: string; name: string }): string {
  return client.name ? `${client.name} (${client.addr})` : client.addr;
}

/** "SLOWLOG on 10.0.0.4:6379: DEL session:17 at 05:03:04 UTC from 10.0.0.9:51234 (api)"; the key only `withKey`. */
function slowlogLine(entry: DeletionData['slowlog'][number], withKey: boolean, now: Date): string {
  const key = withKey ? ` ${entry.key}` : '';
  return `SLOWLOG on ${entry.address}: ${entry.command.toUpperCase()}${key} at ${formatInstant(new Date(entry.at), now)}${entry.client ? ` from ${entry.client}` : ''}`;
}

/** The clients on the application's db whose last command removed keys, as CLIENT LIST shows them. */
function removersOnDb(evidence: Evidence) {
  return dataOf(evidence, 'clients')?.removers.filter((r) => isDeletingCommand(r.cmd) && r.db === evidence.query.db) ?? [];
}

/** `remover-named` with their names when a client that removed keys on the application's db named itself. */
export function deletionFacts(evidence: Evidence): Finding[] {
  const names = [...new Set(removersOnDb(evidence).map((r) => r.name).filter((name) => name !== ''))];
  return names.length > 0 ? [{ fact: 'remover-named', values: { removers: joinAnd(names) } }] : [];
}

export function deletionSignals(evidence: Evidence): Signal[] {
  const deletion = dataOf(evidence, 'commands.deletion');
  const signals: Signal[] = [];
  const reach = counterReach(evidence);

  if (deletion?.calls === null) {
    signals.push({ cause: 'deletion', check: 'commands.deletion', weight: 0, unknown: true, summary: 'INFO carries no commandstats here, so DEL/UNLINK/HDEL/GETDEL calls are unknown' });
  }
  if (deletion) {
    const { del, unlink, hdel, getdel } = deletion.calls ?? { del: 0, unlink: 0, hdel: 0, getdel: 0 };
    const removals = del + unlink + hdel + getdel;
    const counts = `DEL ${formatCount(del)}, UNLINK ${formatCount(unlink)}, HDEL ${formatCount(hdel)}, GETDEL ${formatCount(getdel)} calls ${reach.phrase}`;
    if (deletion.calls === null) {
      // Unknown counts say nothing either way; SLOWLOG below may still name a command.
    } else if (removals > 0) {
      signals.push({ cause: 'deletion', check: 'commands.deletion', weight: 0.35, summary: counts });
      // Keys that carried no TTL, with nothing evicted, can only have been removed by a command.
      const sample = dataOf(evidence, 'keyspace.ttl-sample');
      const memory = dataOf(evidence, 'memory');
      if (sample && sample.sampled > 0 && sample.withTtl === 0 && memory?.evictedKeys === 0) {
        signals.push({
          cause: 'deletion',
          check: 'keyspace.ttl-sample',
          weight: 0.5,
          summary: `none of the ${formatCount(sample.sampled)} sampled ${sample.pattern} keys carries a TTL and evicted_keys is 0: only a command removes such keys`,
        });
      }
    } else {
      signals.push({ cause: 'deletion', check: 'commands.deletion', weight: reach.bounded ? -0.15 : -0.75, summary: counts });
    }

    const named = deletion.slowlog.filter(
      (entry) => isDeletingCommand(entry.command) && namesQueriedKey(evidence, entry.key),
    );
    const first = named[0];
    if (first) {
      signals.push({
        cause: 'deletion',
        check: 'commands.deletion',
        weight: 0.95,
        witness: true,
        summary: `${slowlogLine(first, true, evidence.now)}${named.length > 1 ? ` (${plural(named.length, 'entry', 'entries')} name matching keys)` : ''}`,
      });
    }
  }

  const removers = removersOnDb(evidence);
  if (removers.length > 0) {
    const shown = removers.slice(0, 3).map((r) => `${clientLabel(r)} ${r.cmd.toUpperCase()}`);
    const named = removers.filter((r) => r.name !== '');
    // A client that named itself is the strongest lead there is to who removes keys: it leads the evidence.
    signals.push({
      cause: 'deletion',
      check: 'clients',
      weight: 0.2,
      ...(named.length > 0 ? { witness: true } : {}),
      summary:
        removers.length === 1 && removers[0]
          ? `client ${clientLabel(removers[0])} last ran ${removers[0].cmd.toUpperCase()} on db ${evidence.query.db} (CLIENT LIST)`
          : `${plural(removers.length, 'client')} on db ${evidence.query.db} last ran a removing command (CLIENT LIST): ${shown.join(', ')}${removers.length > 3 ? ', …' : ''}`,
    });
  }

  const rates = dataOf(evidence, 'rates');
  if (rates && rates.deletedPerSec !== null && rates.deletedPerSec > 0) {
    signals.push({
      cause: 'deletion',
      check: 'rates',
      weight: 0.15,
      summary: `${formatCount(rates.deletedPerSec)} DEL/UNLINK/GETDEL/HDEL calls/s now (${rateWindow(rates, evidence.now)})`,
    });
  }
  return signals;
}

/**
 * A replica's primary, read with the same credentials: the flushes it counted reached the replica too. They weigh only
 * where the replica's own counters cannot speak (it restarted or resynced since): otherwise they are the same flushes.
 */
function primaryFlushSignals(evidence: Evidence): Signal[] {
  const since = evidence.query.since.getTime();
  const line = keyspaceOf(evidence, evidence.query.db);
  const own = dataOf(evidence, 'commands.deletion')?.calls ?? null;
  const ownFlushes = own ? own.flushdb + own.flushall : null;
  const ownBounded = counterReach(evidence).bounded;
  return (dataOf(evidence, 'replication')?.nodes ?? []).flatMap((replica): Signal[] => {
    const read = replica.primaryRead;
    const flushes = read?.reachable ? read.flushes : null;
    if (!read || !flushes) return [];
    const start = read.restart?.startedAt ? ` (it started at ${formatInstant(new Date(read.restart.startedAt), evidence.now)})` : '';
    const counts = `FLUSHDB ${formatCount(flushes.flushdb)}, FLUSHALL ${formatCount(flushes.flushall)} calls on the primary ${read.address} since it started${start}`;
    const alone = ownFlushes === null || ownFlushes === 0;
    if (flushes.flushdb + flushes.flushall > 0) {
      return [
        { cause: 'flush', check: 'replication', weight: alone ? 0.5 : 0.05, summary: `${counts}: a flush there empties replica ${replica.address} too` },
        ...(alone && line && line.keys <= 10 ? [{ cause: 'flush' as const, check: 'keyspace.presence' as const, weight: 0.45, summary: `db ${line.db} holds ${plural(line.keys, 'key')}: emptied, as a flush leaves it` }] : []),
      ];
    }
    const startedBefore = read.restart?.startedWithin ? Date.parse(read.restart.startedWithin.to) <= since : false;
    // The primary's zero reaches further back than a replica's counters that a restart or resync cut short.
    const weight = ownFlushes === null || ownBounded ? (startedBefore ? -0.8 : -0.15) : 0;
    return [{ cause: 'flush', check: 'replication', weight, summary: `${counts}${startedBefore ? ', before the keys were last seen' : ''}` }];
  });
}

export function flushSignals(evidence: Evidence): Signal[] {
  const signals: Signal[] = primaryFlushSignals(evidence);
  const reach = counterReach(evidence);
  const line = keyspaceOf(evidence, evidence.query.db);
  const deletion = dataOf(evidence, 'commands.deletion');
  if (deletion) {
    const { flushdb, flushall } = deletion.calls ?? { flushdb: 0, flushall: 0 };
    const counts = `FLUSHDB ${formatCount(flushdb)}, FLUSHALL ${formatCount(flushall)} calls ${reach.phrase}`;
    if (deletion.calls === null) {
      signals.push({ cause: 'flush', check: 'commands.deletion', weight: 0, unknown: true, summary: 'INFO carries no commandstats here, so FLUSHDB/FLUSHALL calls are unknown' });
    } else if (flushdb + flushall > 0) {
      signals.push({ cause: 'flush', check: 'commands.deletion', weight: 0.5, summary: counts });
      if (line && line.keys <= 10) {
        signals.push({
          cause: 'flush',
          check: 'keyspace.presence',
          weight: 0.45,
          summary: `db ${line.db} holds ${plural(line.keys, 'key')}: emptied, as a flush leaves it`,
        });
      }
    } else if (flushedThroughAzure(evidence)) {
      // A flush through Resource Manager (the portal's "Flush data", a geo-replicated database's flush) is not a
      // command a client sent, so the commandstats need not count it: their zero says nothing against it.
      signals.push({ cause: 'flush', check: 'commands.deletion', weight: 0, summary: `${counts}; Azure's flush in the activity log is no client command, so these counters need not count it` });
    } else {
      signals.push({ cause: 'flush', check: 'commands.deletion', weight: reach.bounded ? -0.15 : -0.8, summary: counts });
    }
    const flushed = deletion.slowlog.find((entry) => isFlushingCommand(entry.command));
    if (flushed) {
      signals.push({
        cause: 'flush',
        check: 'commands.deletion',
        weight: 0.6,
        summary: slowlogLine(flushed, false, evidence.now),
      });
    }
  }
  // In a cluster the shard that owns the keys is judged on its own count (signals/shards.ts), not the cluster's sum.
  if (line && line.keys > 1000 && evidence.query.scope !== 'complete' && shardView(evidence) === null) {
    signals.push({
      cause: 'flush',
      check: 'keyspace.presence',
      weight: -0.3,
      summary: `db ${line.db} still holds ${plural(line.keys, 'key')}; a flush would have emptied it`,
    });
  }
  const rates = dataOf(evidence, 'rates');
  if (rates && rates.flushesInInterval !== null && rates.flushesInInterval > 0) {
    signals.push({
      cause: 'flush',
      check: 'rates',
      weight: 0.4,
      summary: `${plural(rates.flushesInInterval, 'flush', 'flushes')} while measuring (${rateWindow(rates, evidence.now)})`,
    });
  }
  const clients = dataOf(evidence, 'clients');
  const flushers = clients?.removers.filter((r) => isFlushingCommand(r.cmd)) ?? [];
  const flusher = flushers[0];
  if (flusher) {
    signals.push({
      cause: 'flush',
      check: 'clients',
      weight: 0.3,
      ...(flusher.name ? { witness: true } : {}),
      summary: `client ${clientLabel(flusher)} last ran ${flusher.cmd.toUpperCase()} on db ${flusher.db} (CLIENT LIST)`,
    });
  }
  return signals;
}

/** True when Azure's activity log dates a flush that succeeded (or may have) since the keys were last seen. */
function flushedThroughAzure(evidence: Evidence): boolean {
  const since = evidence.query.since.getTime();
  return (dataOf(evidence, 'azure.activity-log')?.events ?? []).some((e) => e.kind === 'flush' && Date.parse(e.at) >= since && e.status?.toLowerCase() !== 'failed');
}
