// Draws a runbook as a Mermaid flowchart: questions as rounded boxes, checks as hexagons, conclusions as stadiums.
import type { Condition, Next, QuestionNode, Runbook, RunbookNode } from './schema.ts';

/** Mermaid ids: a prefix keeps ids like `end` or `o-ring` from meaning syntax; node ids never contain `_`, so this is one-to-one. */
function mermaidId(nodeId: string): string {
  return `n_${nodeId.replaceAll('-', '_')}`;
}

/** Text inside a quoted Mermaid label: anything that could close the quote or read as markup becomes an entity code. */
export function escapeLabel(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return [...flat].map((ch) => (/[A-Za-z0-9 .,:;!?'/_+*=@%-]/.test(ch) ? ch : `#${ch.codePointAt(0)};`)).join('');
}

function shape(id: string, node: RunbookNode): string {
  const mid = mermaidId(id);
  switch (node.kind) {
    case 'question':
      return `${mid}("${escapeLabel(node.prompt)}")`;
    case 'check':
      return `${mid}{{"${escapeLabel(node.title)}"}}`;
    case 'conclusion':
      return `${mid}(["${escapeLabel(node.title)}"])`;
  }
}

function describeCondition(when: Condition): string {
  const parts: string[] = [];
  if (when.answer !== undefined && when.in !== undefined) {
    const values = when.in.map((v) => (v === '' ? 'skipped' : v));
    parts.push(values.length === 1 ? `${when.answer} is ${values[0]}` : `${when.answer} in ${values.join(', ')}`);
  }
  if (when.verdict !== undefined) parts.push(`verdict ${when.verdict.join(' or ')}`);
  if (when.topCause !== undefined) parts.push(`top cause ${when.topCause.join(' or ')}`);
  if (when.keyType !== undefined) parts.push(`the key is a ${when.keyType.join(' or ')}`);
  return parts.join(' and ');
}

function edge(from: string, to: string, label: string): string {
  return label === '' ? `  ${mermaidId(from)} --> ${mermaidId(to)}` : `  ${mermaidId(from)} -->|"${escapeLabel(label)}"| ${mermaidId(to)}`;
}

/** Labels of the answers that follow the question's own `next` (options without their own `next`, skip, typed text). */
function defaultAnswers(question: QuestionNode): string {
  const labels = (question.options ?? []).filter((o) => o.next === undefined).map((o) => o.label);
  if (question.text) labels.push(`typed ${question.text.format}`);
  if (question.skip) labels.push(question.skip.label);
  return labels.join(' / ');
}

function nextEdges(from: string, next: Next, label: string): string[] {
  if (typeof next === 'string') return [edge(from, next, label)];
  return next.map((branch, i) => {
    const condition = branch.when === undefined ? (i === 0 ? '' : 'otherwise') : describeCondition(branch.when);
    return edge(from, branch.next, condition);
  });
}

/** A `flowchart TD` naming every node, its edges labelled with the answers or findings that take them. */
export function toMermaid(runbook: Runbook): string {
  const lines = ['flowchart TD'];
  const edges: string[] = [];
  for (const [id, node] of Object.entries(runbook.nodes)) {
    lines.push(`  ${shape(id, node)}`);
    if (node.kind === 'question') {
      for (const option of node.options ?? []) if (option.next !== undefined) edges.push(edge(id, option.next, option.label));
      edges.push(...nextEdges(id, node.next, typeof node.next === 'string' ? defaultAnswers(node) : ''));
    } else if (node.kind === 'check') {
      edges.push(...nextEdges(id, node.next, ''));
    }
  }
  return `${[...lines, ...edges].join('\n')}\n`;
}
