// Replication: a primary that was promoted (a failover) lost whatever its old primary had not yet sent it.
import type { Evidence } from '../../domain/checks.ts';
import type { ReplicationNode } from '../../domain/evidence.ts';
import type { Fact } from '../../domain/facts.ts';
import type { Signal } from '../signal.ts';
import { dataOf, effectiveTier, endpointOf, restartsInWindow, restartsUnordered, windowMs } from '../evidence.ts';
import { PROXY_EVIDENCE_ELSEWHERE } from '../../domain/endpoint.ts';
import { formatBytes, formatCount, formatDuration, formatInstant } from '../../domain/format.ts';

export function replicationSignals(evidence: Evidence): Signal[] {
  const signals: Signal[] = [];
  const { tier } = effectiveTier(evidence);
  if (tier === 'basic') {
    signals.push({
      cause: 'replication',
      check: dataOf(evidence, 'azure.resource') ? 'azure.resource' : 'replication',
      weight: -1,
      rulesOut: true,
      summary: 'Basic tier: a single node with no replica, so no failover can lose writes',
    });
    return signals;
  }
  const replication = dataOf(evidence, 'replication');
  if (!replication) return signals;
  // A primary whose INFO leaves out master_replid2 (a Redis Enterprise proxy) cannot say whether it was promoted.
  const unreadable = replication.nodes.filter((node) => node.role === 'primary' && node.promotionReadable === false);
  if (unreadable.length > 0) {
    const proxy = endpointOf(evidence)?.proxy === true;
    signals.push({
      cause: 'replication',
      check: 'replication',
      weight: 0,
      unknown: true,
      summary:
        `${unreadable.map((node) => node.address).join(', ')}: INFO gives no master_replid2 or second_repl_offset` +
        (proxy
          ? `, as a Redis Enterprise proxy answers, so whether a shard failed over and lost writes cannot be read here; ${PROXY_EVIDENCE_ELSEWHERE} would show it`
          : ', so whether it was promoted (a failover) is unknown'),
    });
  }
  const primaries = replication.nodes.filter((node) => node.role === 'primary' && node.promotionReadable !== false);
  const promoted = primaries.filter((node) => node.promoted);
  for (const node of promoted) {
    const since = node.promotedAtOffset === null || node.masterReplOffset === null ? null : node.masterReplOffset - node.promotedAtOffset + 1;
    signals.push({
      cause: 'replication',
      check: 'replication',
      weight: 0.65,
      summary:
        `${node.address} was a replica promoted to primary at offset ${formatCount(node.promotedAtOffset ?? 0)} (master_replid2 set)` +
        `${since !== null && since >= 0 ? `; ${formatBytes(since)} written since` : ''}: writes its old primary had not sent were lost`,
    });
  }
  if (promoted.length === 0 && primaries.length > 0) {
    // A restart clears master_replid2, so a restarted node (or one that may have restarted) can no longer show an earlier promotion.
    const restarted = new Set([...restartsInWindow(evidence), ...restartsUnordered(evidence)].map((node) => node.address));
    const blind = primaries.filter((node) => restarted.has(node.address));
    const withReplicas = primaries.filter((node) => (node.connectedReplicas ?? 0) > 0).length;
    const replicasUnknown = primaries.some((node) => node.connectedReplicas === null);
    signals.push({
      cause: 'replication',
      check: 'replication',
      weight: blind.length > 0 ? -0.2 : -0.6,
      summary:
        `${primaries.length === 1 ? `primary ${primaries[0]?.address} was` : `none of ${primaries.length} primaries was`} never promoted (master_replid2 all zeros)` +
        `${withReplicas === 0 && !replicasUnknown ? '; no replica connected' : ''}${blind.length > 0 ? '; but a restart in the window clears that record' : ''}`,
    });
  }
  for (const node of replication.nodes.filter((n) => n.role === 'replica')) signals.push(...replicaSignals(node, evidence));
  for (const primary of primaries) {
    const lagging = primary.replicas.flatMap((r) => (r.lagBytes !== null && r.lagBytes > 1024 * 1024 ? [r.lagBytes] : []));
    if (lagging.length > 0) {
      signals.push({
        cause: 'replication',
        check: 'replication',
        weight: 0.1,
        summary: `replicas of ${primary.address} lag by up to ${formatBytes(Math.max(...lagging))}: a failover now would lose that`,
      });
    }
  }
  return signals;
}

export function replicationFacts(evidence: Evidence): Fact[] {
  const facts: Fact[] = [];
  const replication = dataOf(evidence, 'replication');
  if (replication?.nodes.some((node) => node.promoted)) facts.push('promoted');
  if (replication?.nodes.some((node) => replicaSignals(node, evidence).some((signal) => signal.weight >= 0.5))) facts.push('replica-behind');
  const { tier } = effectiveTier(evidence);
  const clustered = dataOf(evidence, 'info')?.clusterEnabled ?? false;
  // A proxy's connected_slaves:0 is the proxy's: whether shards have replicas is ARM's to say (high availability).
  const lonePrimaries =
    replication !== null &&
    !clustered &&
    endpointOf(evidence)?.proxy !== true &&
    replication.nodes.length > 0 &&
    replication.nodes.every((node) => node.role === 'primary' && node.connectedReplicas === 0);
  if (tier === 'basic' || (tier === null && lonePrimaries)) facts.push('no-replica');
  return facts;
}

/** A primary pings its replicas every 10 s (repl-ping-replica-period): longer silence means the link is stalled. */
const PING_PERIOD_S = 10;
/** master_link_down_since_seconds and master_last_io_seconds_ago are whole seconds. */
const SECOND_MS = 1000;

/**
 * A replica cannot hold what was written after its link to the primary went down (or went silent): the more of the
 * window since the keys were last seen that the outage covers, the likelier replication explains the loss. Read on
 * the primary with the same credentials, present there and missing here is proof.
 */
function replicaSignals(node: ReplicationNode, evidence: Evidence): Signal[] {
  const signals: Signal[] = [];
  const window = windowMs(evidence);
  const seen = formatInstant(evidence.query.since, evidence.now);
  const primary = node.masterAddress ?? 'its primary';
  const down = node.masterLinkStatus === 'down' ? node.masterLinkDownSinceSeconds : null;
  const silent = node.masterLinkStatus === 'up' && (node.masterLastIoSecondsAgo ?? -1) > PING_PERIOD_S ? (node.masterLastIoSecondsAgo ?? null) : null;
  const outage = down !== null && down >= 0 ? { seconds: down, what: 'has had no link to' as const, field: 'master_link_down_since_seconds' } :
    silent !== null ? { seconds: silent, what: 'has heard nothing from' as const, field: 'master_last_io_seconds_ago' } : null;
  if (outage) {
    const outageMs = outage.seconds * SECOND_MS;
    // To the second: an outage within a second of the window covers it.
    const covers = outageMs + SECOND_MS >= window;
    const share = Math.min(1, outageMs / Math.max(1, window));
    signals.push({
      cause: 'replication',
      check: 'replication',
      weight: covers ? 0.7 : Math.round((0.2 + 0.4 * share) * 100) / 100,
      summary: covers
        ? `replica ${node.address} ${outage.what} ${primary} for ${formatDuration(outageMs)} (${outage.field}), since before the keys were last seen at ${seen}: it cannot hold anything written since`
        : `replica ${node.address} ${outage.what} ${primary} for ${formatDuration(outageMs)} (${outage.field}) of the ${formatDuration(window)} since the keys were last seen: writes in that part of the window never reached it`,
    });
  } else if (node.masterLinkStatus === 'down') {
    signals.push({ cause: 'replication', check: 'replication', weight: 0.2, summary: `replica ${node.address} has lost its link to ${primary}` });
  }

  const read = node.primaryRead;
  if (!read) return signals;
  if (!read.reachable) {
    signals.push({ cause: 'replication', check: 'replication', weight: 0, summary: `the primary ${read.address} could not be read to compare (${read.reason ?? 'unreachable'})` });
    return signals;
  }
  const behind = read.offset !== null && node.replicaOffset !== null && node.replicaOffset !== undefined && read.offset > node.replicaOffset
    ? `; the replica is ${formatBytes(read.offset - node.replicaOffset)} of replication stream behind (offset ${formatCount(node.replicaOffset)} of ${formatCount(read.offset)})`
    : '';
  const presence = dataOf(evidence, 'keyspace.presence');
  const { key, db } = evidence.query;
  const here = presence ? (presence.matches.find((m) => m.db === db)?.count ?? 0) : null;
  const there = read.count ?? 0;
  if (here === null) return signals;
  if (there > here) {
    const what = presence?.isPattern
      ? `${formatCount(there)}${read.complete ? '' : '+'} keys match ${key} on the primary ${read.address} but ${formatCount(here)} on replica ${node.address}`
      : `${key} exists on the primary ${read.address} (db ${db}) but not on replica ${node.address}`;
    signals.push({
      cause: 'replication',
      check: 'replication',
      weight: 0.95,
      summary: `${what}, read with the same credentials${behind}: the application reads a replica that is behind`,
    });
  } else if (there === 0 && here === 0) {
    signals.push({
      cause: 'replication',
      check: 'replication',
      weight: -0.5,
      summary: `${presence?.isPattern ? `no key matches ${key}` : `${key} is missing`} on the primary ${read.address} too${behind}: the replica's lag is not why it is missing`,
    });
  }
  return signals;
}
