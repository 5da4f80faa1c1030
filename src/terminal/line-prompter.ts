// The walkthrough over a pipe: numbered choices as plain text, one line read per answer.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { replyFromLine, type QuestionView, type Reply } from './choices.ts';
import { shownAnswer, type Prompter } from './prompter.ts';
import { fitLines } from '../report/wrap.ts';
import { questionLines } from './render.ts';
import type { Style } from './style.ts';

/** Reads lines as they come; `next()` gives the next one, or null once the input has ended. */
export function lineQueue(input: Readable): { next(): Promise<string | null>; close(): void } {
  const lines: string[] = [];
  const waiting: Array<(line: string | null) => void> = [];
  let ended = false;
  const reader = createInterface({ input, terminal: false, crlfDelay: Infinity });
  reader.on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  reader.on('close', () => {
    ended = true;
    for (const waiter of waiting.splice(0)) waiter(null);
  });
  return {
    next: () => {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: () => reader.close(),
  };
}

/** Columns a transcript wraps at: a pipe has no width of its own. */
export const PIPE_WIDTH = 80;

/** `interrupted` ends a pending question (Ctrl-C arrives as SIGINT when stdin is not a terminal). */
export function createLinePrompter(input: Readable, output: Writable, style: Style, interrupted: AbortSignal, width = PIPE_WIDTH): Prompter {
  const queue = lineQueue(input);
  const onInterrupt = new Promise<Reply>((resolve) => {
    if (interrupted.aborted) resolve({ kind: 'quit', code: 130 });
    interrupted.addEventListener('abort', () => resolve({ kind: 'quit', code: 130 }), { once: true });
  });
  return {
    async ask(view: QuestionView): Promise<Reply> {
      output.write(`${fitLines(questionLines(view, style, 'lines'), width).join('\n')}\n> `);
      const line = await Promise.race([queue.next(), onInterrupt]);
      if (line === null) {
        output.write('\n');
        return { kind: 'quit', code: 1 };
      }
      if (typeof line !== 'string') {
        output.write('\n');
        return line;
      }
      // A pipe does not echo: show what was read, so a transcript reads as a conversation.
      output.write(`${shownAnswer(line, view)}\n`);
      return replyFromLine(line, view);
    },
    say(lines: string[]) {
      if (lines.length > 0) output.write(`${fitLines(lines, width).join('\n')}\n`);
    },
    close() {
      queue.close();
    },
  };
}
