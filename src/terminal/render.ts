// What the walkthrough prints: questions, check progress and conclusions, as plain lines (styled on a terminal).
import type { CheckProgress } from '../domain/checks.ts';
import type { ConclusionNode, QuestionNode } from '../runbook/schema.ts';
import { redact } from '../redact.ts';
import { formatInstant, printable } from '../domain/format.ts';
import { choicesOf, type QuestionView } from './choices.ts';
import type { Style } from './style.ts';

export function indent(text: string, prefix = '  '): string[] {
  return text.split('\n').map((line) => (line === '' ? '' : `${prefix}${line}`));
}

/** The hint under a question: what may be typed, what Enter does, how to undo. */
export function hintLine(view: QuestionView, style: Style): string | null {
  const parts: string[] = [];
  const { question } = view;
  if (question.text) {
    const example = question.text.placeholder ? `, e.g. ${question.text.placeholder}` : '';
    parts.push(question.options ? `or type an answer${example}` : `type an answer${example}`);
  }
  if (view.defaultText !== null) parts.push(`Enter: ${redact(view.defaultText)}`);
  else if (question.skip) parts.push(`Enter or s (skip): ${question.skip.label}`);
  if (view.canUndo) parts.push('b (back): previous question');
  return parts.length > 0 ? style.dim(`  ${parts.join(' · ')}`) : null;
}

/**
 * The question with its help. `lines` (a pipe) lists the choices and the hint, `prompt` (typing on a terminal)
 * adds the hint, `menu` leaves both to the arrow-key menu.
 */
export function questionLines(view: QuestionView, style: Style, mode: 'lines' | 'prompt' | 'menu'): string[] {
  const { question } = view;
  const lines = view.again ? [style.bold(question.prompt)] : ['', style.bold(question.prompt)];
  if (question.help && !view.again) lines.push(...indent(question.help).map((l) => style.dim(l)));
  if (mode === 'lines') {
    for (const choice of choicesOf(question)) lines.push(`  ${style.cyan(`${choice.marker})`)} ${choice.label}`);
  }
  const hint = mode === 'menu' ? null : hintLine(view, style);
  if (hint) lines.push(hint);
  return lines;
}

/** One line once an answer is taken: the value the session stores (a normalised time, the chosen option). */
/** An answer as confirmed: its option's label, the skip's label, or the value; a time as the report writes times. */
export function answeredLine(question: QuestionNode, value: string, skipped: boolean, style: Style, now: Date = new Date()): string {
  const option = question.options?.find((o) => o.value === value);
  const shown = skipped ? (question.skip?.label ?? 'skipped') : option ? option.label : question.text?.format === 'since' ? sinceShown(value, now) : redact(value);
  return `${style.green('✓')} ${question.prompt} ${style.bold(shown)}`;
}

/** A since answer is stored as an ISO time ("2h" becomes one): shown as "05:03:04 UTC", as the report writes times. */
function sinceShown(value: string, now: Date): string {
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? redact(value) : formatInstant(at, now);
}

/** A finished check: ✓ / ! / - with its time on a terminal, plain words in a pipe (times vary run to run). */
export function progressLine(progress: CheckProgress, style: Style): string | null {
  if (progress.status === 'running') return null;
  const detail = progress.detail ? `: ${printable(redact(progress.detail))}` : '';
  if (!style.enabled) return `  ${progress.status.padEnd(7)} ${progress.title}${detail}`;
  const ms = progress.ms === undefined ? '' : style.dim(` ${progress.ms} ms`);
  switch (progress.status) {
    case 'ok':
      return `  ${style.green('✓')} ${progress.title}${ms}`;
    case 'failed':
      return `  ${style.yellow('!')} ${progress.title}${ms}${style.yellow(detail)}`;
    case 'skipped':
      return `  ${style.dim('-')} ${style.dim(`${progress.title}${detail}`)}`;
  }
}

export function conclusionLines(node: ConclusionNode, style: Style): string[] {
  return ['', style.bold(style.cyan(node.title)), ...indent(node.body)];
}
