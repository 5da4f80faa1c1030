// A runbook question as a thread message: buttons (≤ 5 options) or a select, "type an answer", "not sure"; and its answered form.
import type { QuestionNode } from '../../runbook/schema.ts';
import { ACTION, questionBlockId } from '../ids.ts';
import { escapeMrkdwn, mention } from './escape.ts';
import type { Block, InteractiveElement } from './limits.ts';
import { button, context, message, plain, section, type SlackMessage } from './message.ts';

const MAX_BUTTONS = 5;

export function questionBlocks(node: QuestionNode): Block[] {
  const blocks: Block[] = [section(`*${node.prompt}*`)];
  if (node.help) blocks.push(context(node.help));
  return blocks;
}

/** The question with its controls; `step` (answers so far) makes a stale click recognisable. */
export function questionMessage(nodeId: string, node: QuestionNode, step: number): SlackMessage {
  const elements: InteractiveElement[] = [];
  const options = node.options ?? [];
  const asButtons = options.length > 0 && options.length <= MAX_BUTTONS && node.display !== 'select';
  if (asButtons) {
    options.forEach((o, i) => {
      elements.push(button(`${ACTION.answerPrefix}${i}`, o.label, o.value));
    });
  } else if (options.length > 0) {
    elements.push({
      type: 'static_select',
      action_id: ACTION.answerSelect,
      placeholder: plain('Pick one'),
      options: options.map((o) => ({ text: plain(o.label), value: o.value })),
    });
  }
  if (node.text) elements.push(button(ACTION.openText, options.length > 0 ? 'Type another answer…' : 'Type the answer…'));
  if (node.skip) elements.push(button(ACTION.skip, node.skip.label));
  return message(node.prompt, [
    ...questionBlocks(node),
    { type: 'actions', block_id: questionBlockId(nodeId, step), elements },
  ]);
}

/** The question once answered: the controls give way to "✔ answer — who". */
export function answeredMessage(node: QuestionNode, answer: string, user: string | null): SlackMessage {
  const by = user ? ` — ${mention(user)}` : '';
  return message(`${node.prompt} ${answer}`, [
    ...questionBlocks(node),
    context(`:heavy_check_mark: ${escapeMrkdwn(answer)}${by}`),
  ]);
}

/** The label a person saw for a stored value: the option's label, else the value itself. */
export function answerLabel(node: QuestionNode, value: string, skipped: boolean): string {
  if (skipped) return node.skip?.label ?? 'Skipped';
  return node.options?.find((o) => o.value === value)?.label ?? value;
}
