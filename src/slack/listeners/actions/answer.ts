// A click on an option button, a pick in a select, or "not sure": acked at once, applied after.
import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { applyAnswer } from '../../flow/answer.ts';
import type { SlackDeps } from '../../context.ts';
import { ACTION, parseQuestionBlockId } from '../../ids.ts';
import { afterClick } from '../after-ack.ts';
import { actionValue, clickPlace } from '../payload.ts';

export type ActionArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>;

export function answerAction(deps: SlackDeps) {
  return async ({ ack, body, action, client }: ActionArgs): Promise<void> => {
    await ack();
    const place = clickPlace(body);
    const question = parseQuestionBlockId(action.block_id);
    if (!place || !question) return;
    const skipping = action.action_id === ACTION.skip;
    const value = skipping ? null : actionValue(action);
    if (!skipping && value === null) return;
    await afterClick(client, deps, place, 'an answer', () =>
      applyAnswer(client, deps, {
        channel: place.channel,
        channelName: place.channelName,
        rootTs: place.rootTs,
        questionTs: place.messageTs,
        node: question.node,
        step: question.step,
        user: place.user,
        value,
      }),
    );
  };
}
