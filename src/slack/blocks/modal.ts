// The modal for a free-text answer (a key pattern, an ISO time, a database number).
import type { QuestionNode } from '../../runbook/schema.ts';
import { z } from 'zod';
import { SlackIds, TEXT_INPUT, VIEW } from '../ids.ts';
import { fitBlocks, LIMITS, truncate } from './limits.ts';
import { plain } from './message.ts';

/** Where the answer belongs; travels in private_metadata. */
export interface TextAnswerTarget {
  channel: string;
  rootTs: string;
  node: string;
  step: number;
  /** The question message, to mark it answered. */
  questionTs: string;
}

export function encodeTarget(target: TextAnswerTarget): string {
  return JSON.stringify({ c: target.channel, t: target.rootTs, n: target.node, s: target.step, m: target.questionTs });
}

const EncodedTarget = z.object({
  c: SlackIds.channel,
  t: SlackIds.ts,
  n: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
  s: z.number().int().min(0).max(10_000),
  m: SlackIds.ts,
});

/** private_metadata comes back from Slack with the submission: parsed, never trusted. */
export function decodeTarget(metadata: string): TextAnswerTarget | null {
  let raw: unknown;
  try {
    raw = JSON.parse(metadata);
  } catch {
    return null;
  }
  const parsed = EncodedTarget.safeParse(raw);
  if (!parsed.success) return null;
  const { c, t, n, s, m } = parsed.data;
  return { channel: c, rootTs: t, node: n, step: s, questionTs: m };
}

export function textAnswerModal(node: QuestionNode, target: TextAnswerTarget) {
  const fitted = fitBlocks(
    [
      {
        type: 'input',
        block_id: TEXT_INPUT.block,
        label: plain(truncate(node.prompt, LIMITS.inputLabel)),
        element: {
          type: 'plain_text_input',
          action_id: TEXT_INPUT.action,
          ...(node.text?.placeholder ? { placeholder: plain(truncate(node.text.placeholder, LIMITS.placeholder)) } : {}),
        },
        ...(node.help ? { hint: plain(truncate(node.help, LIMITS.inputLabel)) } : {}),
      },
    ],
    'modal',
  );
  return {
    type: 'modal' as const,
    callback_id: VIEW.textAnswer,
    title: plain('keyloss'),
    submit: plain('Answer'),
    close: plain('Cancel'),
    private_metadata: encodeTarget(target),
    blocks: fitted.blocks,
  };
}
