// Every kind of runbook error, each from a one-line change to a small valid runbook, checked as the full formatted message.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatRunbookError, loadRunbook, parseRunbook } from '../../src/runbook/load.ts';

const TINY = readFileSync(new URL('./fixtures/tiny.yaml', import.meta.url), 'utf8');
const SHIPPED = readFileSync(new URL('../../runbooks/redis-data-loss.yaml', import.meta.url), 'utf8');

/** The 1-based line of SHIPPED that is exactly `text` (the first one). */
function shippedLine(text: string): number {
  const index = SHIPPED.split('\n').indexOf(text);
  expect(index, text).toBeGreaterThanOrEqual(0);
  return index + 1;
}

/** TINY with `from` replaced by `to`; fails loudly when `from` is not there, so a fixture edit cannot make a test vacuous. */
function tinyWith(...edits: Array<[string, string]>): string {
  let text = TINY;
  for (const [from, to] of edits) {
    expect(text).toContain(from);
    text = text.replace(from, to);
  }
  return text;
}

function errorsOf(text: string): string[] {
  const result = parseRunbook(text, 'runbooks/x.yaml');
  if (result.ok) throw new Error('expected the runbook to be invalid');
  return result.errors.map(formatRunbookError);
}

describe('parseRunbook on the tiny fixture', () => {
  it('accepts it as written', () => {
    const result = parseRunbook(TINY, 'runbooks/x.yaml');
    expect(result.ok && result.runbook.start).toBe('tier');
  });
});

describe('YAML errors', () => {
  it('reports an unclosed { at the line it opens, once', () => {
    // An option of the db question, its } left out: the parser notices only on the next line.
    const line = shippedLine('      - { value: "2", label: "2" }');
    const lines = SHIPPED.split('\n');
    lines[line - 1] = '      - { value: "2", label: "2"';
    expect(errorsOf(lines.join('\n'))).toEqual([`runbooks/x.yaml: YAML syntax error: the flow map opened here with { is never closed with } (line ${line})`]);
  });

  it('reports an unclosed [ or quote at the line it opens', () => {
    expect(errorsOf('id: x\ntitle: [a, b\nstart: s\n')).toEqual(['runbooks/x.yaml: YAML syntax error: the flow sequence opened here with [ is never closed with ] (line 2)']);
    expect(errorsOf('id: x\ntitle: "it\\" said\nstart: s\nnodes: {}\n')).toEqual(['runbooks/x.yaml: YAML syntax error: the quoted string opened here with " is never closed with " (line 2)']);
  });

  it('reports a syntax error with its line', () => {
    expect(errorsOf(tinyWith(['    title: Checks\n', '    title: [Checks\n']))[0]).toMatch(
      /^runbooks\/x\.yaml: YAML syntax error: .+ \(line \d+\)$/,
    );
  });

  it('turns a node id written twice into "duplicate node id", and still checks the rest', () => {
    expect(errorsOf(tinyWith(['  done:\n', '  fine:\n']))).toEqual([
      'runbooks/x.yaml: nodes.run.next[1].next: no node named "done" (line 21)',
      'runbooks/x.yaml: nodes: duplicate node id "fine" (line 26)',
    ]);
  });

  it('says "duplicate cause id" and "duplicate field" elsewhere', () => {
    expect(errorsOf(tinyWith(['  flush: {', '  eviction: {'], ['    title: Fine\n', '    title: Fine\n    title: Again\n']))).toEqual([
      'runbooks/x.yaml: nodes.fine: duplicate field "title" (line 25)',
      'runbooks/x.yaml: causes: duplicate cause id "eviction" (line 36)',
      'runbooks/x.yaml: causes: missing cause "flush": every cause the diagnosis can report needs a title, an explanation and fixes (line 31)',
    ].sort(byLine));
  });

  it('reports an empty file as a missing mapping', () => {
    expect(errorsOf('')).toEqual(['runbooks/x.yaml: expected a mapping of fields, found nothing']);
  });
});

function byLine(a: string, b: string): number {
  const line = (s: string) => Number(/\(line (\d+)\)$/.exec(s)?.[1] ?? Infinity);
  return line(a) - line(b);
}

describe('schema errors in plain words', () => {
  it('names the limit and the size for a prompt that is too long', () => {
    expect(errorsOf(tinyWith(['prompt: Which tier?', `prompt: ${'x'.repeat(301)}`]))).toEqual([
      'runbooks/x.yaml: nodes.tier.prompt: expected at most 300 characters, found 301 (line 8)',
    ]);
  });

  it('suggests the field meant for an unknown one', () => {
    expect(errorsOf(tinyWith(['    prompt: Which tier?', '    promt: Which tier?']))).toEqual([
      'runbooks/x.yaml: nodes.tier.prompt: expected text, but it is missing (line 5)',
      'runbooks/x.yaml: nodes.tier: unknown field "promt" (did you mean "prompt"?) (line 8)',
    ]);
  });

  it('suggests the node kind meant', () => {
    expect(errorsOf(tinyWith(['kind: conclusion\n    title: Done', 'kind: conclusoin\n    title: Done']))).toEqual([
      'runbooks/x.yaml: nodes.done.kind: expected one of "question", "check" or "conclusion", found "conclusoin" (did you mean "conclusion"?) (line 27)',
    ]);
  });

  it('asks for quotes around an option value YAML reads as a number', () => {
    expect(errorsOf(tinyWith(['{ value: basic, label: Basic }', '{ value: 0, label: Basic }']))).toEqual([
      'runbooks/x.yaml: nodes.tier.options[0].value: expected text, found 0 (write it in quotes: "0") (line 10)',
    ]);
  });

  it('explains a question with neither options nor free text', () => {
    const text = tinyWith(
      ['    options:\n      - { value: basic, label: Basic }\n      - { value: premium, label: Premium }\n', ''],
    );
    expect(errorsOf(text)).toEqual(['runbooks/x.yaml: nodes.tier: a question needs "options", "text" or both (line 5)']);
  });

  it('explains a node id that is not a lower-case id', () => {
    expect(errorsOf(tinyWith(['  done:\n', '  Done:\n'], ['      - next: done', '      - next: Done']))).toEqual([
      'runbooks/x.yaml: nodes.run.next[1].next: expected a lower-case id of letters, digits and dashes, starting with a letter, found "Done" (line 21)',
      'runbooks/x.yaml: nodes.Done: "Done" is not a valid name: expected a lower-case id of letters, digits and dashes, starting with a letter (line 26)',
    ]);
  });

  it('rejects an unknown cause in a topCause condition, with a suggestion', () => {
    expect(errorsOf(tinyWith(['{ verdict: [no-loss] }', '{ topCause: [evictoin] }']))).toEqual([
      'runbooks/x.yaml: nodes.run.next[0].when.topCause[0]: expected one of "expiration", "eviction", "replication", "deletion", "flush", "wrong-database" or "instance-failure", found "evictoin" (did you mean "eviction"?) (line 19)',
    ]);
  });

  it('reports schema and reference errors of one file together', () => {
    const errors = errorsOf(tinyWith(['prompt: Which tier?', `prompt: ${'x'.repeat(301)}`], ['checks: [info, memory]', 'checks: [info, memroy]']));
    expect(errors).toEqual([
      'runbooks/x.yaml: nodes.tier.prompt: expected at most 300 characters, found 301 (line 8)',
      'runbooks/x.yaml: nodes.run.checks[1]: unknown check "memroy" (did you mean "memory"?) (line 17)',
    ]);
  });
});

describe('cross-references', () => {
  it('finds a mistyped option next and suggests the node meant', () => {
    expect(errorsOf(tinyWith(['{ value: premium, label: Premium }', '{ value: premium, label: Premium, next: tire }']))).toEqual([
      'runbooks/x.yaml: nodes.tier.options[1].next: no node named "tire" (did you mean "tier"?) (line 11)',
    ]);
  });

  it('checks start and branch targets', () => {
    expect(errorsOf(tinyWith(['start: tier', 'start: teir'], ['next: fine\n', 'next: fin\n']))).toEqual([
      'runbooks/x.yaml: start: no node named "teir" (did you mean "tier"?) (line 3)',
      'runbooks/x.yaml: nodes.run.next[0].next: no node named "fin" (did you mean "fine"?) (line 20)',
    ].sort(byLine));
  });

  it('gives one root error for a mistyped next: not also what it leaves unreachable or unasked', () => {
    // The shipped runbook with `tier`'s next mistyped: the key, db, since, scope, check and conclusion nodes hang off it.
    const line = shippedLine('    next: key');
    const text = SHIPPED.replace('    next: key\n', '    next: kee\n');
    expect(errorsOf(text)).toEqual([`runbooks/x.yaml: nodes.tier.next: no node named "kee" (did you mean "key"?) (line ${line})`]);
  });

  it('still finds what is wrong elsewhere in the graph, reading a mistyped next as the node it names nearest', () => {
    const text = tinyWith(['next: fine\n', 'next: fin\n'], ['causes:\n', '  orphan:\n    kind: conclusion\n    title: Orphan\n    body: Nobody comes here.\ncauses:\n']);
    expect(errorsOf(text)).toEqual([
      'runbooks/x.yaml: nodes.run.next[0].next: no node named "fin" (did you mean "fine"?) (line 20)',
      'runbooks/x.yaml: nodes.orphan: unreachable: no path from start "tier" leads here (line 30)',
    ]);
  });

  it('waits with the graph rules while a next names nothing close to a node', () => {
    expect(errorsOf(tinyWith(['next: fine\n', 'next: somewhere-else\n']))).toEqual([
      'runbooks/x.yaml: nodes.run.next[0].next: no node named "somewhere-else" (line 20)',
    ]);
  });

  it('finds a node nothing leads to', () => {
    const text = tinyWith(['causes:\n', '  orphan:\n    kind: conclusion\n    title: Orphan\n    body: Nobody comes here.\ncauses:\n']);
    expect(errorsOf(text)).toEqual(['runbooks/x.yaml: nodes.orphan: unreachable: no path from start "tier" leads here (line 30)']);
  });

  it('finds a loop with no way to a conclusion', () => {
    const text = tinyWith(
      ['{ value: premium, label: Premium }', '{ value: premium, label: Premium, next: spin }'],
      [
        'causes:\n',
        '  spin: { kind: check, title: Spin, checks: [info], next: spun }\n' +
          '  spun: { kind: question, slot: again, prompt: Again?, options: [{ value: y, label: Yes }], next: spin }\ncauses:\n',
      ],
    );
    expect(errorsOf(text)).toEqual([
      'runbooks/x.yaml: nodes.spin: the loop spin → spun → spin has no way out: no conclusion can be reached from it (line 30)',
    ]);
  });

  it('accepts a loop that has a way out', () => {
    const text = tinyWith(['      - next: done', '      - when: { verdict: [inconclusive] }\n        next: tier\n      - next: done']);
    expect(parseRunbook(text, 'runbooks/x.yaml').ok).toBe(true);
  });

  it('rejects an unknown check id and a check listed twice', () => {
    expect(errorsOf(tinyWith(['checks: [info, memory]', 'checks: [info, memroy, info]']))).toEqual([
      'runbooks/x.yaml: nodes.run.checks[1]: unknown check "memroy" (did you mean "memory"?) (line 17)',
      'runbooks/x.yaml: nodes.run.checks[2]: duplicate check "info" (also checks[0]) (line 17)',
    ]);
  });

  it('rejects an unknown cause and asks for every cause', () => {
    expect(errorsOf(tinyWith(['  flush: {', '  flsh: {']))).toEqual([
      'runbooks/x.yaml: causes: missing cause "flush": every cause the diagnosis can report needs a title, an explanation and fixes (line 30)',
      'runbooks/x.yaml: causes.flsh: unknown cause "flsh" (did you mean "flush"?) (the causes are expiration, eviction, replication, deletion, flush, wrong-database, instance-failure) (line 35)',
    ]);
  });

  it('rejects an unknown fact in a fix', () => {
    const text = tinyWith(['fixes: [Scale up.]', 'fixes: [Scale up., { text: Reserve memory., facts: [memory-near-limt] }]']);
    expect(errorsOf(text)).toEqual([
      'runbooks/x.yaml: causes.eviction.fixes[1].facts[0]: unknown fact "memory-near-limt" (did you mean "memory-near-limit"?) (line 32)',
    ]);
  });

  it('asks for at least one fix without conditions', () => {
    const text = tinyWith(['fixes: [Scale up.]', 'fixes: [{ text: Scale up., tiers: [basic] }]']);
    expect(errorsOf(text)).toEqual([
      'runbooks/x.yaml: causes.eviction.fixes: every fix has "tiers", "facts" or "unless", so some caches would get no fix: add at least one fix without conditions (or a pair with "facts: [x]" and "unless: [x]") (line 32)',
    ]);
  });

  it('takes a "facts: [x]" / "unless: [x]" pair as a fix that always shows', () => {
    const pair = 'fixes: [{ text: "Ask {removers}.", facts: [remover-named] }, { text: Name every client., unless: [remover-named] }]';
    expect(parseRunbook(tinyWith(['fixes: [Scale up.]', pair]), 'runbooks/x.yaml').ok).toBe(true);
    const onlyUnless = 'fixes: [{ text: Name every client., unless: [remover-named] }]';
    expect(errorsOf(tinyWith(['fixes: [Scale up.]', onlyUnless]))).toHaveLength(1);
  });

  it('checks the values a fix quotes: known, and guaranteed by its facts', () => {
    const text = tinyWith(['fixes: [Scale up.]', 'fixes: ["Point it at db {other-db}.", { text: "Move to {other_db}.", facts: [keys-in-other-db] }, { text: "Skip {removers}.", unless: [remover-nmed] }]']);
    expect(errorsOf(text)).toEqual([
      'runbooks/x.yaml: causes.eviction.fixes[0]: {other-db} is known only when fact "keys-in-other-db" holds: add it to this fix\'s "facts" (line 32)',
      'runbooks/x.yaml: causes.eviction.fixes[1].text: unknown value {other_db} (did you mean "other-db"?) (a fix may quote {db}, {other-db}, {removers}) (line 32)',
      'runbooks/x.yaml: causes.eviction.fixes[2].unless[0]: unknown fact "remover-nmed" (did you mean "remover-named"?) (line 32)',
      'runbooks/x.yaml: causes.eviction.fixes[2].text: {removers} is known only when fact "remover-named" holds: add it to this fix\'s "facts" (line 32)',
    ]);
  });

  it('rejects a condition on a slot no question fills', () => {
    expect(errorsOf(tinyWith(['{ verdict: [no-loss] }', '{ answer: tire, in: [basic] }']))).toEqual([
      'runbooks/x.yaml: nodes.run.next[0].when.answer: no question fills slot "tire" (did you mean "tier"?) (line 19)',
    ]);
  });

  it('rejects a condition value the slot can never hold', () => {
    expect(errorsOf(tinyWith(['{ verdict: [no-loss] }', '{ answer: tier, in: [premum] }']))).toEqual([
      'runbooks/x.yaml: nodes.run.next[0].when.in[0]: "premum" is not an answer slot "tier" can hold ("basic", "premium", or "" when skipped) (did you mean "premium"?) (line 19)',
    ]);
  });

  it('rejects a condition on a slot asked only later', () => {
    const text = tinyWith(
      ['start: tier', 'start: first'],
      ['nodes:\n', 'nodes:\n  first:\n    kind: question\n    slot: db\n    prompt: Db?\n    options: [{ value: "0", label: "0" }]\n    next:\n      - when: { answer: tier, in: [basic] }\n        next: tier\n      - next: tier\n'],
    );
    expect(errorsOf(text)).toEqual([
      'runbooks/x.yaml: nodes.first.next[0].when.answer: slot "tier" is only asked after this node (by "tier"), so the condition never sees an answer (line 11)',
    ]);
  });

  it('rejects findings conditions before any check', () => {
    expect(errorsOf(tinyWith(['    next: run\n', '    next:\n      - when: { verdict: [explained] }\n        next: run\n      - next: run\n']))).toEqual([
      'runbooks/x.yaml: nodes.tier.next[0].when: "verdict" and "topCause" are known only after a check node, and no check node comes before this one (line 14)',
    ]);
  });

  it('wants a fallback as the last branch, and nothing after one', () => {
    expect(errorsOf(tinyWith(['      - next: done', '      - when: { verdict: [explained] }\n        next: done']))).toEqual([
      'runbooks/x.yaml: nodes.run.next[1].when: the last branch needs no "when", so that there is somewhere to go when no condition holds (line 21)',
    ]);
    expect(errorsOf(tinyWith(['      - when: { verdict: [no-loss] }\n        next: fine\n', '      - next: fine\n']))).toEqual([
      'runbooks/x.yaml: nodes.run.next[0]: only the last branch may leave out "when": the branches after this one are never taken (line 19)',
    ]);
  });

  it('rejects two options with one value', () => {
    expect(errorsOf(tinyWith(['{ value: premium, label: Premium }', '{ value: basic, label: Premium }']))).toEqual([
      'runbooks/x.yaml: nodes.tier.options[1].value: duplicate option value "basic" (also options[0]) (line 11)',
    ]);
  });

  it('allows one slot on alternative branches but not twice on one path', () => {
    const alternatives = tinyWith(
      ['{ value: premium, label: Premium }', '{ value: premium, label: Premium, next: tier-again }'],
      ['causes:\n', '  tier-again: { kind: question, slot: tier, prompt: Which tier again?, options: [{ value: basic, label: Basic }], next: run }\ncauses:\n'],
    );
    // "tier-again" is reached from "tier": both fill slot tier on one path.
    expect(errorsOf(alternatives)).toEqual([
      'runbooks/x.yaml: nodes.tier-again.slot: slot "tier" is also filled by question "tier" on the same path; two questions may share a slot only on alternative branches (line 30)',
    ]);
    const branches = tinyWith(
      ['start: tier', 'start: pick'],
      [
        'nodes:\n',
        'nodes:\n  pick: { kind: question, slot: mode, prompt: Mode?, options: [{ value: a, label: A, next: tier }, { value: b, label: B }], next: tier-b }\n' +
          '  tier-b: { kind: question, slot: tier, prompt: Tier (b)?, options: [{ value: basic, label: Basic }], next: run }\n',
      ],
    );
    expect(parseRunbook(branches, 'runbooks/x.yaml').ok).toBe(true);
  });
});

describe('loadRunbook', () => {
  it('reports a file it cannot read as an error of that file', async () => {
    const result = await loadRunbook('runbooks/does-not-exist.yaml');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(formatRunbookError(result.errors[0]!)).toMatch(/^runbooks\/does-not-exist\.yaml: cannot read the file: it does not exist$/);
    }
  });
});

describe('formatRunbookError', () => {
  it('writes file, path, reason and line', () => {
    expect(
      formatRunbookError({ file: 'runbooks/x.yaml', path: 'nodes.tier.options[2].next', message: 'no node named "tire" (did you mean "tier"?)', line: 12 }),
    ).toBe('runbooks/x.yaml: nodes.tier.options[2].next: no node named "tire" (did you mean "tier"?) (line 12)');
    expect(formatRunbookError({ file: 'a.yaml', path: '', message: 'YAML syntax error: x' })).toBe('a.yaml: YAML syntax error: x');
  });
});
