// How the walkthrough talks to a person: one interface, a line-by-line version for pipes and a keyboard one for terminals.
import type { QuestionView, Reply } from './choices.ts';

export interface Prompter {
  /** Shows the question and waits for what the person does. */
  ask(view: QuestionView): Promise<Reply>;
  /** Prints lines of output. */
  say(lines: string[]): void;
  /** Gives the terminal back as it was. */
  close(): void;
}

/** Control characters in echoed input could drive the terminal; show them as �. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\uFFFD');
}
