// "Type the answer…": opens the modal at once (the trigger lives 3 s); access is checked when the answer arrives.
import type { SlackDeps } from '../../context.ts';
import { textAnswerModal } from '../../blocks/modal.ts';
import { parseQuestionBlockId } from '../../ids.ts';
import { afterClick } from '../after-ack.ts';
import { clickPlace } from '../payload.ts';
import type { ActionArgs } from './answer.ts';

export function openTextAction(deps: SlackDeps) {
  return async ({ ack, body, action, client }: ActionArgs): Promise<void> => {
    await ack();
    const place = clickPlace(body);
    const question = parseQuestionBlockId(action.block_id);
    const node = question ? deps.engine.runbook.nodes[question.node] : undefined;
    if (!place || !question || node?.kind !== 'question') return;
    await afterClick(client, deps, place, 'opening the answer form', async () => {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: textAnswerModal(node, { channel: place.channel, rootTs: place.rootTs, node: question.node, step: question.step, questionTs: place.messageTs }),
      });
    });
  };
}
