// INFO from every node: the raw material of the memory, deletion, replication and restart checks.
import { describeError } from '../redact.ts';
import { parseInfo, roleOf } from '../redis/info.ts';
import { recogniseEndpoint } from '../redis/endpoint.ts';
import { NodeUnreachable } from '../redis/target.ts';
import type { Check } from './types.ts';
import type { InfoData } from '../domain/evidence.ts';

export const infoCheck: Check<'info'> = {
  id: 'info',
  title: 'Server information from every node',
  budgetMs: 10_000,
  needs: [],
  async run(ctx) {
    const topology = await ctx.redis.nodes();
    const nodes: InfoData['nodes'] = [];
    const unreachable: InfoData['unreachable'] = [];
    await Promise.all(
      topology.nodes.map(async (node) => {
        try {
          const gateway = await ctx.redis.gateway(node.address);
          const info = parseInfo(await gateway.info('all'));
          // A cluster names roles in CLUSTER NODES; a standalone server only in its own INFO.
          const role = node.role === 'unknown' || !topology.clusterEnabled ? roleOf(info) : node.role;
          nodes.push({ address: node.address, role, info });
        } catch (error) {
          // The address is in its own field; the reason need not repeat it.
          unreachable.push({ address: node.address, reason: error instanceof NodeUnreachable ? error.reason : describeError(error) });
        }
      }),
    );
    // Announced nodes keyloss does not follow are reported, never probed.
    for (const node of topology.notFollowed) unreachable.push({ address: node.address, reason: node.reason });
    if (nodes.length === 0) {
      throw new Error(`INFO could not be read from any node: ${unreachable.map((u) => u.reason).join('; ')}`);
    }
    const all = [...topology.nodes, ...topology.notFollowed];
    const order = (address: string) => all.findIndex((node) => node.address === address);
    nodes.sort((a, b) => order(a.address) - order(b.address));
    unreachable.sort((a, b) => order(a.address) - order(b.address));
    const seed = nodes.find((node) => node.address === ctx.redis.address) ?? nodes[0];
    const endpoint = seed ? recogniseEndpoint(ctx.redis.endpoint.host, seed.info, topology.clusterEnabled) : undefined;
    return { clusterEnabled: topology.clusterEnabled, nodes, unreachable, ...(endpoint ? { endpoint } : {}) };
  },
};
