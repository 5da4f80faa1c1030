// Checks what the schema cannot: names that must point somewhere (nodes, slots, checks, causes, facts) and a graph that always ends.
import { CHECK_IDS, isCheckId } from '../domain/checks.ts';
import { CAUSE_IDS, isCauseId } from '../domain/causes.ts';
import { FACT_VALUES, FACTS, isFact, isFactValue } from '../domain/facts.ts';
import { placeholdersOf, type CauseWords, type Condition, type Fix, type Next, type QuestionNode, type RunbookNode } from './schema.ts';
import type { IssuePath, RunbookIssue } from './schema-issues.ts';
import { closest, didYouMean } from './suggest.ts';

/** What a runbook file holds, node by node; `null` marks a node or cause whose own shape is invalid (reported elsewhere). */
export interface RunbookParts {
  start: string | undefined;
  nodes: ReadonlyMap<string, RunbookNode | null>;
  causes: ReadonlyMap<string, CauseWords | null> | null;
}

interface Edge {
  to: string;
  path: IssuePath;
}

interface Branch {
  when: Condition | undefined;
  path: IssuePath;
}

function nextEdges(next: Next, path: IssuePath): Edge[] {
  if (typeof next === 'string') return [{ to: next, path }];
  return next.map((branch, i) => ({ to: branch.next, path: [...path, i, 'next'] }));
}

function edgesOf(id: string, node: RunbookNode): Edge[] {
  if (node.kind === 'conclusion') return [];
  const edges = nextEdges(node.next, ['nodes', id, 'next']);
  if (node.kind === 'question') {
    (node.options ?? []).forEach((option, i) => {
      if (option.next !== undefined) edges.push({ to: option.next, path: ['nodes', id, 'options', i, 'next'] });
    });
  }
  return edges;
}

function branchesOf(id: string, node: RunbookNode): Branch[] {
  if (node.kind === 'conclusion' || typeof node.next === 'string') return [];
  return node.next.map((branch, i) => ({ when: branch.when, path: ['nodes', id, 'next', i] }));
}

/** Every node reachable from `from` (including itself) following `next` edges to nodes that exist. */
function reachableFrom(from: string, successors: ReadonlyMap<string, string[]>): Set<string> {
  const seen = new Set<string>([from]);
  const queue = [from];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const to of successors.get(id) ?? []) {
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}

/** Every cross-reference problem in a runbook; graph-wide rules run only when every node is valid. */
export function checkReferences(parts: RunbookParts): RunbookIssue[] {
  const issues: RunbookIssue[] = [];
  const ids = [...parts.nodes.keys()];
  const valid = [...parts.nodes].filter((entry): entry is [string, RunbookNode] => entry[1] !== null);
  const complete = valid.length === ids.length && parts.start !== undefined;
  const noNode = (to: string) => `no node named "${to}"${didYouMean(to, ids)}`;

  if (parts.start !== undefined && !parts.nodes.has(parts.start)) issues.push({ path: ['start'], message: noNode(parts.start) });
  const start = parts.start === undefined || parts.nodes.has(parts.start) ? parts.start : closest(parts.start, ids);

  // A `next` to no node is one mistake: the graph rules below read it as the node it was surely meant to name (the one
  // did-you-mean suggests), so what it leaves unreachable or unasked is not reported again. When no node comes close,
  // the graph is unknown and those rules wait until the name is fixed.
  let graphKnown = parts.start === undefined || start !== undefined;
  const successors = new Map<string, string[]>();
  for (const [id, node] of valid) {
    const edges = edgesOf(id, node);
    const targets: string[] = [];
    for (const edge of edges) {
      if (parts.nodes.has(edge.to)) {
        targets.push(edge.to);
        continue;
      }
      issues.push({ path: edge.path, message: noNode(edge.to) });
      const meant = closest(edge.to, ids);
      if (meant === undefined) graphKnown = false;
      else targets.push(meant);
    }
    successors.set(id, targets);
    issues.push(...checkBranchOrder(id, node));
    if (node.kind === 'check') issues.push(...checkCheckIds(id, node.checks));
    if (node.kind === 'question') issues.push(...checkOptions(id, node));
  }

  if (complete && graphKnown) {
    const reach = new Map(valid.map(([id]) => [id, reachableFrom(id, successors)]));
    const questions = valid.filter((entry): entry is [string, QuestionNode] => entry[1].kind === 'question');
    issues.push(...checkConditions(valid, questions, reach));
    issues.push(...checkSharedSlots(questions, reach));
    const fromStart = reach.get(start ?? '') ?? new Set<string>();
    for (const id of ids) {
      if (!fromStart.has(id)) issues.push({ path: ['nodes', id], message: `unreachable: no path from start "${start}" leads here` });
    }
    issues.push(...checkLoops(valid, successors, fromStart));
  }

  if (parts.causes !== null) issues.push(...checkCauses(parts.causes));
  return issues;
}

function checkBranchOrder(id: string, node: RunbookNode): RunbookIssue[] {
  const branches = branchesOf(id, node);
  const issues: RunbookIssue[] = [];
  branches.forEach((branch, i) => {
    const last = i === branches.length - 1;
    if (!last && branch.when === undefined) {
      issues.push({ path: branch.path, message: 'only the last branch may leave out "when": the branches after this one are never taken' });
    }
    if (last && branch.when !== undefined) {
      issues.push({
        path: [...branch.path, 'when'],
        message: 'the last branch needs no "when", so that there is somewhere to go when no condition holds',
      });
    }
  });
  return issues;
}

function checkCheckIds(id: string, checks: readonly string[]): RunbookIssue[] {
  const issues: RunbookIssue[] = [];
  checks.forEach((check, i) => {
    const path = ['nodes', id, 'checks', i];
    if (!isCheckId(check)) issues.push({ path, message: `unknown check "${check}"${didYouMean(check, CHECK_IDS)}` });
    else if (checks.indexOf(check) !== i) issues.push({ path, message: `duplicate check "${check}" (also checks[${checks.indexOf(check)}])` });
  });
  return issues;
}

function checkOptions(id: string, question: QuestionNode): RunbookIssue[] {
  const issues: RunbookIssue[] = [];
  const first = new Map<string, number>();
  (question.options ?? []).forEach((option, i) => {
    const earlier = first.get(option.value);
    if (earlier !== undefined) {
      issues.push({ path: ['nodes', id, 'options', i, 'value'], message: `duplicate option value "${option.value}" (also options[${earlier}])` });
    } else first.set(option.value, i);
  });
  return issues;
}

/** The answers a slot can hold when only option questions fill it; undefined when free text can fill it. */
function possibleAnswers(fillers: ReadonlyArray<[string, QuestionNode]>): Set<string> | undefined {
  if (fillers.some(([, q]) => q.text !== undefined)) return undefined;
  // "" is what a skipped or never-asked slot holds.
  const values = new Set<string>(['']);
  for (const [, q] of fillers) {
    for (const option of q.options ?? []) values.add(option.value);
    if (q.skip) values.add(q.skip.value);
  }
  return values;
}

function checkConditions(
  valid: ReadonlyArray<[string, RunbookNode]>,
  questions: ReadonlyArray<[string, QuestionNode]>,
  reach: ReadonlyMap<string, Set<string>>,
): RunbookIssue[] {
  const issues: RunbookIssue[] = [];
  const slots = [...new Set(questions.map(([, q]) => q.slot))];
  const checkIds = valid.filter(([, node]) => node.kind === 'check').map(([id]) => id);
  for (const [id, node] of valid) {
    for (const branch of branchesOf(id, node)) {
      const when = branch.when;
      if (when === undefined) continue;
      const whenPath = [...branch.path, 'when'];
      if (when.answer !== undefined) {
        const fillers = questions.filter(([, q]) => q.slot === when.answer);
        if (fillers.length === 0) {
          issues.push({ path: [...whenPath, 'answer'], message: `no question fills slot "${when.answer}"${didYouMean(when.answer, slots)}` });
        } else if (!fillers.some(([qid]) => reach.get(qid)?.has(id))) {
          issues.push({
            path: [...whenPath, 'answer'],
            message: `slot "${when.answer}" is only asked after this node (by ${fillers.map(([qid]) => `"${qid}"`).join(', ')}), so the condition never sees an answer`,
          });
        } else {
          const allowed = possibleAnswers(fillers);
          (when.in ?? []).forEach((value, i) => {
            if (allowed !== undefined && !allowed.has(value)) {
              const listed = [...allowed].filter((v) => v !== '').map((v) => `"${v}"`).join(', ');
              issues.push({
                path: [...whenPath, 'in', i],
                message: `"${value}" is not an answer slot "${when.answer}" can hold (${listed}, or "" when skipped)${didYouMean(value, allowed)}`,
              });
            }
          });
        }
      }
      const findings = when.verdict !== undefined || when.topCause !== undefined || when.keyType !== undefined;
      if (findings && node.kind !== 'check' && !checkIds.some((c) => reach.get(c)?.has(id))) {
        issues.push({ path: whenPath, message: `${when.keyType !== undefined ? '"verdict", "topCause" and "keyType"' : '"verdict" and "topCause"'} are known only after a check node, and no check node comes before this one` });
      }
    }
  }
  return issues;
}

/** Two questions may fill one slot only on alternative branches: on one path the second answer would silently replace the first. */
function checkSharedSlots(questions: ReadonlyArray<[string, QuestionNode]>, reach: ReadonlyMap<string, Set<string>>): RunbookIssue[] {
  const issues: RunbookIssue[] = [];
  questions.forEach(([laterId, later], i) => {
    for (const [earlierId, earlier] of questions.slice(0, i)) {
      if (earlier.slot !== later.slot) continue;
      if (reach.get(earlierId)?.has(laterId) || reach.get(laterId)?.has(earlierId)) {
        issues.push({
          path: ['nodes', laterId, 'slot'],
          message: `slot "${later.slot}" is also filled by question "${earlierId}" on the same path; two questions may share a slot only on alternative branches`,
        });
      }
    }
  });
  return issues;
}

/** Loops that no path leaves for a conclusion: a session entering them would never end. */
function checkLoops(
  valid: ReadonlyArray<[string, RunbookNode]>,
  successors: ReadonlyMap<string, string[]>,
  fromStart: ReadonlySet<string>,
): RunbookIssue[] {
  const predecessors = new Map<string, string[]>();
  for (const [from, tos] of successors) for (const to of tos) predecessors.set(to, [...(predecessors.get(to) ?? []), from]);
  const canFinish = new Set<string>();
  const queue = valid.filter(([, node]) => node.kind === 'conclusion').map(([id]) => id);
  for (const id of queue) canFinish.add(id);
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const from of predecessors.get(id) ?? []) {
      if (!canFinish.has(from)) {
        canFinish.add(from);
        queue.push(from);
      }
    }
  }
  const stuck = valid.map(([id]) => id).filter((id) => fromStart.has(id) && !canFinish.has(id));
  const issues: RunbookIssue[] = [];
  const reported = new Set<string>();
  for (const id of stuck) {
    if (reported.has(id)) continue;
    const loop = loopThrough(id, successors);
    // A stuck node outside any loop only leads into one; the loop itself is reported.
    if (loop === null || loop.some((n) => reported.has(n))) continue;
    for (const n of loop) reported.add(n);
    issues.push({
      path: ['nodes', id],
      message: `the loop ${[...loop, id].join(' → ')} has no way out: no conclusion can be reached from it`,
    });
  }
  return issues;
}

/** The shortest path of nodes from `id` back to itself, or null when `id` is on no cycle. */
function loopThrough(id: string, successors: ReadonlyMap<string, string[]>): string[] | null {
  const cameFrom = new Map<string, string>();
  const queue = [id];
  for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
    for (const to of successors.get(current) ?? []) {
      if (to === id) {
        const path = [current];
        while (path[0] !== id) path.unshift(cameFrom.get(path[0]!)!);
        return path;
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, current);
        queue.push(to);
      }
    }
  }
  return null;
}

/** A {name} a fix quotes must be a value the diagnosis gives, and the fact that makes it known must be in its `facts`. */
function placeholderIssues(text: string, facts: readonly string[], path: IssuePath): RunbookIssue[] {
  return placeholdersOf(text).flatMap((name): RunbookIssue[] => {
    if (!isFactValue(name)) {
      const names = Object.keys(FACT_VALUES);
      return [{ path, message: `unknown value {${name}}${didYouMean(name, names)} (a fix may quote ${names.map((n) => `{${n}}`).join(', ')})` }];
    }
    const fact = FACT_VALUES[name];
    if (fact !== null && !facts.includes(fact)) return [{ path, message: `{${name}} is known only when fact "${fact}" holds: add it to this fix's "facts"` }];
    return [];
  });
}

/** True when some fix shows whatever the cache: one without conditions, or a tierless pair "facts: [x]" / "unless: [x]". */
function alwaysHasAFix(fixes: readonly Fix[]): boolean {
  const conditions = fixes.map((fix): Exclude<Fix, string> => (typeof fix === 'string' ? { text: fix } : fix));
  if (conditions.some((fix) => !fix.tiers && !fix.facts && !fix.unless)) return true;
  const shownWith = new Set(conditions.filter((fix) => !fix.tiers && !fix.unless && fix.facts?.length === 1).map((fix) => fix.facts?.[0]));
  return conditions.some((fix) => !fix.tiers && !fix.facts && fix.unless?.length === 1 && shownWith.has(fix.unless[0]));
}

function checkCauses(causes: ReadonlyMap<string, CauseWords | null>): RunbookIssue[] {
  const issues: RunbookIssue[] = [];
  for (const [id, words] of causes) {
    if (!isCauseId(id)) {
      issues.push({ path: ['causes', id], message: `unknown cause "${id}"${didYouMean(id, CAUSE_IDS)} (the causes are ${CAUSE_IDS.join(', ')})` });
      continue;
    }
    if (words === null) continue;
    words.fixes.forEach((fix, i) => {
      if (typeof fix === 'string') {
        issues.push(...placeholderIssues(fix, [], ['causes', id, 'fixes', i]));
        return;
      }
      for (const key of ['facts', 'unless'] as const) {
        (fix[key] ?? []).forEach((fact, j) => {
          if (!isFact(fact)) issues.push({ path: ['causes', id, 'fixes', i, key, j], message: `unknown fact "${fact}"${didYouMean(fact, FACTS)}` });
        });
      }
      issues.push(...placeholderIssues(fix.text, fix.facts ?? [], ['causes', id, 'fixes', i, 'text']));
    });
    if (!alwaysHasAFix(words.fixes)) {
      issues.push({
        path: ['causes', id, 'fixes'],
        message: 'every fix has "tiers", "facts" or "unless", so some caches would get no fix: add at least one fix without conditions (or a pair with "facts: [x]" and "unless: [x]")',
      });
    }
  }
  const missing = CAUSE_IDS.filter((id) => !causes.has(id));
  if (missing.length > 0) {
    const names = missing.map((id) => `"${id}"`).join(', ');
    issues.push({
      path: ['causes'],
      message: `missing ${missing.length === 1 ? 'cause' : 'causes'} ${names}: every cause the diagnosis can report needs a title, an explanation and fixes`,
    });
  }
  return issues;
}
