// /keyloss: answers help, bad text and "no caches" in the ack itself; after the ack, checks access and starts (or offers caches).
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { mayDiagnose } from '../../access.ts';
import { cachePickerMessage, noCachesMessage, noticeMessage, refusalMessage, usageMessage } from '../../blocks/notices.ts';
import type { SlackMessage } from '../../blocks/message.ts';
import { parseCommandText } from '../../command-text.ts';
import { cacheList, cacheNamed, type Client, type SlackDeps } from '../../context.ts';
import { startInvestigation } from '../../flow/start.ts';
import { requester } from '../../usergroups.ts';
import { withClaim, type RecordKind } from '../../../state/store.ts';
import { afterAck } from '../after-ack.ts';

export type CommandArgs = AllMiddlewareArgs & SlackCommandMiddlewareArgs;

/** Prefill kept while the person picks a cache from the list. */
export interface PendingStart {
  channel: string;
  user: string;
  prefill: Record<string, string>;
  /** The thread to run in (a message shortcut on a message), when not a new one. */
  thread?: string;
}

/** The list's record: the prefill of one command or shortcut (Slack bounds their text), a few hundred characters. */
export const PENDING_START_RECORD: RecordKind<PendingStart> = {
  what: 'cache list',
  schema: z.object({ channel: z.string(), user: z.string(), prefill: z.record(z.string(), z.string()), thread: z.string().optional() }),
  maxChars: 65_536,
};

export const PENDING_TTL_MS = 15 * 60_000;

export function pendingKey(id: string): string {
  return `pending:${id}`;
}

type Decision =
  | { kind: 'reply'; message: SlackMessage; why: string }
  | { kind: 'start'; cache: string; prefill: Record<string, string> }
  | { kind: 'pick'; prefill: Record<string, string> };

/** Everything decidable without I/O, so the ack can carry the answer. */
export function decideCommand(deps: SlackDeps, text: string): Decision {
  const names = cacheList(deps).map((c) => c.name);
  const parsed = parseCommandText(text, names, deps.now());
  if (parsed.ok && parsed.help) return { kind: 'reply', message: usageMessage(null, names), why: 'help' };
  if (!deps.caches.ok) {
    return deps.caches.missing
      ? { kind: 'reply', message: noCachesMessage(deps.caches.reason), why: 'no caches file' }
      : { kind: 'reply', message: noCachesMessage(`The caches file has errors: ${deps.caches.reason}`), why: 'caches file invalid' };
  }
  if (!parsed.ok) return { kind: 'reply', message: usageMessage(parsed.problem, names), why: 'bad text' };
  if (parsed.help) return { kind: 'reply', message: usageMessage(null, names), why: 'help' };
  if (parsed.cache === null) return { kind: 'pick', prefill: parsed.prefill };
  const { cache: _cache, ...prefill } = parsed.prefill;
  return { kind: 'start', cache: parsed.cache, prefill };
}

export function keylossCommand(deps: SlackDeps) {
  return async ({ command, ack, respond, client }: CommandArgs): Promise<void> => {
    const decision = decideCommand(deps, command.text ?? '');
    if (decision.kind === 'reply') {
      await ack({ response_type: 'ephemeral', text: decision.message.text, blocks: decision.message.blocks });
      deps.audit({ action: 'command', user: command.user_id, channel: command.channel_id, outcome: decision.why });
      return;
    }
    await ack();
    const ephemeral = (msg: SlackMessage) => respond({ response_type: 'ephemeral', replace_original: false, text: msg.text, blocks: msg.blocks });
    await afterAck(client, deps, { what: '/keyloss', user: command.user_id, channel: command.channel_id, thread: null }, () =>
      startOrPick(client, deps, {
        triggerId: command.trigger_id,
        user: command.user_id,
        channel: command.channel_id,
        channelName: command.channel_name ?? null,
        cache: decision.kind === 'start' ? decision.cache : null,
        prefill: decision.prefill,
        thread: null,
        ephemeral,
      }),
    );
  };
}

export interface StartOrPick {
  /** Claimed once: a delivery Slack repeats starts nothing twice. */
  triggerId: string;
  user: string;
  channel: string;
  channelName: string | null;
  /** The cache named; null: offer the ones this user may diagnose here. */
  cache: string | null;
  prefill: Record<string, string>;
  /** An existing thread to run in (the message shortcut), or null for a new root message. */
  thread: string | null;
  ephemeral(msg: SlackMessage): Promise<unknown>;
}

/** After the ack of a command or a shortcut: check access, then start, or offer the caches to pick from. */
export async function startOrPick(client: Client, deps: SlackDeps, r: StartOrPick): Promise<void> {
  // A delivery Slack repeats finds the claim taken; work that throws (a state write, a post) gives it back.
  const key = `command:${r.triggerId}`;
  await withClaim(deps.store, key, PENDING_TTL_MS, async () => {
    const place = { userId: r.user, channelId: r.channel, channelName: r.channelName };
    const onError = (reason: string) => deps.audit({ action: 'error', user: r.user, channel: r.channel, error: reason });
    if (r.cache === null) {
      const who = await requester(client, cacheList(deps), place, onError);
      const usable = cacheList(deps).filter((c) => mayDiagnose(c, who).ok);
      if (usable.length === 0) {
        deps.audit({ action: 'refused', user: r.user, channel: r.channel, what: 'no usable cache' });
        await r.ephemeral(refusalMessage('None of the configured caches may be diagnosed by you in this channel. Ask the owners of the caches file.'));
        return;
      }
      const pending: PendingStart = { channel: r.channel, user: r.user, prefill: r.prefill, ...(r.thread ? { thread: r.thread } : {}) };
      // Already there only when an earlier attempt wrote it and then failed: the same prefill.
      await deps.store.put(pendingKey(r.triggerId), PENDING_START_RECORD, pending, null, PENDING_TTL_MS);
      await r.ephemeral(cachePickerMessage(usable, r.triggerId));
      return;
    }
    const cache = cacheNamed(deps, r.cache);
    if (!cache) {
      // App Home's form names the cache it was opened for; the caches file may have changed since.
      deps.audit({ action: 'refused', user: r.user, channel: r.channel, cache: r.cache, what: 'cache no longer configured' });
      await r.ephemeral(refusalMessage(`${r.cache} is no longer configured: the caches file has no cache of that name. Open App Home again for the caches you may diagnose.`));
      return;
    }
    const who = await requester(client, [cache], place, onError);
    const access = mayDiagnose(cache, who);
    if (!access.ok) {
      deps.audit({ action: 'refused', user: r.user, channel: r.channel, cache: cache.name, what: r.thread ? 'shortcut' : 'command' });
      await r.ephemeral(refusalMessage(access.reason));
      return;
    }
    const started = await startInvestigation(client, deps, { cache, channel: r.channel, user: r.user, prefill: r.prefill, ...(r.thread ? { thread: r.thread } : {}) });
    if (!started.ok) {
      await r.ephemeral(started.inCommandText ? usageMessage(started.reason, cacheList(deps).map((c) => c.name)) : noticeMessage(':warning:', started.reason));
    }
  });
}
