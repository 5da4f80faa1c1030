// Replication: which primary was promoted (a failover), replica offsets and lag, replica link status.
import { wasPromoted } from '../redis/info.ts';
import { describeEndpoint } from '../redis/url.ts';
import { neededData } from './needs.ts';
import type { Check } from './types.ts';
import type { ReplicationNode } from '../domain/evidence.ts';

export const replicationCheck: Check<'replication'> = {
  id: 'replication',
  title: 'Replication and failovers',
  budgetMs: 1_000,
  needs: ['info'],
  async run(ctx) {
    const info = neededData(ctx, 'info');
    const nodes: ReplicationNode[] = [];
    for (const { address, role, info: node } of info.nodes) {
      if (role === 'unknown') continue;
      const offset = node.replication.master_repl_offset ?? 0;
      const promoted = role === 'primary' && wasPromoted(node);
      const link = node.replication.master_link_status;
      nodes.push({
        address,
        role,
        promoted,
        promotedAtOffset: promoted ? (node.replication.second_repl_offset ?? null) : null,
        masterReplOffset: offset,
        connectedReplicas: node.replication.connected_slaves ?? 0,
        replicas: node.replicas.map((replica) => ({
          address: describeEndpoint({ host: replica.ip, port: replica.port }),
          offset: replica.offset,
          lagBytes: Math.max(0, offset - replica.offset),
          lagSeconds: replica.lag,
          state: replica.state,
        })),
        masterLinkStatus: role === 'replica' ? (link === 'up' ? 'up' : link === 'down' ? 'down' : null) : null,
        masterLinkDownSinceSeconds: role === 'replica' ? (node.replication.master_link_down_since_seconds ?? null) : null,
      });
    }
    return { nodes };
  },
};
