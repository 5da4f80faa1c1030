// The arrow-key menu for a question with choices on a terminal: its items, how keys move and pick, how it looks.
import { choicesOf, type QuestionView, type Reply } from './choices.ts';
import type { Style } from './style.ts';

export type MenuItem =
  | { kind: 'option'; marker: string; value: string; label: string }
  | { kind: 'type'; label: string }
  | { kind: 'skip'; label: string };

/** A key as Node's readline keypress events describe it. */
export interface Key {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
  sequence?: string;
}

export type MenuOutcome =
  | { kind: 'move'; cursor: number }
  | { kind: 'pick'; reply: Reply }
  /** The person wants to type a free answer, perhaps having typed its first character already. */
  | { kind: 'type'; initial: string }
  | { kind: 'ignore' };

export function menuItems(view: QuestionView): MenuItem[] {
  const items: MenuItem[] = choicesOf(view.question).map((c) => ({ kind: 'option', ...c }));
  if (view.question.text) items.push({ kind: 'type', label: 'Something else: type it…' });
  if (view.question.skip) items.push({ kind: 'skip', label: view.question.skip.label });
  return items;
}

function choose(item: MenuItem): MenuOutcome {
  switch (item.kind) {
    case 'option':
      return { kind: 'pick', reply: { kind: 'answer', text: item.value } };
    case 'type':
      return { kind: 'type', initial: '' };
    case 'skip':
      return { kind: 'pick', reply: { kind: 'skip' } };
  }
}

/** What a key does with the cursor on item `cursor`. */
export function menuKey(items: readonly MenuItem[], cursor: number, key: Key, canUndo: boolean): MenuOutcome {
  if (key.ctrl && key.name === 'c') return { kind: 'pick', reply: { kind: 'quit', code: 130 } };
  if (key.ctrl && key.name === 'd') return { kind: 'pick', reply: { kind: 'quit', code: 1 } };
  switch (key.name) {
    case 'up':
    case 'k':
      return { kind: 'move', cursor: (cursor - 1 + items.length) % items.length };
    case 'down':
    case 'j':
    case 'tab':
      return { kind: 'move', cursor: (cursor + 1) % items.length };
    case 'return':
    case 'enter': {
      const item = items[cursor];
      return item ? choose(item) : { kind: 'ignore' };
    }
    case 'backspace':
    case 'left':
    case 'b':
      return canUndo ? { kind: 'pick', reply: { kind: 'back' } } : { kind: 'ignore' };
    case 's': {
      const skip = items.find((i) => i.kind === 'skip');
      return skip ? choose(skip) : { kind: 'ignore' };
    }
  }
  const marked = items.find((i) => i.kind === 'option' && i.marker === key.sequence);
  if (marked) return choose(marked);
  // Any other printable key on a question that takes text starts typing.
  if (key.sequence && /^[\p{L}\p{N}:*/._-]$/u.test(key.sequence) && items.some((i) => i.kind === 'type')) {
    return { kind: 'type', initial: key.sequence };
  }
  return { kind: 'ignore' };
}

export function menuLines(items: readonly MenuItem[], cursor: number, style: Style, canUndo: boolean): string[] {
  const lines = items.map((item, i) => {
    const pointer = i === cursor ? style.cyan('❯') : ' ';
    const marker = item.kind === 'option' ? style.dim(`${item.marker}) `) : '   ';
    const label = i === cursor ? style.bold(item.label) : item.label;
    return `${pointer} ${marker}${label}`;
  });
  const keys = ['↑↓ move', 'Enter pick', 'or press its key'];
  const skip = items.find((i) => i.kind === 'skip');
  if (skip) keys.push(`s skip (${skip.label})`);
  if (canUndo) keys.push('b back');
  keys.push('Ctrl-C quit');
  lines.push(style.dim(`  ${keys.join(' · ')}`));
  return lines;
}
