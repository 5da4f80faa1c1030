// "Investigate with keyloss" on any message: what the message names (resource id, cache, key, time) is prefilled,
// and the investigation runs in that message's thread; questions only for what is missing.
import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import type { SlackMessage } from '../../blocks/message.ts';
import { noCachesMessage } from '../../blocks/notices.ts';
import { cacheList, type SlackDeps } from '../../context.ts';
import { SlackIds } from '../../ids.ts';
import { messageStrings, readMessageClues } from '../../message-clues.ts';
import { postEphemeral } from '../../post.ts';
import { afterAck } from '../after-ack.ts';
import { startOrPick } from '../commands/keyloss.ts';

export const SHORTCUT = 'keyloss_investigate';

const ShortcutBody = z.object({
  trigger_id: z.string().min(1).max(300),
  user: z.object({ id: SlackIds.user }),
  channel: z.object({ id: SlackIds.channel, name: z.string().max(200).optional() }),
  message: z.object({ ts: SlackIds.ts, thread_ts: SlackIds.ts.optional(), text: z.string().optional(), blocks: z.unknown().optional(), attachments: z.unknown().optional() }),
});

export function investigateShortcut(deps: SlackDeps) {
  return async ({ ack, shortcut, client }: AllMiddlewareArgs & SlackShortcutMiddlewareArgs<MessageShortcut>): Promise<void> => {
    await ack();
    const parsed = ShortcutBody.safeParse(shortcut);
    if (!parsed.success) {
      deps.audit({ action: 'refused', user: null, channel: null, what: 'shortcut payload that does not fit', issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) });
      return;
    }
    const { user, channel, message, trigger_id: triggerId } = parsed.data;
    const ephemeral = (msg: SlackMessage) => postEphemeral(client, channel.id, user.id, message.thread_ts ?? message.ts, msg);
    // The thread the message belongs to: its own when it is a root, its parent's when it is a reply.
    const thread = message.thread_ts ?? message.ts;
    await afterAck(client, deps, { what: 'Investigate with keyloss', user: user.id, channel: channel.id, thread: null }, async () => {
      if (!deps.caches.ok) {
        await ephemeral(noCachesMessage(deps.caches.reason));
        return;
      }
      const clues = readMessageClues(messageStrings(message), cacheList(deps), deps.now());
      deps.audit({ action: 'shortcut', user: user.id, channel: channel.id, thread, cache: clues.cache?.name ?? null, found: Object.keys(clues.prefill) });
      await startOrPick(client, deps, {
        triggerId,
        user: user.id,
        channel: channel.id,
        channelName: channel.name ?? null,
        cache: clues.cache?.name ?? null,
        prefill: clues.prefill,
        thread,
        ephemeral,
      });
    });
  };
}
