// Memory pressure and the eviction policy, from INFO memory and stats, summed over primaries.
import { countedNodes, neededData } from './needs.ts';
import type { Check } from './types.ts';
import type { MemoryData } from '../domain/evidence.ts';

export const memoryCheck: Check<'memory'> = {
  id: 'memory',
  title: 'Memory, eviction policy and evictions',
  budgetMs: 1_000,
  needs: ['info'],
  async run(ctx) {
    const nodes = countedNodes(neededData(ctx, 'info').nodes);
    const perNode: MemoryData['nodes'] = nodes.map(({ address, info }) => ({
      address,
      usedMemory: info.memory.used_memory ?? null,
      maxmemory: info.memory.maxmemory ?? null,
      evictedKeys: info.stats.evicted_keys ?? null,
      expiredKeys: info.stats.expired_keys ?? null,
      expiredSubkeys: info.stats.expired_subkeys ?? null,
    }));
    // A sum is known only when every node said.
    const sum = (pick: (node: MemoryData['nodes'][number]) => number | null) =>
      perNode.reduce<number | null>((total, node) => (total === null || pick(node) === null ? null : total + (pick(node) ?? 0)), 0);
    const policy = nodes.map(({ info }) => info.memory.maxmemory_policy).find((value) => value !== undefined) ?? null;
    const ratios = nodes.map(({ info }) => info.memory.mem_fragmentation_ratio).filter((value) => value !== undefined);
    const exceeded = nodes.map(({ info }) => info.stats.total_eviction_exceeded_time).filter((value) => value !== undefined);
    return {
      usedMemory: sum((node) => node.usedMemory),
      // One unlimited node makes the whole cache unlimited for the question "was it full".
      maxmemory: perNode.some((node) => node.maxmemory === 0) ? 0 : sum((node) => node.maxmemory),
      policy,
      // The worst node is the one that tells.
      fragmentationRatio: ratios.length > 0 ? Math.max(...ratios) : null,
      evictedKeys: sum((node) => node.evictedKeys),
      expiredKeys: sum((node) => node.expiredKeys),
      expiredSubkeys: sum((node) => node.expiredSubkeys ?? null),
      evictionExceededMs: exceeded.length > 0 ? exceeded.reduce((a, b) => a + b, 0) : null,
      nodes: perNode,
    };
  },
};
