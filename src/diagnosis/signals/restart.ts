// Instance failure: a node that restarted inside the window without persistence comes back empty.
import type { Evidence } from '../../domain/checks.ts';
import type { Fact } from '../../domain/facts.ts';
import type { Signal } from '../signal.ts';
import { dataOf, effectiveTier, keyspaceOf, primaryRestarts, restartsInWindow, restartsUnordered, startInterval, type PrimaryRestart } from '../evidence.ts';
import { formatCount, formatDuration, formatInstant, formatInstantMs, plural } from '../../domain/format.ts';
import { shardView } from '../shards.ts';
import { PROXY_EVIDENCE_ELSEWHERE } from '../../domain/endpoint.ts';

export function restartSignals(evidence: Evidence): Signal[] {
  const restart = dataOf(evidence, 'persistence.restart');
  if (!restart || restart.nodes.length === 0) return [];
  const line = keyspaceOf(evidence, evidence.query.db);
  const pairs = primaryRestarts(evidence);
  const signals: Signal[] = pairs.flatMap((pair) => replicaOfRestartedPrimary(pair, evidence));
  const restarted = restartsInWindow(evidence);
  const emptiedReplicas = new Set(pairs.map((pair) => pair.replica.address));

  if (restarted.length === 0) {
    const proxied = restart.nodes.filter((node) => node.proxyUptimeSeconds !== undefined);
    for (const node of proxied) {
      // A shard behind the proxy restarts or fails over where the client cannot see: only Azure or a record can show it.
      const uptime = node.proxyUptimeSeconds === null || node.proxyUptimeSeconds === undefined ? '' : ` (${formatDuration(node.proxyUptimeSeconds * 1000)})`;
      signals.push({
        cause: 'instance-failure',
        check: 'persistence.restart',
        weight: 0,
        unknown: true,
        summary:
          `${node.address} answers through a Redis Enterprise proxy: its uptime${uptime} is the proxy's, not a shard's, so whether a shard restarted or failed over ` +
          `since the keys were last seen cannot be read here; ${PROXY_EVIDENCE_ELSEWHERE} would show it`,
      });
    }
    const unknown = restart.nodes.filter((node) => node.uptimeSeconds === null && node.proxyUptimeSeconds === undefined);
    if (unknown.length > 0) {
      // No uptime, no start time: neither a restart nor its absence can be read from this node.
      signals.push({
        cause: 'instance-failure',
        check: 'persistence.restart',
        weight: 0,
        unknown: true,
        summary: `${unknown.map((node) => node.address).join(', ')}: INFO gives no usable uptime_in_seconds, so when ${unknown.length === 1 ? 'it' : 'they'} last started is unknown`,
      });
    }
    const unordered = restartsUnordered(evidence);
    for (const node of unordered) {
      const { from, to } = startInterval(node);
      const after = [node.persistenceOff ? 'persistence is off' : '', line && line.keys <= 10 ? `db ${line.db} holds ${plural(line.keys, 'key')}` : ''].filter(Boolean).join(' and ');
      // Below the 0.3 a cause needs to be likely: a restart that may have come before the keys were last seen stays possible.
      signals.push({
        cause: 'instance-failure',
        check: 'persistence.restart',
        weight: 0.29,
        unknown: true,
        summary:
          `${node.address} started between ${formatInstant(new Date(from), evidence.now)} and ${formatInstant(new Date(to), evidence.now)} (uptime_in_seconds ${node.uptimeSeconds}, whole seconds), ` +
          `so whether it restarted before or after the keys were last seen at ${formatInstantMs(evidence.query.since, evidence.now)} cannot be told` +
          (after ? `; ${after}, so if after, it came back without them` : ''),
      });
    }
    const ordered = new Set(unordered.map((node) => node.address));
    // A replica whose primary restarted holds what the primary sent it since: its own uptime clears nothing.
    for (const node of restart.nodes.filter((n) => n.uptimeSeconds !== null && emptiedReplicas.has(n.address) && !ordered.has(n.address))) {
      signals.push({
        cause: 'instance-failure',
        check: 'persistence.restart',
        weight: 0,
        summary: `replica ${node.address} itself has been up ${formatDuration((node.uptimeSeconds ?? 0) * 1000)}, since before the keys were last seen, but it holds what its primary sent it`,
      });
    }
    const known = restart.nodes.filter(
      (node): node is typeof node & { uptimeSeconds: number } => node.uptimeSeconds !== null && !ordered.has(node.address) && !emptiedReplicas.has(node.address),
    );
    if (known.length === 0) return signals;
    const youngest = known.reduce((a, b) => (a.uptimeSeconds < b.uptimeSeconds ? a : b));
    const doubt = unknown.length > 0 || unordered.length > 0;
    signals.push({
      cause: 'instance-failure',
      check: 'persistence.restart',
      weight: doubt ? -0.3 : -0.85,
      summary: `${known.length === 1 ? youngest.address : `${doubt ? 'every other node' : 'every node'}; the youngest, ${youngest.address},`} has been up ${formatDuration(youngest.uptimeSeconds * 1000)}, since before the keys were last seen`,
    });
    return signals;
  }

  for (const node of restarted) {
    signals.push({
      cause: 'instance-failure',
      check: 'persistence.restart',
      weight: 0.45,
      summary: `${node.address} restarted at ${formatInstant(new Date(node.startedAt), evidence.now)} (up ${uptimeWords(node.uptimeSeconds)}), after the keys were last seen at ${formatInstant(evidence.query.since, evidence.now)}`,
    });
    if (node.persistenceOff) {
      signals.push({
        cause: 'instance-failure',
        check: 'persistence.restart',
        weight: 0.25,
        summary: `${node.address} has persistence off (no RDB saves, AOF off): it came back with only what was written since`,
      });
    } else if (node.rdbLastLoadKeysLoaded !== null && node.rdbLastLoadKeysLoaded > 0) {
      signals.push({
        cause: 'instance-failure',
        check: 'persistence.restart',
        weight: -0.2,
        summary: `${node.address} loaded ${plural(node.rdbLastLoadKeysLoaded, 'key')} from disk at start (rdb_last_load_keys_loaded)`,
      });
    }
    const served = dataOf(evidence, 'replication')?.nodes.find((n) => n.address === node.address && n.role === 'primary');
    if (served && (served.fullSyncs ?? 0) > 0 && served.replicas.length > 0) {
      signals.push({
        cause: 'instance-failure',
        check: 'replication',
        weight: 0.1,
        summary: `${node.address} served ${plural(served.fullSyncs ?? 0, 'full resync')} since it restarted (sync_full), to ${served.replicas.map((r) => `replica ${r.address}`).join(', ')}: a replica's copy is replaced by what the restarted primary holds, so none survived there`,
      });
    }
    if (node.loading) {
      signals.push({
        cause: 'instance-failure',
        check: 'persistence.restart',
        weight: 0.2,
        summary: `${node.address} is still loading its data from disk`,
      });
    }
  }
  const presence = dataOf(evidence, 'keyspace.presence');
  const elsewhere = presence && !presence.present ? presence.matches.filter((m) => m.db !== presence.db && m.count > 0) : [];
  if (presence && elsewhere.length > 0) {
    signals.push({
      cause: 'instance-failure',
      check: 'keyspace.presence',
      weight: -0.3,
      summary: `${presence.isPattern ? `keys matching ${presence.pattern}` : presence.pattern} exist in ${elsewhere.map((m) => `db ${m.db}`).join(', ')} after the restart: they were written to another db since, and a restart does not move keys between dbs`,
    });
  }
  // In a cluster the restarted shard is compared with the others (signals/shards.ts), not the cluster's sum.
  if (line && shardView(evidence) === null) {
    if (line.keys <= 10) {
      signals.push({
        cause: 'instance-failure',
        check: 'keyspace.presence',
        weight: 0.3,
        summary: `db ${line.db} holds ${plural(line.keys, 'key')} after the restart`,
      });
    } else if (line.keys > 1000) {
      signals.push({
        cause: 'instance-failure',
        check: 'keyspace.presence',
        weight: -0.25,
        summary: `db ${line.db} holds ${formatCount(line.keys)} keys: most data survived or was rewritten`,
      });
    }
  }
  if (effectiveTier(evidence).tier === 'basic') {
    signals.push({
      cause: 'instance-failure',
      check: dataOf(evidence, 'azure.resource') ? 'azure.resource' : 'persistence.restart',
      weight: 0.15,
      summary: 'Basic tier: one node and no replica to take over, so a restart loses the data',
    });
  }
  return signals;
}

export function restartFacts(evidence: Evidence): Fact[] {
  const restart = dataOf(evidence, 'persistence.restart');
  const facts: Fact[] = [];
  if (restartsInWindow(evidence).length > 0) facts.push('restarted-in-window');
  if (restart?.nodes.some((node) => node.persistenceOff === true)) facts.push('persistence-off');
  return facts;
}

/**
 * A replica whose primary restarted after the keys were last seen: a primary without persistence comes back empty and
 * with a new replication history, so its replicas can only full-resync to it, emptying them too.
 */
function replicaOfRestartedPrimary(pair: PrimaryRestart, evidence: Evidence): Signal[] {
  const { replica, read, primary, order } = pair;
  const seen = formatInstantMs(evidence.query.since, evidence.now);
  if (order === 'unordered') {
    const { from, to } = startInterval(primary);
    return [
      {
        cause: 'instance-failure',
        check: 'replication',
        weight: 0.29,
        unknown: true,
        summary:
          `the primary ${read.address} of replica ${replica.address} started between ${formatInstant(new Date(from), evidence.now)} and ${formatInstant(new Date(to), evidence.now)} ` +
          `(uptime_in_seconds ${primary.uptimeSeconds}, whole seconds), so whether it restarted before or after the keys were last seen at ${seen} cannot be told`,
      },
    ];
  }
  const signals: Signal[] = [
    {
      cause: 'instance-failure',
      check: 'replication',
      weight: 0.45,
      summary: `the primary ${read.address} of replica ${replica.address} restarted at ${formatInstant(new Date(primary.startedAt), evidence.now)} (up ${uptimeWords(primary.uptimeSeconds)}), after the keys were last seen at ${seen}`,
    },
  ];
  if (primary.persistenceOff) {
    signals.push({ cause: 'instance-failure', check: 'replication', weight: 0.25, summary: `the primary ${read.address} has persistence off (no RDB saves, AOF off): it came back empty` });
  } else if (primary.rdbLastLoadKeysLoaded !== null && primary.rdbLastLoadKeysLoaded > 0) {
    signals.push({ cause: 'instance-failure', check: 'replication', weight: -0.2, summary: `the primary ${read.address} loaded ${plural(primary.rdbLastLoadKeysLoaded, 'key')} from disk at start (rdb_last_load_keys_loaded)` });
  }
  const follows = read.replid !== null && read.replid !== undefined && read.replid === replica.replid;
  if (follows && (read.fullSyncs ?? 0) > 0) {
    signals.push({
      cause: 'instance-failure',
      check: 'replication',
      weight: 0.3,
      summary: `replica ${replica.address} full-resynced from it: the primary served ${plural(read.fullSyncs ?? 0, 'full resync')} since its restart (sync_full) and the replica follows its new replication id (master_replid ${read.replid?.slice(0, 8)}…), so the replica holds only what the primary held after the restart`,
    });
  }
  return signals;
}

/** INFO's uptime_in_seconds is whole seconds: 0 is "under 1 s", never "0 ms". */
function uptimeWords(seconds: number): string {
  return seconds < 1 ? 'under 1 s' : formatDuration(seconds * 1000);
}
