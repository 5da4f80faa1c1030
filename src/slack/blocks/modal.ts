// The modal for a free-text answer (a key pattern, an ISO time, a database number).
import type { QuestionNode } from '../../runbook/schema.ts';
import { TEXT_INPUT, VIEW } from '../ids.ts';
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

export function decodeTarget(metadata: string): TextAnswerTarget | null {
  try {
    const raw = JSON.parse(metadata) as { c?: unknown; t?: unknown; n?: unknown; s?: unknown; m?: unknown };
    if (typeof raw.c !== 'string' || typeof raw.t !== 'string' || typeof raw.n !== 'string' || typeof raw.s !== 'number' || typeof raw.m !== 'string') {
      return null;
    }
    return { channel: raw.c, rootTs: raw.t, node: raw.n, step: raw.s, questionTs: raw.m };
  } catch {
    return null;
  }
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
