// The pure parts of the walkthrough's prompting: choice markers, typed lines, the arrow-key menu, output lines.
import { describe, expect, it } from 'vitest';
import { choicesOf, replyFromLine, type QuestionView } from '../../src/terminal/choices.ts';
import { menuItems, menuKey, menuLines } from '../../src/terminal/menu.ts';
import { answeredLine, hintLine, progressLine, questionLines } from '../../src/terminal/render.ts';
import { createStyle } from '../../src/terminal/style.ts';
import { rowsOf } from '../../src/terminal/tty-prompter.ts';
import { QuestionNode } from '../../src/runbook/schema.ts';

const plain = createStyle(false);
const colour = createStyle(true);

const tier = QuestionNode.parse({
  kind: 'question',
  slot: 'tier',
  prompt: 'Which tier?',
  options: [
    { value: 'basic', label: 'Basic' },
    { value: 'premium', label: 'Premium' },
  ],
  skip: { label: 'Not sure' },
  next: 'key',
});
const db = QuestionNode.parse({
  kind: 'question',
  slot: 'db',
  prompt: 'Which database?',
  options: [
    { value: '0', label: '0 (the default)' },
    { value: '1', label: '1' },
  ],
  text: { format: 'db-index', placeholder: 'another number' },
  skip: { label: 'Not sure', value: '0' },
  next: 'since',
});
const since = QuestionNode.parse({
  kind: 'question',
  slot: 'since',
  prompt: 'Since when?',
  options: [{ value: '15m', label: 'In the last 15 minutes' }],
  text: { format: 'since', placeholder: '2h' },
  next: 'scope',
});
const cache = QuestionNode.parse({
  kind: 'question',
  slot: 'cache',
  prompt: 'Which cache?',
  help: 'Its URL.\nOr its name.',
  text: { format: 'target' },
  next: 'tier',
});

const view = (question: QuestionNode, extra: Partial<QuestionView> = {}): QuestionView => ({
  question,
  defaultText: null,
  canUndo: true,
  ...extra,
});

describe('choices', () => {
  it('numbers options unless a number could be an answer', () => {
    expect(choicesOf(tier).map((c) => c.marker)).toEqual(['1', '2']);
    expect(choicesOf(since).map((c) => c.marker)).toEqual(['1']);
    expect(choicesOf(db).map((c) => c.marker)).toEqual(['0', '1']);
  });

  it('reads typed lines: numbers, values, back, skip, empty lines', () => {
    expect(replyFromLine('2', view(tier))).toEqual({ kind: 'answer', text: 'premium' });
    expect(replyFromLine(' premium ', view(tier))).toEqual({ kind: 'answer', text: 'premium' });
    expect(replyFromLine('3', view(tier))).toEqual({ kind: 'answer', text: '3' });
    expect(replyFromLine('BACK', view(tier))).toEqual({ kind: 'back' });
    expect(replyFromLine('skip', view(cache))).toEqual({ kind: 'skip' });
    // b and s mean back and skip at a typed prompt too, as they do in a menu.
    expect(replyFromLine('b', view(cache))).toEqual({ kind: 'back' });
    expect(replyFromLine(' S ', view(since))).toEqual({ kind: 'skip' });
    expect(replyFromLine('', view(tier))).toEqual({ kind: 'skip' });
    expect(replyFromLine('', view(cache, { defaultText: 'redis://h:1' }))).toEqual({ kind: 'answer', text: 'redis://h:1' });
    expect(replyFromLine('', view(since))).toEqual({ kind: 'answer', text: '' });
    // On the db question "1" is db 1 and "7" is db 7, never "the first option".
    expect(replyFromLine('1', view(db))).toEqual({ kind: 'answer', text: '1' });
    expect(replyFromLine('7', view(db))).toEqual({ kind: 'answer', text: '7' });
  });
});

describe('arrow-key menu', () => {
  const items = menuItems(view(db));

  it('offers the options, then typing, then the skip', () => {
    expect(items.map((i) => i.kind)).toEqual(['option', 'option', 'type', 'skip']);
    expect(menuItems(view(tier)).map((i) => i.kind)).toEqual(['option', 'option', 'skip']);
  });

  it('moves with the arrows, wrapping around, and picks with Enter', () => {
    expect(menuKey(items, 0, { name: 'down' }, true)).toEqual({ kind: 'move', cursor: 1 });
    expect(menuKey(items, 0, { name: 'up' }, true)).toEqual({ kind: 'move', cursor: 3 });
    expect(menuKey(items, 3, { name: 'down' }, true)).toEqual({ kind: 'move', cursor: 0 });
    expect(menuKey(items, 1, { name: 'return' }, true)).toEqual({ kind: 'pick', reply: { kind: 'answer', text: '1' } });
    expect(menuKey(items, 2, { name: 'return' }, true)).toEqual({ kind: 'type', initial: '' });
    expect(menuKey(items, 3, { name: 'return' }, true)).toEqual({ kind: 'pick', reply: { kind: 'skip' } });
  });

  it('picks by marker key, starts typing on other characters, and knows back, skip and quit', () => {
    expect(menuKey(items, 0, { sequence: '1', name: '1' }, true)).toEqual({ kind: 'pick', reply: { kind: 'answer', text: '1' } });
    expect(menuKey(items, 0, { sequence: '7', name: '7' }, true)).toEqual({ kind: 'type', initial: '7' });
    expect(menuKey(menuItems(view(tier)), 0, { sequence: '2', name: '2' }, true)).toEqual({
      kind: 'pick',
      reply: { kind: 'answer', text: 'premium' },
    });
    expect(menuKey(menuItems(view(tier)), 0, { sequence: 'x', name: 'x' }, true)).toEqual({ kind: 'ignore' });
    expect(menuKey(items, 0, { name: 'b', sequence: 'b' }, true)).toEqual({ kind: 'pick', reply: { kind: 'back' } });
    expect(menuKey(items, 0, { name: 'b', sequence: 'b' }, false)).toEqual({ kind: 'ignore' });
    expect(menuKey(items, 0, { name: 's', sequence: 's' }, true)).toEqual({ kind: 'pick', reply: { kind: 'skip' } });
    expect(menuKey(items, 0, { name: 'c', ctrl: true }, true)).toEqual({ kind: 'pick', reply: { kind: 'quit', code: 130 } });
    expect(menuKey(items, 0, { name: 'd', ctrl: true }, true)).toEqual({ kind: 'pick', reply: { kind: 'quit', code: 1 } });
  });

  it('draws a pointer at the cursor and the keys below', () => {
    const lines = menuLines(items, 1, plain, true);
    expect(lines).toEqual([
      '  0) 0 (the default)',
      '❯ 1) 1',
      '     Something else: type it…',
      '     Not sure',
      '  ↑↓ move · Enter pick · or press its key · s skip (Not sure) · b back · Ctrl-C quit',
    ]);
    expect(menuLines(items, 1, colour, false).join('\n')).toContain('\u001b[');
  });

  it('counts the rows wrapped lines take, ignoring colour codes', () => {
    expect(rowsOf(['abc', colour.bold('x'.repeat(80)), 'x'.repeat(81), ''], 80)).toBe(1 + 1 + 2 + 1);
  });
});

describe('walkthrough output', () => {
  it('lists choices and hints in a pipe', () => {
    expect(questionLines(view(db), plain, 'lines')).toEqual([
      '',
      'Which database?',
      '  0) 0 (the default)',
      '  1) 1',
      '  or type an answer, e.g. another number · Enter or s (skip): Not sure · b (back): previous question',
    ]);
    expect(questionLines(view(cache, { defaultText: 'redis://:pw12345@h:1', canUndo: false }), plain, 'prompt')).toEqual([
      '',
      'Which cache?',
      '  Its URL.',
      '  Or its name.',
      '  type an answer · Enter: redis://:***@h:1',
    ]);
    expect(questionLines(view(tier), plain, 'menu')).toEqual(['', 'Which tier?']);
    expect(hintLine(view(since, { canUndo: false }), plain)).toBe('  or type an answer, e.g. 2h');
  });

  it('confirms an answer with the option label, the skip label or the stored value', () => {
    expect(answeredLine(tier, 'premium', false, plain)).toBe('✓ Which tier? Premium');
    expect(answeredLine(tier, '', true, plain)).toBe('✓ Which tier? Not sure');
    expect(answeredLine(cache, 'redis://:pw12345@h:1', false, plain)).toBe('✓ Which cache? redis://:***@h:1');
  });

  it('confirms a time as the report writes times, not as the ISO string the session stores', () => {
    const now = new Date('2026-12-06T22:30:00.000Z');
    expect(answeredLine(since, '2026-12-06T22:09:37.000Z', false, plain, now)).toBe('✓ Since when? 22:09:37 UTC');
    expect(answeredLine(since, '2026-12-05T22:09:37.000Z', false, plain, now)).toBe('✓ Since when? 2026-12-05 22:09 UTC');
  });

  it('prints finished checks as words in a pipe and as marks with times on a terminal', () => {
    const ok = { id: 'info', title: 'Server information', status: 'ok', ms: 12 } as const;
    const failed = { id: 'clients', title: 'Clients', status: 'failed', ms: 3000, detail: 'timed out after 3000 ms' } as const;
    const skipped = { id: 'azure.metrics', title: 'Azure metrics', status: 'skipped', ms: 0, detail: 'no Azure resource' } as const;
    expect(progressLine({ ...ok, status: 'running' }, plain)).toBeNull();
    expect(progressLine(ok, plain)).toBe('  ok      Server information');
    expect(progressLine(failed, plain)).toBe('  failed  Clients: timed out after 3000 ms');
    expect(progressLine(skipped, plain)).toBe('  skipped Azure metrics: no Azure resource');
    const strip = (s: string | null) => s?.replace(/\u001b\[[0-9;]*m/g, '');
    expect(strip(progressLine(ok, colour))).toBe('  ✓ Server information 12 ms');
    expect(strip(progressLine(failed, colour))).toBe('  ! Clients 3000 ms: timed out after 3000 ms');
    expect(strip(progressLine(skipped, colour))).toBe('  - Azure metrics: no Azure resource');
  });
});
