// A cache picked from the list /keyloss offered: starts the investigation with the prefill the command carried.
import { mayDiagnose } from '../../access.ts';
import { noticeMessage, refusalMessage } from '../../blocks/notices.ts';
import { cacheNamed, type SlackDeps } from '../../context.ts';
import { startInvestigation } from '../../flow/start.ts';
import { parsePickBlockId } from '../../ids.ts';
import { requester } from '../../usergroups.ts';
import { withClaim } from '../../../state/store.ts';
import { afterAck } from '../after-ack.ts';
import { PENDING_START_RECORD, pendingKey } from '../commands/keyloss.ts';
import { actionValue } from '../payload.ts';
import type { ActionArgs } from './answer.ts';

export function pickCacheAction(deps: SlackDeps) {
  return async ({ ack, body, action, client, respond }: ActionArgs): Promise<void> => {
    await ack();
    const pendingId = parsePickBlockId(action.block_id);
    const name = actionValue(action);
    if (!pendingId || !name) return;
    const user = body.user.id;
    const channel = body.channel?.id ?? body.container?.channel_id ?? null;
    await afterAck(client, deps, { what: 'picking a cache', user, channel, thread: null }, async () => {
      const reply = (msg: { text: string; blocks: unknown[] }) => respond({ response_type: 'ephemeral', replace_original: true, ...asReply(msg) });
      // Everything about the click is checked before the list's one-time claim: a click that is refused (another
      // person's, a cache the list did not offer, an expired list) leaves the list usable for the person it was for.
      const pending = (await deps.store.get(pendingKey(pendingId), PENDING_START_RECORD))?.value;
      if (!pending) {
        await reply(noticeMessage(':hourglass:', 'This list has expired. Run /keyloss again.'));
        return;
      }
      if (pending.user !== user) {
        await reply(noticeMessage(':information_source:', 'This list of caches was offered to someone else. Run /keyloss to get your own.'));
        return;
      }
      const cache = cacheNamed(deps, name);
      if (!cache) {
        await reply(noticeMessage(':warning:', 'That cache is not one keyloss offered. Run /keyloss again.'));
        return;
      }
      const who = await requester(client, [cache], { userId: user, channelId: pending.channel, channelName: body.channel?.name ?? null }, (reason) =>
        deps.audit({ action: 'error', user, channel: pending.channel, error: reason }),
      );
      const access = mayDiagnose(cache, who);
      if (!access.ok) {
        deps.audit({ action: 'refused', user, channel: pending.channel, cache: cache.name, what: 'pick' });
        await reply(refusalMessage(access.reason));
        return;
      }
      // The first pick starts the investigation; a start that fails gives the list back for another pick.
      const key = `pick:${pendingId}`;
      await withClaim(deps.store, key, deps.config.sessionTtlMs, async () => {
        await reply(noticeMessage(':mag:', `Starting on ${cache.name}…`));
        const started = await startInvestigation(client, deps, { cache, channel: pending.channel, user, prefill: pending.prefill, ...(pending.thread ? { thread: pending.thread } : {}) });
        if (!started.ok) {
          await deps.store.release(key);
          await reply(noticeMessage(':warning:', started.reason));
        }
      });
    });
  };
}

function asReply(msg: { text: string; blocks: unknown[] }) {
  return { text: msg.text, blocks: msg.blocks as never[] };
}
