// "Postmortem summary": the summary in the thread, the Markdown file attached, and a copy in the postmortem channel when set.
import { describeError } from '../../../redact.ts';
import { noticeMessage } from '../../blocks/notices.ts';
import type { SlackMessage } from '../../blocks/message.ts';
import type { SlackDeps } from '../../context.ts';
import { conclusionOf } from '../../flow/continue.ts';
import { useVerdictButton } from '../../flow/verdict-button.ts';
import { ACTION } from '../../ids.ts';
import { attachMarkdown, postMessage } from '../../post.ts';
import { postmortemMarkdown, postmortemMessage } from '../../postmortem.ts';
import { afterClick } from '../after-ack.ts';
import { clickPlace } from '../payload.ts';
import type { ActionArgs } from './answer.ts';

export function postmortemAction(deps: SlackDeps) {
  return async ({ ack, body, client }: ActionArgs): Promise<void> => {
    await ack();
    const place = clickPlace(body);
    if (!place) return;
    await afterClick(client, deps, place, 'the postmortem summary', async () => {
      // The summary and its file are the click's work: when either fails, the button is offered again.
      const posted: { summary?: SlackMessage } = {};
      const inv = await useVerdictButton(client, deps, place, ACTION.postmortem, {
        work: async (current) => {
          const conclusion = conclusionOf(deps, current);
          posted.summary = postmortemMessage(current, conclusion);
          await postMessage(client, place.channel, place.rootTs, posted.summary);
          const day = current.startedAt.slice(0, 10);
          await attachMarkdown(client, place.channel, place.rootTs, `keyloss-postmortem-${current.cache}-${day}.md`, `Postmortem: ${current.cache} (${day})`, postmortemMarkdown(current, conclusion));
        },
      });
      const summary = posted.summary;
      if (!inv || !summary) return;
      const copyTo = deps.config.postmortemChannel;
      // The summary is already in the thread: a copy that fails is said there as what it is, not as a failed postmortem.
      const copyFailed = copyTo ? await postMessage(client, copyTo, null, summary).then(() => null, (error: unknown) => describeError(error)) : null;
      if (copyTo && copyFailed) {
        await postMessage(client, place.channel, place.rootTs, noticeMessage(':warning:', `The postmortem could not be copied to ${copyTo} (${copyFailed}). Invite keyloss to that channel, or change KEYLOSS_POSTMORTEM_CHANNEL.`));
      }
      deps.audit({
        action: 'postmortem',
        user: place.user,
        channel: place.channel,
        thread: place.rootTs,
        cache: inv.cache,
        verdict: inv.report?.verdict ?? null,
        copiedTo: copyFailed ? null : copyTo,
        ...(copyFailed ? { copyFailed } : {}),
      });
    });
  };
}
