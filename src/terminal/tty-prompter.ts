// The walkthrough on a terminal: an arrow-key menu for choices, an editable prompt for typed answers, colours.
import { createInterface, emitKeypressEvents } from 'node:readline';
import type { ReadStream, WriteStream } from 'node:tty';
import { replyFromLine, type QuestionView, type Reply } from './choices.ts';
import { menuItems, menuKey, menuLines, type Key, type MenuItem } from './menu.ts';
import { shownAnswer, type Prompter } from './prompter.ts';
import { hintLine, questionLines } from './render.ts';
import { fitLines } from '../report/wrap.ts';
import type { Style } from './style.ts';

const HIDE_CURSOR = '\u001b[?25l';
const SHOW_CURSOR = '\u001b[?25h';
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** Terminal rows these lines take, counting the ones that wrap. */
export function rowsOf(lines: readonly string[], columns: number): number {
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil([...line.replace(ANSI, '')].length / Math.max(1, columns))), 0);
}

export function createTtyPrompter(input: ReadStream, output: WriteStream, style: Style): Prompter {
  emitKeypressEvents(input);
  /** Every line fits the terminal as it is now (it may have been resized), broken between words. */
  const toWidth = (lines: readonly string[]) => fitLines(lines, output.columns || 80);

  /** Shows the menu and resolves with the reply, or with "type" when the person wants to write an answer. */
  function menu(view: QuestionView, items: MenuItem[]): Promise<Reply | { kind: 'type'; initial: string }> {
    return new Promise((resolve) => {
      let cursor = 0;
      let shown = toWidth(menuLines(items, cursor, style, view.canUndo));
      output.write(`${HIDE_CURSOR}${shown.join('\n')}\n`);
      const erase = () => output.write(`\u001b[${rowsOf(shown, output.columns || 80)}A\u001b[0J`);
      const onKey = (_text: string | undefined, key: Key | undefined) => {
        const outcome = menuKey(items, cursor, key ?? {}, view.canUndo);
        if (outcome.kind === 'ignore') return;
        if (outcome.kind === 'move') {
          cursor = outcome.cursor;
          erase();
          shown = toWidth(menuLines(items, cursor, style, view.canUndo));
          output.write(`${shown.join('\n')}\n`);
          return;
        }
        input.off('keypress', onKey);
        input.setRawMode(false);
        input.pause();
        erase();
        output.write(SHOW_CURSOR);
        resolve(outcome.kind === 'pick' ? outcome.reply : outcome);
      };
      input.setRawMode(true);
      input.resume();
      input.on('keypress', onKey);
    });
  }

  /** An editable line; Ctrl-C quits with 130, Ctrl-D (end of input) with 1. */
  function typed(view: QuestionView, initial: string): Promise<Reply> {
    return new Promise((resolve) => {
      const reader = createInterface({ input, output, terminal: true });
      let settled = false;
      const settle = (reply: Reply) => {
        if (settled) return;
        settled = true;
        reader.close();
        resolve(reply);
      };
      reader.on('SIGINT', () => {
        output.write('\n');
        settle({ kind: 'quit', code: 130 });
      });
      reader.on('close', () => settle({ kind: 'quit', code: 1 }));
      reader.question(style.cyan('› '), (line) => {
        // The typed line may hold a password: it is replaced on screen (and so in the scrollback) by its masked form.
        const shown = shownAnswer(line, view);
        if (shown !== line) output.write(`\u001b[${rowsOf([`› ${line}`], output.columns || 80)}A\r\u001b[0J${style.cyan('› ')}${shown}\n`);
        settle(replyFromLine(line, view));
      });
      if (initial) reader.write(initial);
    });
  }

  return {
    async ask(view: QuestionView): Promise<Reply> {
      if (!view.question.options) {
        output.write(`${toWidth(questionLines(view, style, 'prompt')).join('\n')}\n`);
        return typed(view, '');
      }
      output.write(`${toWidth(questionLines(view, style, 'menu')).join('\n')}\n`);
      const picked = await menu(view, menuItems(view));
      if (picked.kind !== 'type') return picked;
      const hint = hintLine(view, style);
      if (hint) output.write(`${toWidth([hint]).join('\n')}\n`);
      return typed(view, picked.initial);
    },
    say(lines: string[]) {
      if (lines.length > 0) output.write(`${toWidth(lines).join('\n')}\n`);
    },
    close() {
      if (input.isRaw) input.setRawMode(false);
      output.write(SHOW_CURSOR);
      input.pause();
    },
  };
}
