// Turns zod's issues about a runbook file into plain sentences: "expected at most 300 characters, found 412".
import { z } from 'zod';
import { Runbook } from './schema.ts';
import { didYouMean } from './suggest.ts';

export type IssuePath = ReadonlyArray<string | number>;

/** One problem in a runbook, before it is tied to a file: where (`path`), what (`message`), and where to point for a line. */
export interface RunbookIssue {
  path: IssuePath;
  message: string;
  /** Where the problem sits in the YAML when that is not `path` itself (an unknown field: the field's own key). */
  linePath?: IssuePath;
}

type ZodIssue = z.core.$ZodIssue;

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of fields',
  record: 'a mapping',
  null: 'nothing',
};

/** Every field name the runbook format knows, for "did you mean" on unknown fields. */
const KNOWN_FIELDS = collectFields(Runbook);

function collectFields(schema: z.ZodType, seen = new Set<z.ZodType>(), fields = new Set<string>()): Set<string> {
  if (seen.has(schema)) return fields;
  seen.add(schema);
  if (schema instanceof z.ZodObject) {
    for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      fields.add(name);
      collectFields(field, seen, fields);
    }
  } else if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) {
    collectFields(schema.unwrap() as z.ZodType, seen, fields);
  } else if (schema instanceof z.ZodArray) {
    collectFields(schema.element as z.ZodType, seen, fields);
  } else if (schema instanceof z.ZodUnion) {
    for (const option of schema.options as z.ZodType[]) collectFields(option, seen, fields);
  } else if (schema instanceof z.ZodRecord) {
    collectFields(schema.valueType as z.ZodType, seen, fields);
  }
  return fields;
}

/** The value at `path` in the parsed YAML, to say what was found. */
export function valueAt(data: unknown, path: IssuePath): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

/** A short description of a found value: `"questoin"`, `5`, `a list`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') {
    if (value.length > 60) return `text of ${value.length} characters`;
    return JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  return 'a mapping';
}

function quoteList(values: readonly unknown[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

function plural(n: number | bigint, word: string): string {
  return `${n} ${word}${n === 1 || n === 1n ? '' : 's'}`;
}

function sizeOf(value: unknown): number | undefined {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (typeof value === 'number') return value;
  return undefined;
}

function bound(origin: string, limit: number | bigint): string {
  if (origin === 'string') return plural(limit, 'character');
  if (origin === 'array' || origin === 'set') return plural(limit, 'item');
  return String(limit);
}

/** The "found …" half of a sentence. */
function found(value: unknown): string {
  return value === undefined ? 'but it is missing' : `found ${describeValue(value)}`;
}

function expectedType(issue: ZodIssue): string | undefined {
  return issue.code === 'invalid_type' ? (TYPE_WORDS[issue.expected] ?? issue.expected) : undefined;
}

/** Plain sentences for every issue zod found in `data`, which is the parsed YAML. */
export function describeIssues(issues: readonly ZodIssue[], data: unknown, prefix: IssuePath = []): RunbookIssue[] {
  return issues.flatMap((issue) => describeIssue(issue, data, prefix));
}

function describeIssue(issue: ZodIssue, data: unknown, prefix: IssuePath): RunbookIssue[] {
  const path: IssuePath = [...prefix, ...(issue.path as Array<string | number>)];
  const value = valueAt(data, path);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = expectedType(issue) ?? 'something else';
      // YAML reads `value: 0` or `value: yes` as a number or a boolean; quotes keep it text.
      const quote = issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean') ? ` (write it in quotes: "${value}")` : '';
      return [{ path, message: `expected ${expected}, ${found(value)}${quote}` }];
    }
    case 'too_big': {
      const size = sizeOf(value);
      return [{ path, message: `expected at most ${bound(issue.origin, issue.maximum)}${size === undefined ? '' : `, found ${size}`}` }];
    }
    case 'too_small': {
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return [{ path, message: 'expected non-empty text' }];
      if (issue.origin === 'array' && Number(issue.minimum) === 1) return [{ path, message: 'expected a list of at least one item, found an empty list' }];
      const size = sizeOf(value);
      return [{ path, message: `expected at least ${bound(issue.origin, issue.minimum)}${size === undefined ? '' : `, found ${size}`}` }];
    }
    case 'invalid_format': {
      // Our own regexes carry a sentence as their message; zod's default one names the pattern.
      const what = issue.message.startsWith('Invalid') ? `text matching ${issue.pattern ?? issue.format}` : issue.message;
      return [{ path, message: `expected ${what}, ${found(value)}` }];
    }
    case 'invalid_value': {
      const expected = issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${quoteList(issue.values)}`;
      const hint = typeof value === 'string' ? didYouMean(value, issue.values.map(String)) : '';
      return [{ path, message: `expected ${expected}, ${found(value)}${hint}` }];
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path,
        message: `unknown field "${key}"${didYouMean(key, KNOWN_FIELDS)}`,
        linePath: [...path, key],
      }));
    case 'invalid_union':
      return describeUnion(issue, data, path, value);
    case 'invalid_key': {
      const key = path.at(-1);
      const reasons = describeIssues(issue.issues, key, []).map((i) => i.message.replace(/, found .*$/, ''));
      return [{ path, message: `${JSON.stringify(String(key))} is not a valid name: ${reasons.join('; ')}` }];
    }
    default:
      return [{ path, message: issue.message }];
  }
}

function describeUnion(issue: Extract<ZodIssue, { code: 'invalid_union' }>, data: unknown, path: IssuePath, value: unknown): RunbookIssue[] {
  const withOptions = issue as { discriminator?: string; options?: readonly unknown[] };
  if (withOptions.discriminator !== undefined && withOptions.options !== undefined) {
    const hint = typeof value === 'string' ? didYouMean(value, withOptions.options.map(String)) : '';
    return [{ path, message: `expected one of ${quoteList(withOptions.options)}, ${found(value)}${hint}` }];
  }
  // A branch that failed only because the value has another type did not apply; explain the one that did.
  const applicable = issue.errors.filter(
    (branch) => !(branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0),
  );
  const [best] = [...applicable].sort((a, b) => a.length - b.length);
  if (best !== undefined) return describeIssues(best, data, path);
  const expected = issue.errors.map((branch) => (branch[0] ? expectedType(branch[0]) : undefined)).filter((t) => t !== undefined);
  const alternatives = expected.length > 0 ? [...new Set(expected)].join(' or ') : 'something else';
  return [{ path, message: `expected ${alternatives}, ${found(value)}` }];
}
