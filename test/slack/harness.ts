// Runs the real Bolt app against the fake Slack, with a caches file written to a temp dir: in HTTP mode on a free port
// (requests signed as Slack signs them), or in Socket Mode connected to the fake's WebSocket (envelopes as Slack sends them).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCaches } from '../../src/config/caches.ts';
import { NO_AZURE_ACCESS } from '../../src/azure/context.ts';
import { slackConfigFromEnv } from '../../src/config/env.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import { createSlackApp, type SlackApp } from '../../src/slack/app.ts';
import { createAudit } from '../../src/slack/audit.ts';
import { redactingLogger } from '../../src/slack/logger.ts';
import { MemoryStateStore } from '../../src/state/memory.ts';
import { startFakeSlack, type FakeSlack, type PostedMessage } from '../support/fake-slack.ts';
import {
  blockActionPayload,
  sendInteraction,
  sendSlashCommand,
  slashCommandBody,
  viewSubmissionPayload,
  type SendOptions,
  type SlackResponse,
  type SlashCommandFields,
} from '../support/slack-request.ts';

export const BOT_TOKEN = 'xoxb-1111-2222-keylosstestbottoken';
export const SIGNING_SECRET = 'keyloss-test-signing-secret-0123456789';
export const APP_TOKEN = 'xapp-1-A111-3333-keylosstestapptoken';
export const CHANNEL = 'C0INCIDENT';

export interface Harness {
  fake: FakeSlack;
  slack: SlackApp;
  url: string;
  /** POST /alerts/azure-monitor, when KEYLOSS_ALERT_TOKEN is set ('' otherwise). */
  alertUrl: string;
  audit: string[];
  logs: string[];
  /** `url` is the events URL in HTTP mode, '' in Socket Mode. SendOptions (signature, timestamp, retry) apply to HTTP only. */
  command(text: string, user: string, options?: SendOptions & { channel?: string; channelName?: string; triggerId?: string }): Promise<SlackResponse>;
  /** Clicks the button labelled `label` (or the select option) on `message`, as Slack would send it. */
  click(message: PostedMessage, label: string, user: string, options?: SendOptions & { actionTs?: string; payload?: object }): Promise<{ status: number; payload: object }>;
  submitText(privateMetadata: string, text: string, user: string): Promise<SlackResponse>;
  /** The root message started by the command, once posted. */
  root(): Promise<PostedMessage>;
  /** Waits for a message in the root's thread matching `probe`. */
  inThread(rootTs: string, probe: (m: PostedMessage) => boolean, what: string): Promise<PostedMessage>;
  /** The thread's newest verdict, once the run that posted it has ended (its audit line written): `count` verdicts in all. */
  verdict(rootTs: string, count?: number): Promise<PostedMessage>;
  stop(): Promise<void>;
}

export async function startHarness(options: { caches: string | null; env?: Record<string, string>; socketMode?: boolean }): Promise<Harness> {
  const fake = await startFakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
  const dir = mkdtempSync(join(tmpdir(), 'keyloss-slack-'));
  const cachesPath = join(dir, 'keyloss.caches.yaml');
  if (options.caches !== null) writeFileSync(cachesPath, options.caches);
  const env = slackConfigFromEnv({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    ...(options.socketMode ? { SLACK_APP_TOKEN: APP_TOKEN } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
    SLACK_API_URL: fake.apiUrl,
    PORT: '0',
    KEYLOSS_CACHES: cachesPath,
    KEYLOSS_RATE_INTERVAL_MS: '200',
    KEYLOSS_PROGRESS_INTERVAL_MS: '300',
    ...options.env,
  });
  if (!env.ok) throw new Error(env.reason);
  const audit: string[] = [];
  const logs: string[] = [];
  const slack = createSlackApp(env.config, {
    store: new MemoryStateStore(),
    caches: await loadCaches(cachesPath),
    runbook: await loadDefaultRunbook(),
    azure: NO_AZURE_ACCESS,
    audit: createAudit((line) => audit.push(line)),
    logger: redactingLogger(undefined, (line) => logs.push(line)),
  });
  const { port, alertPort } = await slack.start();
  const url = port === null ? '' : `http://127.0.0.1:${port}/slack/events`;
  // Socket Mode acknowledges on the WebSocket; the ack's payload stands in for an HTTP response body.
  const overSocket = async (type: 'slash_commands' | 'interactive', payload: object): Promise<SlackResponse> => {
    const ack = await fake.socket.send(type, payload);
    return { status: 200, text: ack.payload === undefined ? '' : JSON.stringify(ack.payload), json: ack.payload ?? null };
  };
  const sendCommand = (fields: SlashCommandFields, opts: SendOptions) =>
    url ? sendSlashCommand(url, SIGNING_SECRET, fields, opts) : overSocket('slash_commands', Object.fromEntries(new URLSearchParams(slashCommandBody(fields))));
  const sendPayload = (payload: object, opts: SendOptions = {}) => (url ? sendInteraction(url, SIGNING_SECRET, payload, opts) : overSocket('interactive', payload));

  const harness: Harness = {
    fake,
    slack,
    url,
    alertUrl: alertPort === null ? '' : `http://127.0.0.1:${alertPort}/alerts/azure-monitor`,
    audit,
    logs,
    command(text, user, opts = {}) {
      return sendCommand(
        {
          text,
          user_id: user,
          channel_id: opts.channel ?? CHANNEL,
          channel_name: opts.channelName ?? 'incidents',
          response_url: fake.responseUrl(`cmd-${user}`),
          ...(opts.triggerId ? { trigger_id: opts.triggerId } : {}),
        },
        opts,
      );
    },
    async click(message, label, user, opts = {}) {
      const found = opts.payload ? null : findControl(message.blocks, label);
      if (!found && !opts.payload) throw new Error(`no control labelled "${label}" in message ${message.ts}: ${JSON.stringify(message.blocks)}`);
      const payload =
        opts.payload ??
        blockActionPayload({
          user,
          message: { channel: message.channel, ts: message.ts, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}), blocks: message.blocks },
          action: found!,
          responseUrl: fake.responseUrl(`act-${user}`),
          ...(opts.actionTs ? { actionTs: opts.actionTs } : {}),
        });
      const res = await sendPayload(payload, opts);
      return { status: res.status, payload };
    },
    submitText(privateMetadata, text, user) {
      return sendPayload(
        viewSubmissionPayload({ user, callbackId: 'keyloss.text_answer', privateMetadata, values: { answer: { value: text } } }),
      );
    },
    root() {
      return fake.waitFor(() => fake.messages.find((m) => m.thread_ts === null && m.channel === CHANNEL), 'the root message');
    },
    inThread(rootTs, probe, what) {
      return fake.waitFor(() => fake.messages.find((m) => m.thread_ts === rootTs && probe(m)), what);
    },
    verdict(rootTs, count = 1) {
      const runsEnded = () => audit.filter((l) => (JSON.parse(l) as { action?: string; thread?: string }).action === 'verdict' && l.includes(`"thread":"${rootTs}"`)).length;
      const verdicts = () => fake.thread(CHANNEL, rootTs).filter((m) => m.metadata?.event_type === 'keyloss_report');
      return fake.waitFor(() => (runsEnded() >= count ? verdicts()[count - 1] : undefined), `verdict ${count} in the thread`);
    },
    async stop() {
      await slack.stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

type Control =
  | { action_id: string; block_id: string; type: 'button'; value?: string }
  | { action_id: string; block_id: string; type: 'static_select'; selected_option: { text: { type: 'plain_text'; text: string }; value: string } };

function findControl(blocks: unknown[], label: string): Control | null {
  for (const block of blocks as Array<{ type: string; block_id?: string; elements?: Array<Record<string, unknown>> }>) {
    if (block.type !== 'actions') continue;
    for (const el of block.elements ?? []) {
      if (el.type === 'button' && (el.text as { text: string }).text === label) {
        return { type: 'button', action_id: el.action_id as string, block_id: block.block_id ?? '', value: (el.value as string) ?? '' };
      }
      if (el.type === 'static_select') {
        const option = (el.options as Array<{ text: { text: string }; value: string }>).find((o) => o.text.text === label);
        if (option) {
          return {
            type: 'static_select',
            action_id: el.action_id as string,
            block_id: block.block_id ?? '',
            selected_option: { text: { type: 'plain_text', text: option.text.text }, value: option.value },
          };
        }
      }
    }
  }
  return null;
}

/** Every text the app put on Slack (messages, their versions, ephemerals, responses), for escaping and secret checks. */
export function everythingSent(fake: FakeSlack): string {
  return JSON.stringify([fake.calls.map((c) => c.params), fake.responses]);
}

export function hasActions(message: PostedMessage): boolean {
  return message.blocks.some((b) => (b as { type: string }).type === 'actions');
}

export function blockText(message: PostedMessage): string {
  return JSON.stringify(message.blocks);
}
