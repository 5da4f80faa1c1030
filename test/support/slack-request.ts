// Builds and sends requests exactly as Slack does: form-encoded bodies signed with v0:timestamp:body HMAC-SHA256.
import { createHmac } from 'node:crypto';

export interface SendOptions {
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Replaces the computed signature (to test rejection). */
  signature?: string;
  /** Marks the request as Slack's retry number N (`X-Slack-Retry-Num`). */
  retryNum?: number;
}

export function sign(signingSecret: string, timestamp: number, body: string): string {
  return 'v0=' + createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
}

export interface SlackResponse {
  status: number;
  text: string;
  /** The parsed body when it is JSON. */
  json: unknown;
}

async function post(url: string, signingSecret: string, body: string, options: SendOptions, contentType = 'application/x-www-form-urlencoded'): Promise<SlackResponse> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    // Exactly this: with a "; charset" suffix Bolt would try to parse JSON.
    'Content-Type': contentType,
    'X-Slack-Request-Timestamp': String(timestamp),
    'X-Slack-Signature': options.signature ?? sign(signingSecret, timestamp, body),
  };
  if (options.retryNum !== undefined) {
    headers['X-Slack-Retry-Num'] = String(options.retryNum);
    headers['X-Slack-Retry-Reason'] = 'http_timeout';
  }
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, text, json };
}

export interface SlashCommandFields {
  text: string;
  user_id: string;
  channel_id: string;
  channel_name?: string;
  trigger_id?: string;
  response_url: string;
  command?: string;
}

let triggerCounter = 0;
export function nextTriggerId(): string {
  triggerCounter += 1;
  return `${Date.now()}.${triggerCounter}.trigger`;
}

/** A slash command body with the fields Slack sends (bolt-python's scenario tests list them). */
export function slashCommandBody(fields: SlashCommandFields): string {
  const params = new URLSearchParams({
    token: 'verification-token-unused',
    team_id: 'T111',
    team_domain: 'example',
    channel_id: fields.channel_id,
    channel_name: fields.channel_name ?? 'incidents',
    user_id: fields.user_id,
    user_name: fields.user_id.toLowerCase(),
    command: fields.command ?? '/keyloss',
    text: fields.text,
    api_app_id: 'A111',
    is_enterprise_install: 'false',
    response_url: fields.response_url,
    trigger_id: fields.trigger_id ?? nextTriggerId(),
  });
  return params.toString();
}

export function sendSlashCommand(url: string, signingSecret: string, fields: SlashCommandFields, options: SendOptions = {}) {
  return post(url, signingSecret, slashCommandBody(fields), options);
}

/** Sends an interaction payload (block_actions, view_submission) as `payload=<url-encoded JSON>`. */
export function sendInteraction(url: string, signingSecret: string, payload: object, options: SendOptions = {}) {
  return post(url, signingSecret, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), options);
}

/** Sends an arbitrary raw body (for signature tests). */
/** An Events API delivery (event_callback), signed, as JSON the way Slack sends events. */
export function sendEvent(url: string, signingSecret: string, event: Record<string, unknown>, options: SendOptions = {}) {
  const body = JSON.stringify({ token: 'unused', team_id: 'T111', api_app_id: 'A111', type: 'event_callback', event_id: `Ev${Date.now()}`, event_time: Math.floor(Date.now() / 1000), event });
  return post(url, signingSecret, body, options, 'application/json');
}

export function sendRaw(url: string, signingSecret: string, body: string, options: SendOptions = {}) {
  return post(url, signingSecret, body, options);
}

export interface MessageRef {
  channel: string;
  ts: string;
  thread_ts?: string;
  blocks: unknown[];
}

/** A block_actions payload for a click on `action` inside `message`, shaped like Slack's. */
export function blockActionPayload(input: {
  user: string;
  message: MessageRef;
  action: { action_id: string; block_id: string; type: 'button'; value?: string } | {
    action_id: string;
    block_id: string;
    type: 'static_select';
    selected_option: { text: { type: 'plain_text'; text: string }; value: string };
  };
  responseUrl: string;
  actionTs?: string;
  triggerId?: string;
  channelName?: string;
}): object {
  const actionTs = input.actionTs ?? `${(Date.now() / 1000).toFixed(6)}`;
  return {
    type: 'block_actions',
    user: { id: input.user, username: input.user.toLowerCase(), name: input.user.toLowerCase(), team_id: 'T111' },
    api_app_id: 'A111',
    token: 'verification-token-unused',
    container: {
      type: 'message',
      message_ts: input.message.ts,
      channel_id: input.message.channel,
      is_ephemeral: false,
      ...(input.message.thread_ts ? { thread_ts: input.message.thread_ts } : {}),
    },
    trigger_id: input.triggerId ?? nextTriggerId(),
    team: { id: 'T111', domain: 'example' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.message.channel, name: input.channelName ?? 'incidents' },
    message: {
      type: 'message',
      user: 'UBOT',
      ts: input.message.ts,
      ...(input.message.thread_ts ? { thread_ts: input.message.thread_ts } : {}),
      blocks: input.message.blocks,
      text: '',
    },
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [{ ...input.action, action_ts: actionTs }],
  };
}

/** A view_submission payload for a modal with plain-text inputs. */
export function viewSubmissionPayload(input: {
  user: string;
  callbackId: string;
  privateMetadata: string;
  values: Record<string, Record<string, string>>;
}): object {
  const values: Record<string, Record<string, { type: 'plain_text_input'; value: string }>> = {};
  for (const [blockId, actions] of Object.entries(input.values)) {
    values[blockId] = {};
    for (const [actionId, value] of Object.entries(actions)) values[blockId]![actionId] = { type: 'plain_text_input', value };
  }
  return {
    type: 'view_submission',
    team: { id: 'T111', domain: 'example' },
    user: { id: input.user, username: input.user.toLowerCase(), name: input.user.toLowerCase(), team_id: 'T111' },
    api_app_id: 'A111',
    token: 'verification-token-unused',
    trigger_id: nextTriggerId(),
    view: {
      id: 'V111',
      team_id: 'T111',
      type: 'modal',
      blocks: [],
      private_metadata: input.privateMetadata,
      callback_id: input.callbackId,
      state: { values },
      hash: '1.abc',
      title: { type: 'plain_text', text: 'keyloss' },
      clear_on_close: false,
      notify_on_close: false,
      root_view_id: 'V111',
      app_id: 'A111',
      external_id: '',
      app_installed_team_id: 'T111',
      bot_id: 'BBOT',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}
