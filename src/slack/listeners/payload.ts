// Reads what the handlers need from Slack's block_actions payloads: where the click happened and on what.
import type { BlockAction, ButtonAction, StaticSelectAction } from '@slack/bolt';

export interface ClickPlace {
  user: string;
  channel: string;
  channelName: string | null;
  /** The message clicked on. */
  messageTs: string;
  /** The investigation thread: the clicked message's thread, or the message itself when it is the root. */
  rootTs: string;
}

export function clickPlace(body: BlockAction): ClickPlace | null {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const messageTs = body.message?.ts ?? body.container?.message_ts;
  if (!channel || !messageTs) return null;
  const threadTs = (body.message?.thread_ts as string | undefined) ?? (body.container?.thread_ts as string | undefined);
  return { user: body.user.id, channel, channelName: body.channel?.name ?? null, messageTs, rootTs: threadTs ?? messageTs };
}

/** The value a button or a select carries. */
export function actionValue(action: BlockAction['actions'][number]): string | null {
  if (action.type === 'button') return (action as ButtonAction).value ?? null;
  if (action.type === 'static_select') return (action as StaticSelectAction).selected_option?.value ?? null;
  return null;
}
