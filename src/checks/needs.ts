// Reading the data of a check this one needs, and the nodes that counters are summed over.
import type { CheckContext, CheckData, CheckId, InfoData } from './types.ts';

/** The data of `id`, which the runner guarantees succeeded because the check lists it in `needs`. */
export function neededData<K extends CheckId>(ctx: CheckContext, id: K): CheckData[K] {
  const result = ctx.results[id];
  if (!result || result.status !== 'ok') throw new Error(`the ${id} check has no data to read`);
  return (result as { data: CheckData[K] }).data;
}

/** The primaries INFO was read from; when pointed at a lone replica, that replica (its counters are all there is). */
export function countedNodes(info: InfoData): InfoData['nodes'] {
  const primaries = info.nodes.filter((node) => node.role === 'primary');
  return primaries.length > 0 ? primaries : info.nodes;
}
