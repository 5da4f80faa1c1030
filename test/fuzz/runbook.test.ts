// Property tests on runbook YAML: random text and damaged copies of the shipped runbook are refused with sentences, never a crash.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRunbookError, parseRunbook } from '../../src/runbook/load.ts';
import { createEngine } from '../../src/runbook/engine.ts';
import { userText } from './arbitraries.ts';

const FILE = 'runbooks/redis-data-loss.yaml';
const SHIPPED = readFileSync(new URL(`../../${FILE}`, import.meta.url), 'utf8');
const LINES = SHIPPED.split('\n');

function expectReadable(text: string): void {
  const result = parseRunbook(text, FILE);
  if (result.ok) {
    // Whatever validates must also be usable by the engine.
    expect(() => createEngine(result.runbook)).not.toThrow();
    return;
  }
  expect(result.errors.length).toBeGreaterThan(0);
  for (const error of result.errors) {
    const line = formatRunbookError(error);
    expect(line.startsWith(`${FILE}: `)).toBe(true);
    expect(error.message.trim().length).toBeGreaterThan(3);
    expect(line).not.toMatch(/\[object Object\]|\n\s+at /);
  }
}

/** A damaged copy of the shipped runbook: lines dropped, repeated, re-indented or overwritten. */
const damaged = fc
  .array(
    fc.record({
      at: fc.nat({ max: LINES.length - 1 }),
      how: fc.constantFrom('drop', 'repeat', 'indent', 'dedent', 'replace-value', 'replace-line'),
      text: userText.map((t) => t.slice(0, 200)),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((edits) => {
    const lines = [...LINES];
    for (const { at, how, text } of edits) {
      const i = Math.min(at, lines.length - 1);
      const line = lines[i] ?? '';
      if (how === 'drop') lines.splice(i, 1);
      if (how === 'repeat') lines.splice(i, 0, line);
      if (how === 'indent') lines[i] = `  ${line}`;
      if (how === 'dedent') lines[i] = line.replace(/^ {1,2}/, '');
      if (how === 'replace-value') lines[i] = line.replace(/:\s.*$/, `: ${JSON.stringify(text)}`);
      if (how === 'replace-line') lines[i] = text;
    }
    return lines.join('\n');
  });

describe('runbook YAML', () => {
  it('the shipped runbook parses', () => {
    expect(parseRunbook(SHIPPED, FILE).ok).toBe(true);
  });

  it('random text is refused with sentences naming the file', () => {
    fc.assert(fc.property(fc.oneof(userText, fc.string({ maxLength: 300 })), expectReadable), { numRuns: 300 });
  });

  it('damaged copies of the shipped runbook are refused with sentences, or still work', () => {
    fc.assert(fc.property(damaged, expectReadable), { numRuns: 300 });
  });

  it('any JSON-shaped document is refused with sentences, or works', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => expectReadable(JSON.stringify(value))), { numRuns: 200 });
  });
});
