// The one way tests play Slack: send what Slack sends to a keyloss app (signed HTTP requests in HTTP mode, envelopes on
// the fake's WebSocket in Socket Mode), whether the app runs in this process (slack-app.ts) or as a child process
// (app-process.ts), and read back from the fake Slack what the app posted. Ids come from src/slack/ids.ts.
import { ANSWER_BUTTON, parseQuestionBlockId, REPORT_EVENT, TEXT_INPUT, VIEW } from '../../src/slack/ids.ts';
import type { FakeSlack, PostedMessage } from './fake-slack.ts';
import {
  blockActionPayload,
  sendEvent,
  sendInteraction,
  sendRaw,
  sendSlashCommand,
  slashCommandBody,
  viewSubmissionPayload,
  type SendOptions,
  type SlackResponse,
} from './slack-request.ts';
import { waitFor, WAIT_MS, type Probe } from './wait.ts';

// The credentials every test app runs with, and the fake Slack expects.
export const BOT_TOKEN = 'xoxb-1111-2222-keylosstestbottoken';
export const SIGNING_SECRET = 'keyloss-test-signing-secret-0123456789';
export const APP_TOKEN = 'xapp-1-A111-3333-keylosstestapptoken';
/** The channel commands come from unless a test names another. */
export const CHANNEL = 'C0INCIDENT';

/** What the driver needs of a running app, in this process or a child process. */
export interface SlackEndpoint {
  /** HTTP mode: where Slack posts events, commands and interactions. '' in Socket Mode: envelopes go over the fake's WebSocket. */
  eventsUrl: string;
  /** The audit lines (JSON, one per Slack action) the app has written so far. */
  readonly audit: readonly string[];
}

/** The app's answer (its ack) and how long it took. */
export interface Sent extends SlackResponse {
  ms: number;
}

/** A control on a message: a button's label or a select option's label, or an action id (exact, or a pattern from ids.ts). */
export type Control = string | { action: string | RegExp };

/** Any answer button of a question: the first one. */
export const FIRST_ANSWER: Control = { action: ANSWER_BUTTON };

/** A thread: its channel and root ts (a posted root message is one). */
export interface ThreadRef {
  channel: string;
  ts: string;
}

export interface Via {
  /** The replica to send to; default the driver's app. */
  via?: SlackEndpoint;
}

export interface CommandOptions extends SendOptions, Via {
  channel?: string;
  channelName?: string;
  triggerId?: string;
  /** The response_url's id at the fake; default `cmd-<user>`. */
  responseId?: string;
}

export interface ClickOptions extends SendOptions, Via {
  actionTs?: string;
  /** Send this payload instead of building one (a forged value, or Slack retrying an earlier click). */
  payload?: object;
}

export interface SlackDriver {
  fake: FakeSlack;
  /** `/keyloss <text>` from `user`, in `options.channel` (default CHANNEL). */
  command(text: string, user: string, options?: CommandOptions): Promise<Sent>;
  /** Clicks `control` on `message` as Slack would send it; resolves with the ack and the payload sent. */
  click(message: PostedMessage, control: Control, user: string, options?: ClickOptions): Promise<Sent & { payload: object }>;
  /** Submits the text-answer modal opened with `privateMetadata`. */
  submitText(privateMetadata: string, text: string, user: string, options?: Via): Promise<Sent>;
  /** Sends any interaction payload (block_actions, view_submission, message_action) in either transport. */
  interact(payload: object, options?: SendOptions & Via): Promise<Sent>;
  /** An Events API delivery (HTTP mode). */
  event(event: Record<string, unknown>, options?: SendOptions & Via): Promise<Sent>;
  /** A raw signed body (HTTP mode), for the receiver's own refusals. */
  raw(body: string, options?: SendOptions & Via): Promise<Sent>;

  /** Top-level messages in `channel` (default CHANNEL), oldest first. */
  roots(channel?: string): PostedMessage[];
  /** Messages in the thread, oldest first (the root not included). */
  thread(root: ThreadRef): PostedMessage[];
  /** Every verdict posted in the thread; more than one means a doubled message (or a re-run). */
  verdicts(root: ThreadRef): PostedMessage[];
  /** The newest message in the thread still carrying `control`. */
  withControl(root: ThreadRef, control: Control): PostedMessage | undefined;
  /** The question still waiting for an answer in the thread: the newest message with a question's actions block. */
  openQuestion(root: ThreadRef): PostedMessage | undefined;
  /** The root's and the thread's current texts and blocks, for assertions on readable outcomes. */
  threadText(root: ThreadRef): string;

  /** Waits as waitFor does, with this driver's default time-out. */
  waitFor<T>(probe: Probe<T>, what: string | (() => string), timeoutMs?: number): Promise<T>;
  /** Waits for the newest top-level message in `channel` (default CHANNEL). */
  root(channel?: string, timeoutMs?: number): Promise<PostedMessage>;
  /** Waits for a message in the thread matching `probe`. */
  inThread(root: ThreadRef, probe: (m: PostedMessage) => boolean, what: string, timeoutMs?: number): Promise<PostedMessage>;
  /** Waits for a message in the thread carrying `control`, newest first. */
  control(root: ThreadRef, control: Control, what: string, timeoutMs?: number): Promise<PostedMessage>;
  /** Waits for the open question; with `after`, one other than that (already clicked) question. */
  question(root: ThreadRef, options?: { after?: PostedMessage; timeoutMs?: number }): Promise<PostedMessage>;
  /** Waits for the thread's `count`-th verdict (default 1), once the run that posted it has ended (its audit line written). */
  verdict(root: ThreadRef, count?: number, timeoutMs?: number): Promise<PostedMessage>;
}

type FoundControl =
  | { action_id: string; block_id: string; type: 'button'; value?: string }
  | { action_id: string; block_id: string; type: 'static_select'; selected_option: { text: { type: 'plain_text'; text: string }; value: string } };

interface Element {
  type: string;
  action_id: string;
  value?: string;
  text?: { text: string };
  options?: Array<{ text: { text: string }; value: string }>;
}

function actionsBlocks(message: PostedMessage): Array<{ block_id?: string; elements: Element[] }> {
  return (message.blocks as Array<{ type: string; block_id?: string; elements?: Element[] }>)
    .filter((b) => b.type === 'actions')
    .map((b) => ({ block_id: b.block_id, elements: b.elements ?? [] }));
}

/** The first control on `message` that `control` names: a button (by label or action id) or a select's option (by label). */
export function findControl(message: PostedMessage, control: Control): FoundControl | null {
  for (const block of actionsBlocks(message)) {
    for (const el of block.elements) {
      const blockId = block.block_id ?? '';
      if (typeof control !== 'string') {
        const named = typeof control.action === 'string' ? el.action_id === control.action : control.action.test(el.action_id);
        if (named && el.type === 'button') return { type: 'button', action_id: el.action_id, block_id: blockId, value: el.value ?? '' };
        continue;
      }
      if (el.type === 'button' && el.text?.text === control) return { type: 'button', action_id: el.action_id, block_id: blockId, value: el.value ?? '' };
      if (el.type === 'static_select') {
        const option = el.options?.find((o) => o.text.text === control);
        if (option) {
          return { type: 'static_select', action_id: el.action_id, block_id: blockId, selected_option: { text: { type: 'plain_text', text: option.text.text }, value: option.value } };
        }
      }
    }
  }
  return null;
}

/** The question's block id (`q|node|step`) on `message`, or null when it asks nothing (any more). */
export function questionBlock(message: PostedMessage): string | null {
  return actionsBlocks(message).find((b) => b.block_id !== undefined && parseQuestionBlockId(b.block_id) !== null)?.block_id ?? null;
}

function controlName(control: Control): string {
  return typeof control === 'string' ? `"${control}"` : String(control.action);
}

/**
 * A driver at `app` (the default receiver; `via` sends elsewhere, e.g. to another replica). Verdicts count as ended once
 * an audit line of any app it sent to says so. `waitMs` is the default time-out of its waits.
 */
export function slackDriver(fake: FakeSlack, app: SlackEndpoint, options: { waitMs?: number } = {}): SlackDriver {
  const waitMs = options.waitMs ?? WAIT_MS;
  const apps = new Set<SlackEndpoint>([app]);
  const target = (o: Via | undefined) => {
    const to = o?.via ?? app;
    apps.add(to);
    return to;
  };
  const timed = async (work: () => Promise<SlackResponse>): Promise<Sent> => {
    const started = performance.now();
    const response = await work();
    return { ...response, ms: performance.now() - started };
  };
  // Socket Mode acknowledges on the WebSocket; the ack's payload stands in for an HTTP response body.
  const overSocket = async (type: 'slash_commands' | 'interactive', payload: object): Promise<SlackResponse> => {
    const ack = await fake.socket.send(type, payload);
    return { status: 200, text: ack.payload === undefined ? '' : JSON.stringify(ack.payload), json: ack.payload ?? null };
  };
  const httpOnly = (to: SlackEndpoint, what: string) => {
    if (!to.eventsUrl) throw new Error(`${what} is sent over HTTP; this app runs in Socket Mode`);
    return to.eventsUrl;
  };
  const thread = (root: ThreadRef) => fake.thread(root.channel, root.ts);
  const verdicts = (root: ThreadRef) => thread(root).filter((m) => m.metadata?.event_type === REPORT_EVENT);
  const auditLines = () => [...apps].flatMap((a) => a.audit);

  const driver: SlackDriver = {
    fake,
    command(text, user, o = {}) {
      const to = target(o);
      const fields = {
        text,
        user_id: user,
        channel_id: o.channel ?? CHANNEL,
        channel_name: o.channelName ?? 'incidents',
        response_url: fake.responseUrl(o.responseId ?? `cmd-${user}`),
        ...(o.triggerId ? { trigger_id: o.triggerId } : {}),
      };
      return timed(() =>
        to.eventsUrl
          ? sendSlashCommand(to.eventsUrl, SIGNING_SECRET, fields, o)
          : overSocket('slash_commands', Object.fromEntries(new URLSearchParams(slashCommandBody(fields)))),
      );
    },
    async click(message, control, user, o = {}) {
      const found = o.payload ? null : findControl(message, control);
      if (!found && !o.payload) throw new Error(`no control ${controlName(control)} in message ${message.ts}: ${JSON.stringify(message.blocks)}`);
      const payload =
        o.payload ??
        blockActionPayload({
          user,
          message: { channel: message.channel, ts: message.ts, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}), blocks: message.blocks },
          action: found!,
          responseUrl: fake.responseUrl(`act-${user}`),
          ...(o.actionTs ? { actionTs: o.actionTs } : {}),
        });
      return { ...(await driver.interact(payload, o)), payload };
    },
    submitText(privateMetadata, text, user, o = {}) {
      return driver.interact(
        viewSubmissionPayload({ user, callbackId: VIEW.textAnswer, privateMetadata, values: { [TEXT_INPUT.block]: { [TEXT_INPUT.action]: text } } }),
        o,
      );
    },
    interact(payload, o = {}) {
      const to = target(o);
      return timed(() => (to.eventsUrl ? sendInteraction(to.eventsUrl, SIGNING_SECRET, payload, o) : overSocket('interactive', payload)));
    },
    event(event, o = {}) {
      const url = httpOnly(target(o), 'an Events API delivery');
      return timed(() => sendEvent(url, SIGNING_SECRET, event, o));
    },
    raw(body, o = {}) {
      const url = httpOnly(target(o), 'a raw body');
      return timed(() => sendRaw(url, SIGNING_SECRET, body, o));
    },

    roots: (channel = CHANNEL) => fake.messages.filter((m) => m.channel === channel && m.thread_ts === null),
    thread,
    verdicts,
    withControl(root, control) {
      return [...thread(root)].reverse().find((m) => findControl(m, control) !== null);
    },
    openQuestion(root) {
      return [...thread(root)].reverse().find((m) => questionBlock(m) !== null);
    },
    threadText(root) {
      const first = fake.messages.find((m) => m.channel === root.channel && m.ts === root.ts);
      return [first, ...thread(root)]
        .filter((m): m is PostedMessage => m !== undefined)
        .map((m) => `${m.text}\n${JSON.stringify(m.blocks)}`)
        .join('\n');
    },

    waitFor: (probe, what, timeoutMs = waitMs) => waitFor(probe, what, timeoutMs),
    root: (channel = CHANNEL, timeoutMs = waitMs) => waitFor(() => driver.roots(channel).at(-1), `the root message in ${channel}`, timeoutMs),
    inThread: (root, probe, what, timeoutMs = waitMs) => waitFor(() => thread(root).find(probe), what, timeoutMs),
    control: (root, control, what, timeoutMs = waitMs) => waitFor(() => driver.withControl(root, control), what, timeoutMs),
    question(root, o = {}) {
      const answered = o.after ? questionBlock(o.after) : null;
      return waitFor(
        () => {
          const open = driver.openQuestion(root);
          return open && (answered === null || questionBlock(open) !== answered) ? open : undefined;
        },
        o.after ? `the question after ${answered}` : 'the open question',
        o.timeoutMs ?? waitMs,
      );
    },
    verdict(root, count = 1, timeoutMs = waitMs) {
      const runsEnded = () =>
        auditLines().filter((l) => {
          const line = JSON.parse(l) as { action?: string; thread?: string; channel?: string };
          return line.action === 'verdict' && line.thread === root.ts && line.channel === root.channel;
        }).length;
      return waitFor(() => (runsEnded() >= count ? verdicts(root)[count - 1] : undefined), `verdict ${count} in the thread ${root.channel}/${root.ts}`, timeoutMs);
    },
  };
  return driver;
}

/**
 * The message as a person sees it now: the fake's messages follow every later chat.update, this copy does not. Click
 * on it to act on a screen Slack has not updated yet (a button the app has since removed).
 */
export function seen(message: PostedMessage): PostedMessage {
  return { ...message, blocks: [...message.blocks], versions: [...message.versions] };
}

/** Every text the app put on Slack (calls' parameters, responses, ephemerals), for escaping and secret checks. */
export function everythingSent(fake: FakeSlack): string {
  return JSON.stringify([fake.calls.map((c) => c.params), fake.responses, fake.ephemerals]);
}

export function hasActions(message: PostedMessage): boolean {
  return actionsBlocks(message).length > 0;
}

export function blockText(message: PostedMessage): string {
  return JSON.stringify(message.blocks);
}
