// Reading the data of a check this one needs, and the nodes that counters are summed over.
import type { CheckContext } from './types.ts';
import type { CheckData, CheckId } from '../domain/checks.ts';
import type { NodeRef } from '../domain/node.ts';

/** The data of `id`, which the runner guarantees succeeded because the check lists it in `needs`. */
export function neededData<K extends CheckId>(ctx: CheckContext, id: K): CheckData[K] {
  const result = ctx.results[id];
  if (result?.status !== 'ok') throw new Error(`the ${id} check has no data to read`);
  return (result as { data: CheckData[K] }).data;
}

/** The primaries among `nodes`; when pointed at a lone replica, that replica (its counters are all there is). */
export function countedNodes<N extends NodeRef>(nodes: N[]): N[] {
  const primaries = nodes.filter((node) => node.role === 'primary');
  return primaries.length > 0 ? primaries : nodes;
}
