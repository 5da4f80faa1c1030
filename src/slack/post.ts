// Sends built messages to Slack: into a thread, as edits, as ephemerals, and Markdown files.
import type { Client } from './context.ts';
import type { SlackMessage } from './blocks/message.ts';
import type { REPORT_EVENT } from './ids.ts';

export interface ReportMetadata {
  event_type: typeof REPORT_EVENT;
  /** `alert_id`: the Azure Monitor alert that started the investigation, when one did. */
  event_payload: { verdict: string; cause: string; likelihood: string; cache: string; key: string; alert_id?: string };
}

export async function postMessage(
  client: Client,
  channel: string,
  threadTs: string | null,
  msg: SlackMessage,
  metadata?: ReportMetadata,
): Promise<string> {
  const res = await client.chat.postMessage({
    channel,
    text: msg.text,
    blocks: msg.blocks,
    ...(threadTs ? { thread_ts: threadTs, reply_broadcast: false } : {}),
    ...(metadata ? { metadata } : {}),
    unfurl_links: false,
    unfurl_media: false,
  });
  if (!res.ts) throw new Error(`chat.postMessage to ${channel} returned no ts`);
  return res.ts;
}

export async function updateMessage(client: Client, channel: string, ts: string, msg: SlackMessage, metadata?: ReportMetadata): Promise<void> {
  await client.chat.update({ channel, ts, text: msg.text, blocks: msg.blocks, ...(metadata ? { metadata } : {}) });
}

export async function postEphemeral(client: Client, channel: string, user: string, threadTs: string | null, msg: SlackMessage): Promise<void> {
  await client.chat.postEphemeral({ channel, user, text: msg.text, blocks: msg.blocks, ...(threadTs ? { thread_ts: threadTs } : {}) });
}

/** Uploads Markdown into the thread (files.getUploadURLExternal, the upload, files.completeUploadExternal). */
export async function attachMarkdown(client: Client, channel: string, threadTs: string, filename: string, title: string, content: string): Promise<void> {
  await client.filesUploadV2({ channel_id: channel, thread_ts: threadTs, filename, title, content, snippet_type: 'markdown' });
}
