// Reads what the handlers need from Slack's block_actions payloads, through zod: where the click happened and on what.
import type { BlockAction } from '@slack/bolt';
import { z } from 'zod';
import { SlackIds } from '../ids.ts';

export interface ClickPlace {
  user: string;
  channel: string;
  channelName: string | null;
  /** The message clicked on. */
  messageTs: string;
  /** The investigation thread: the clicked message's thread, or the message itself when it is the root. */
  rootTs: string;
}

const ClickBody = z.object({
  user: z.object({ id: SlackIds.user }),
  channel: z.object({ id: SlackIds.channel, name: z.string().max(200).optional() }).nullish(),
  container: z
    .object({ channel_id: SlackIds.channel.optional(), message_ts: SlackIds.ts.optional(), thread_ts: SlackIds.ts.optional() })
    .nullish(),
  message: z.object({ ts: SlackIds.ts, thread_ts: SlackIds.ts.optional() }).nullish(),
});

export function clickPlace(body: BlockAction): ClickPlace | null {
  const parsed = ClickBody.safeParse(body);
  if (!parsed.success) return null;
  const { user, channel: channelInfo, container, message } = parsed.data;
  const channel = channelInfo?.id ?? container?.channel_id;
  const messageTs = message?.ts ?? container?.message_ts;
  if (!channel || !messageTs) return null;
  const threadTs = message?.thread_ts ?? container?.thread_ts;
  return { user: user.id, channel, channelName: channelInfo?.name ?? null, messageTs, rootTs: threadTs ?? messageTs };
}

const ActionPayload = z.discriminatedUnion('type', [
  // Limits from Block Kit: a button value is at most 2000 characters, an option value at most 150.
  z.object({ type: z.literal('button'), value: z.string().max(2000).optional() }),
  z.object({ type: z.literal('static_select'), selected_option: z.object({ value: z.string().max(150) }).nullish() }),
]);

/** The value a button or a select carries; null for anything else or anything malformed. */
export function actionValue(action: BlockAction['actions'][number]): string | null {
  const parsed = ActionPayload.safeParse(action);
  if (!parsed.success) return null;
  return parsed.data.type === 'button' ? (parsed.data.value ?? null) : (parsed.data.selected_option?.value ?? null);
}
