// A typed answer from the modal: a malformed one is refused inside the ack (Slack shows it under the field), a good one applied after.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { parseAnswer } from '../../../runbook/formats.ts';
import { decodeTarget } from '../../blocks/modal.ts';
import type { SlackDeps } from '../../context.ts';
import { applyAnswer } from '../../flow/answer.ts';
import { SlackIds, TEXT_INPUT } from '../../ids.ts';
import { afterAck } from '../after-ack.ts';

export type ViewArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

export function textAnswerView(deps: SlackDeps) {
  return async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const target = decodeTarget(view.private_metadata);
    const node = target ? deps.engine.runbook.nodes[target.node] : undefined;
    const text = view.state.values[TEXT_INPUT.block]?.[TEXT_INPUT.action]?.value ?? '';
    const user = SlackIds.user.safeParse(body.user?.id);
    if (!target || node?.kind !== 'question' || !user.success) {
      await ack({ response_action: 'errors', errors: { [TEXT_INPUT.block]: 'This question is no longer open. Close this and start again.' } });
      return;
    }
    if (node.text) {
      const parsed = parseAnswer(node.text.format, text, deps.now());
      if (!parsed.ok) {
        await ack({ response_action: 'errors', errors: { [TEXT_INPUT.block]: parsed.message } });
        return;
      }
    }
    await ack();
    await afterAck(client, deps, { what: 'a typed answer', user: user.data, channel: target.channel, thread: target.rootTs }, () =>
      applyAnswer(client, deps, {
        channel: target.channel,
        channelName: null,
        rootTs: target.rootTs,
        questionTs: target.questionTs,
        node: target.node,
        step: target.step,
        user: user.data,
        value: text,
      }),
    );
  };
}
