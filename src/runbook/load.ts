// Reads a runbook file: YAML, then the schema, then cross-references; every problem as "file: path: reason (line N)".
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { describeError } from '../redact.ts';
import { checkReferences, type RunbookParts } from './references.ts';
import { describeIssues, type IssuePath, type RunbookIssue } from './schema-issues.ts';
import { CauseWords, Runbook, RunbookNode } from './schema.ts';
import { syntaxProblems } from './yaml-syntax.ts';

export interface RunbookError {
  file: string;
  /** Where in the file, as `nodes.tier.options[2].next`; "" for the file as a whole. */
  path: string;
  message: string;
  line?: number;
}

export type LoadResult = { ok: true; runbook: Runbook } | { ok: false; errors: RunbookError[] };

/** `runbooks/x.yaml: nodes.tier.options[2].next: no node named "tire" (did you mean "tier"?) (line 12)` */
export function formatRunbookError(error: RunbookError): string {
  const where = error.path === '' ? '' : `${error.path}: `;
  const line = error.line === undefined ? '' : ` (line ${error.line})`;
  return `${error.file}: ${where}${error.message}${line}`;
}

/** `['nodes', 'tier', 'options', 2, 'next']` → `nodes.tier.options[2].next` */
export function formatPath(path: IssuePath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Parses and validates runbook text; `file` names it in errors. */
export function parseRunbook(text: string, file: string): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).line);

  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: syntaxProblems(text, doc.errors).map((p) => withLine({ file, path: '', message: `YAML syntax error: ${p.message}` }, lineAt(p.offset))),
    };
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    return { ok: false, errors: [{ file, path: '', message: `YAML could not be read: ${describeError(error)}` }] };
  }

  const errors: RunbookError[] = duplicateKeys(doc).map((d) => withLine({ file, path: formatPath(d.path), message: d.message }, lineAt(d.offset)));
  const toError = (issue: RunbookIssue): RunbookError =>
    withLine({ file, path: formatPath(issue.path), message: issue.message }, lineAt(offsetOf(doc, issue.linePath ?? issue.path)));

  const parsed = Runbook.safeParse(data);
  const issues = parsed.success ? [] : describeIssues(parsed.error.issues, data);
  issues.push(...checkReferences(parsed.success ? partsOf(parsed.data) : partsOfInvalid(data)));
  errors.push(...issues.map(toError));

  if (parsed.success && errors.length === 0) return { ok: true, runbook: parsed.data };
  return { ok: false, errors: sortByLine(errors) };
}

/** Reads and validates a runbook file; a file that cannot be read is an error like any other. */
export async function loadRunbook(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, errors: [{ file: path, path: '', message: `cannot read the file: ${describeError(error)}` }] };
  }
  return parseRunbook(text, path);
}

/** runbooks/redis-data-loss.yaml in the package, whether running from src/ or from a compiled dist/. */
export function defaultRunbookPath(): string {
  // Both src/runbook/ and dist/runbook/ sit two levels below the package root.
  return fileURLToPath(new URL('../../runbooks/redis-data-loss.yaml', import.meta.url));
}

let shipped: Promise<Runbook> | undefined;

/** The runbook keyloss ships with, loaded once; throws a readable error when someone broke it. */
export function loadDefaultRunbook(): Promise<Runbook> {
  shipped ??= loadRunbook(defaultRunbookPath()).then((result) => {
    if (result.ok) return result.runbook;
    throw new Error(`the runbook shipped with keyloss is invalid:\n${result.errors.map(formatRunbookError).join('\n')}`);
  });
  return shipped;
}

function withLine(error: RunbookError, line: number | undefined): RunbookError {
  return line === undefined ? error : { ...error, line };
}


function sortByLine(errors: RunbookError[]): RunbookError[] {
  // Stable: errors without a line keep their order, after those with one.
  return errors
    .map((error, i) => ({ error, i }))
    .sort((a, b) => (a.error.line ?? Infinity) - (b.error.line ?? Infinity) || a.i - b.i)
    .map((e) => e.error);
}

function keyName(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

/** Where `path` starts in the YAML: a map entry's key, a list item, or the deepest part of the path that exists. */
function offsetOf(doc: Document, path: IssuePath): number | undefined {
  let node: unknown = doc.contents;
  let offset = isMap(node) || isSeq(node) || isScalar(node) ? node.range?.[0] : undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyName(p.key) === String(segment));
      if (pair === undefined) break;
      offset = isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (!(isMap(item) || isSeq(item) || isScalar(item))) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset;
}

/** Keys written twice in one mapping; YAML keeps only the last, so the first would silently vanish. */
function duplicateKeys(doc: Document): Array<{ path: IssuePath; message: string; offset: number | undefined }> {
  const found: Array<{ path: IssuePath; message: string; offset: number | undefined }> = [];
  const visit = (node: unknown, path: IssuePath): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const name = keyName(pair.key);
        if (name === undefined) continue;
        if (seen.has(name)) {
          const what = path.length === 1 && path[0] === 'nodes' ? 'node id' : path.length === 1 && path[0] === 'causes' ? 'cause id' : 'field';
          found.push({ path, message: `duplicate ${what} "${name}"`, offset: isScalar(pair.key) ? pair.key.range?.[0] : undefined });
        }
        seen.add(name);
        visit(pair.value, [...path, name]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        visit(item, [...path, i]);
      });
    }
  };
  visit(doc.contents, []);
  return found;
}

function partsOf(runbook: Runbook): RunbookParts {
  return {
    start: runbook.start,
    nodes: new Map(Object.entries(runbook.nodes)),
    causes: new Map(Object.entries(runbook.causes)),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The valid parts of a file the schema rejected, so that reference errors are reported alongside schema errors. */
function partsOfInvalid(data: unknown): RunbookParts {
  if (!isRecord(data)) return { start: undefined, nodes: new Map(), causes: null };
  // Without a nodes mapping there is no graph to check: leave `start` out so nothing is said about it twice.
  const start = isRecord(data.nodes) ? Runbook.shape.start.safeParse(data.start) : { success: false as const };
  const nodes = new Map<string, RunbookNode | null>();
  for (const [id, value] of Object.entries(isRecord(data.nodes) ? data.nodes : {})) {
    const node = RunbookNode.safeParse(value);
    nodes.set(id, node.success && Runbook.shape.start.safeParse(id).success ? node.data : null);
  }
  const causes = isRecord(data.causes)
    ? new Map(Object.entries(data.causes).map(([id, value]) => {
        const words = CauseWords.safeParse(value);
        return [id, words.success ? words.data : null] as const;
      }))
    : null;
  return { start: start.success ? start.data : undefined, nodes, causes };
}
