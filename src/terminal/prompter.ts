// How the walkthrough talks to a person: one interface, a line-by-line version for pipes and a keyboard one for terminals.
import { printable } from '../domain/format.ts';
import { redact } from '../redact.ts';
import { parseTarget } from '../runbook/formats.ts';
import type { QuestionView, Reply } from './choices.ts';

export interface Prompter {
  /** Shows the question and waits for what the person does. */
  ask(view: QuestionView): Promise<Reply>;
  /** Prints lines of output. */
  say(lines: string[]): void;
  /** Gives the terminal back as it was. */
  close(): void;
}


/**
 * A typed line as it may stay on screen: an address with its password masked (parsing it registers the password), and
 * for an address keyloss cannot read, not the text at all, since it may hold a password that could not be found in it.
 */
export function shownAnswer(line: string, view: QuestionView): string {
  if (view.question.text?.format === 'target' && line.trim() !== '' && !/^(back|skip|b|s)$/i.test(line.trim())) {
    return parseTarget(line).ok ? printable(redact(line)) : '(not shown: not an address keyloss can read)';
  }
  return printable(redact(line));
}
