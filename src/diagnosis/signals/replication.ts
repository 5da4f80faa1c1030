// Replication: a primary that was promoted (a failover) lost whatever its old primary had not yet sent it.
import type { Evidence } from '../../domain/checks.ts';
import type { Fact } from '../../domain/facts.ts';
import type { Signal } from '../signal.ts';
import { dataOf, effectiveTier, restartsInWindow } from '../evidence.ts';
import { formatBytes, formatCount, formatDuration } from '../../domain/format.ts';

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
  const primaries = replication.nodes.filter((node) => node.role === 'primary');
  const promoted = primaries.filter((node) => node.promoted);
  for (const node of promoted) {
    const since = node.promotedAtOffset === null ? null : node.masterReplOffset - node.promotedAtOffset + 1;
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
    // A restart clears master_replid2, so a restarted node can no longer show an earlier promotion.
    const restarted = new Set(restartsInWindow(evidence).map((node) => node.address));
    const blind = primaries.filter((node) => restarted.has(node.address));
    const withReplicas = primaries.filter((node) => node.connectedReplicas > 0).length;
    signals.push({
      cause: 'replication',
      check: 'replication',
      weight: blind.length > 0 ? -0.2 : -0.6,
      summary:
        `${primaries.length === 1 ? `primary ${primaries[0]?.address} was` : `none of ${primaries.length} primaries was`} never promoted (master_replid2 all zeros)` +
        `${withReplicas === 0 ? '; no replica connected' : ''}${blind.length > 0 ? '; but a restart in the window clears that record' : ''}`,
    });
  }
  for (const node of replication.nodes.filter((n) => n.role === 'replica' && n.masterLinkStatus === 'down')) {
    signals.push({
      cause: 'replication',
      check: 'replication',
      weight: 0.2,
      summary: `replica ${node.address} has lost its primary${node.masterLinkDownSinceSeconds !== null ? ` for ${formatDuration(node.masterLinkDownSinceSeconds * 1000)}` : ''}`,
    });
  }
  for (const primary of primaries) {
    const lagging = primary.replicas.filter((r) => r.lagBytes > 1024 * 1024);
    if (lagging.length > 0) {
      signals.push({
        cause: 'replication',
        check: 'replication',
        weight: 0.1,
        summary: `replicas of ${primary.address} lag by up to ${formatBytes(Math.max(...lagging.map((r) => r.lagBytes)))}: a failover now would lose that`,
      });
    }
  }
  return signals;
}

export function replicationFacts(evidence: Evidence): Fact[] {
  const facts: Fact[] = [];
  const replication = dataOf(evidence, 'replication');
  if (replication?.nodes.some((node) => node.promoted)) facts.push('promoted');
  const { tier } = effectiveTier(evidence);
  const clustered = dataOf(evidence, 'info')?.clusterEnabled ?? false;
  const lonePrimaries =
    replication !== null &&
    !clustered &&
    replication.nodes.length > 0 &&
    replication.nodes.every((node) => node.role === 'primary' && node.connectedReplicas === 0);
  if (tier === 'basic' || (tier === null && lonePrimaries)) facts.push('no-replica');
  return facts;
}
