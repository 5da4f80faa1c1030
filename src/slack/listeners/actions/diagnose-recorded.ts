// Diagnose on a message keyloss record posted: the usual investigation, in that message's thread, prefilled with the
// recorded event's key family and a since just before it; the same access rules and one-start claim as any start.
import { z } from 'zod';
import { cacheAtAddress } from '../../../core/target.ts';
import { parseKeyPattern } from '../../../runbook/formats.ts';
import { withClaim } from '../../../state/store.ts';
import { mayDiagnose } from '../../access.ts';
import { noticeMessage, refusalMessage } from '../../blocks/notices.ts';
import type { SlackMessage } from '../../blocks/message.ts';
import type { DiagnoseValue } from '../../blocks/recorded.ts';
import { cacheList, cacheNamed, type SlackDeps } from '../../context.ts';
import { startInvestigation } from '../../flow/start.ts';
import { postEphemeral } from '../../post.ts';
import { requester } from '../../usergroups.ts';
import { afterClick } from '../after-ack.ts';
import { actionValue, clickPlace } from '../payload.ts';
import type { ActionArgs } from './answer.ts';

const Value = z.object({
  cache: z.string().min(1).max(200),
  key: z.string().min(1).max(1000),
  since: z.string().max(40).refine((text) => Number.isFinite(Date.parse(text))),
});

/** The button's value, read like any payload: a forged or damaged one is not acted on. */
export function parseDiagnoseValue(text: string | null): DiagnoseValue | null {
  if (text === null) return null;
  try {
    const parsed = Value.safeParse(JSON.parse(text));
    if (!parsed.success || !parseKeyPattern(parsed.data.key).ok) return null;
    return { cache: parsed.data.cache, key: parsed.data.key, since: new Date(Date.parse(parsed.data.since)).toISOString() };
  } catch {
    return null;
  }
}

export function diagnoseRecordedAction(deps: SlackDeps) {
  return async ({ ack, body, action, client }: ActionArgs): Promise<void> => {
    await ack();
    const place = clickPlace(body);
    const value = parseDiagnoseValue(actionValue(action));
    if (!place || !value) return;
    await afterClick(client, deps, place, 'Diagnose', async () => {
      const say = (msg: SlackMessage) => postEphemeral(client, place.channel, place.user, place.messageTs, msg);
      // The record's name is the caches file's name, or host:port for a cache recorded by URL: found either way.
      const cache = cacheNamed(deps, value.cache) ?? cacheAtAddress(cacheList(deps), deps.config.secrets, value.cache);
      if (!cache) {
        await say(noticeMessage(':warning:', `${value.cache} is not in the caches file this app reads, so it cannot be diagnosed from Slack. Add it (with its alert channel) and click again.`));
        return;
      }
      const who = await requester(client, [cache], { userId: place.user, channelId: place.channel, channelName: place.channelName }, (reason) =>
        deps.audit({ action: 'error', user: place.user, channel: place.channel, error: reason }),
      );
      const access = mayDiagnose(cache, who);
      if (!access.ok) {
        deps.audit({ action: 'refused', user: place.user, channel: place.channel, cache: cache.name, what: 'diagnose recorded event' });
        await say(refusalMessage(access.reason));
        return;
      }
      // One investigation per recorded message, whatever is clicked twice or redelivered; a start that fails gives it back.
      const key = `diagnose-recorded:${place.channel}:${place.messageTs}`;
      const claimed = await withClaim(deps.store, key, deps.config.sessionTtlMs, async () => {
        const started = await startInvestigation(client, deps, { cache, channel: place.channel, user: place.user, prefill: { key: value.key, since: value.since }, thread: place.messageTs });
        if (!started.ok) {
          await deps.store.release(key);
          await say(noticeMessage(':warning:', started.reason));
        }
      });
      if (!claimed) await say(noticeMessage(':information_source:', 'The checks of this event already run in its thread.'));
    });
  };
}
