// Which checks a set of checks needs, reading the data of a check this one needs, and the nodes counters are summed over.
import type { Check, CheckContext } from './types.ts';
import type { CheckData, CheckId } from '../domain/checks.ts';
import type { NodeRef } from '../domain/node.ts';

/** The checks asked for and, transitively, the checks among `checks` whose data they read. */
export function withNeeds(checks: readonly Pick<Check, 'id' | 'needs'>[], ids: readonly CheckId[]): Set<CheckId> {
  const out = new Set<CheckId>();
  const add = (id: CheckId): void => {
    if (out.has(id)) return;
    out.add(id);
    for (const need of checks.find((check) => check.id === id)?.needs ?? []) add(need);
  };
  ids.forEach(add);
  return out;
}

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
