// How a question's choices are offered in the terminal and how a typed line maps to a reply.
import type { QuestionNode } from '../runbook/schema.ts';

/** What the person did at a question. */
export type Reply =
  | { kind: 'answer'; text: string }
  | { kind: 'back' }
  | { kind: 'skip' }
  /** 130 for Ctrl-C, 1 for the end of input. */
  | { kind: 'quit'; code: 1 | 130 };

/** A question as the terminal shows it. */
export interface QuestionView {
  question: QuestionNode;
  /** What Enter on an empty line answers (the cache question offers REDIS_URL). */
  defaultText: string | null;
  canUndo: boolean;
  /** Asked again right after its answer was refused: the help was just on screen, only the prompt is repeated. */
  again?: boolean;
}

export interface Choice {
  /** What to type (or press) to pick it: a number, or the option value itself. */
  marker: string;
  value: string;
  label: string;
}

// These formats read a bare number as an answer, so a number cannot also mean "the n-th option".
const FORMATS_TAKING_NUMBERS = new Set(['db-index', 'key-pattern', 'field-name', 'target', 'text']);

/** Options are numbered 1…n unless a number could also be an answer (db 2 is not "the second option"). */
export function choicesOf(question: QuestionNode): Choice[] {
  const options = question.options ?? [];
  const numbered =
    !options.some((o) => /^\d+$/.test(o.value)) && !(question.text && FORMATS_TAKING_NUMBERS.has(question.text.format));
  return options.map((o, i) => ({ marker: numbered ? String(i + 1) : o.value, value: o.value, label: o.label }));
}

/** What goes back and what skips, typed or pressed, at every prompt (a menu takes the single letters as keys). */
export const BACK_WORDS = ['b', 'back'] as const;
export const SKIP_WORDS = ['s', 'skip'] as const;

/** Reads one typed line: `b`/`back`, `s`/`skip`, an empty line (default, else skip), an option number, or an answer. */
export function replyFromLine(line: string, view: QuestionView): Reply {
  const text = line.trim();
  const word = text.toLowerCase();
  if ((BACK_WORDS as readonly string[]).includes(word)) return { kind: 'back' };
  if ((SKIP_WORDS as readonly string[]).includes(word)) return { kind: 'skip' };
  if (text === '') {
    if (view.defaultText !== null) return { kind: 'answer', text: view.defaultText };
    if (view.question.skip) return { kind: 'skip' };
    return { kind: 'answer', text: '' };
  }
  const picked = choicesOf(view.question).find((c) => c.marker === text);
  return { kind: 'answer', text: picked ? picked.value : text };
}
