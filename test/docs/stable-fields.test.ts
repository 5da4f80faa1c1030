// docs/diagnose-json.md and docs/watch-record-json.md say which fields a script may rely on ("stable": yes) and which
// were added: they agree on every field both list, and every field the contracts define (the project brief's
// spec/diagnose-cli.md and spec/watch-record-cli.md) is stable in each page that lists it.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lexer, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Field path → its "stable" cell (`yes` or `added`), from every table with a field and a stable column. */
function stableColumn(doc: string): Map<string, string> {
  const tokens = new Lexer().lex(readFileSync(join(ROOT, 'docs', doc), 'utf8'));
  const fields = new Map<string, string>();
  let prefix = '';
  for (const token of tokens as Token[]) {
    // "Each entry of `causes`:" introduces the table of a cause's fields.
    if (token.type === 'paragraph') {
      const entry = /^Each entry of `(\w+)`/.exec(token.text)?.[1];
      prefix = entry ? `${entry}[].` : '';
    }
    if (token.type !== 'table') continue;
    const table = token as Tokens.Table;
    const columns = table.header.map((cell) => cell.text.trim());
    const field = columns.indexOf('field');
    const stable = columns.indexOf('stable');
    if (field < 0 || stable < 0) continue;
    for (const row of table.rows) {
      const marker = row[stable]?.text.trim() ?? '';
      for (const [, name] of (row[field]?.text ?? '').matchAll(/`([^`]+)`/g)) fields.set(`${prefix}${name}`, marker);
    }
    prefix = '';
  }
  return fields;
}

const diagnose = stableColumn('diagnose-json.md');
const watchRecord = stableColumn('watch-record-json.md');

/** The fields spec/diagnose-cli.md's JSON report defines. */
const DIAGNOSE_CONTRACT = ['target', 'query', 'verdict', 'causes', 'checks', 'key', 'causes[].id', 'causes[].likelihood', 'causes[].score', 'causes[].evidence', 'causes[].fixes'];
/** What spec/watch-record-cli.md says a record adds to diagnose's report, and watch's document. */
const RECORD_CONTRACT = ['record', 'causes[].confirmed', 'causes[].evidence[].source', 'causes[].evidence[].at'];
const WATCH_CONTRACT = ['target', 'window', 'notifications', 'events', 'timeline', 'counters', 'clients', 'summary'];

describe('stable fields in the docs', () => {
  it('reads the tables of both pages', () => {
    expect(diagnose.size).toBeGreaterThan(15);
    expect(watchRecord.size).toBeGreaterThan(10);
    for (const marker of [...diagnose.values(), ...watchRecord.values()]) expect(['yes', 'added']).toContain(marker);
  });

  it('every field of the diagnose contract and of what a record adds is stable on diagnose-json.md', () => {
    for (const field of [...DIAGNOSE_CONTRACT, ...RECORD_CONTRACT]) expect([field, diagnose.get(field)]).toEqual([field, 'yes']);
  });

  it('what a record adds, and watch\'s document, are stable on watch-record-json.md', () => {
    for (const field of [...RECORD_CONTRACT, ...WATCH_CONTRACT]) expect([field, watchRecord.get(field)]).toEqual([field, 'yes']);
  });

  it('the two pages agree on every field both list about diagnose\'s report', () => {
    // watch-record-json.md's watch table has its own target; the rows about diagnose's report are the record's.
    const shared = RECORD_CONTRACT.filter((field) => diagnose.has(field) && watchRecord.has(field));
    expect(shared).toEqual(RECORD_CONTRACT);
    for (const field of shared) expect([field, diagnose.get(field)]).toEqual([field, watchRecord.get(field)]);
  });
});
