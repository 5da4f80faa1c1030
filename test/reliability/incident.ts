// Drives one investigation through signed HTTP requests, reading the thread back from the fake Slack API.
import type { FakeSlack, PostedMessage } from '../support/fake-slack.ts';
import { blockActionPayload, sendInteraction, sendSlashCommand, type SlackResponse } from '../support/slack-request.ts';
import { SIGNING_SECRET } from './app-process.ts';

interface ActionsBlock {
  type: 'actions';
  block_id?: string;
  elements: Array<{ type: string; action_id: string; value?: string; text?: { text: string } }>;
}

export interface Replica {
  eventsUrl: string;
}

export interface Timed<T> {
  value: T;
  ms: number;
}

async function timed<T>(work: () => Promise<T>): Promise<Timed<T>> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/** Sends `/keyloss <text>` to a replica; returns the HTTP response (the ack) and how long it took. */
export function command(replica: Replica, fake: FakeSlack, input: { text: string; channel: string; user: string; responseId?: string }): Promise<Timed<SlackResponse>> {
  return timed(() =>
    sendSlashCommand(replica.eventsUrl, SIGNING_SECRET, {
      text: input.text,
      channel_id: input.channel,
      user_id: input.user,
      response_url: fake.responseUrl(input.responseId ?? `${input.channel}-${input.user}`),
    }),
  );
}

/** The investigation's root message in `channel`: the newest top-level bot message. */
export function rootIn(fake: FakeSlack, channel: string): PostedMessage | undefined {
  return fake.messages.filter((m) => m.channel === channel && m.thread_ts === null).at(-1);
}

function actionsOf(message: PostedMessage): ActionsBlock[] {
  return (message.blocks as Array<{ type: string }>).filter((b): b is ActionsBlock => b.type === 'actions');
}

/** The question still waiting for an answer in the thread (its message still carries buttons). */
export function openQuestion(fake: FakeSlack, channel: string, rootTs: string): { message: PostedMessage; block: ActionsBlock } | undefined {
  for (const message of [...fake.thread(channel, rootTs)].reverse()) {
    const block = actionsOf(message).find((b) => b.block_id?.startsWith('q|'));
    if (block) return { message, block };
  }
  return undefined;
}

/** The open question after `answered`: another node's, or the same node's next step. */
export function nextQuestion(
  fake: FakeSlack,
  channel: string,
  rootTs: string,
  answered: { block: ActionsBlock },
): { message: PostedMessage; block: ActionsBlock } | undefined {
  const question = openQuestion(fake, channel, rootTs);
  return question && question.block.block_id !== answered.block.block_id ? question : undefined;
}

/** The verdict message of the thread: the one carrying keyloss_report metadata. */
export function verdictIn(fake: FakeSlack, channel: string, rootTs: string): PostedMessage | undefined {
  return fake.thread(channel, rootTs).find((m) => m.metadata?.event_type === 'keyloss_report');
}

/** Every verdict posted in the thread; more than one means a doubled message. */
export function verdictsIn(fake: FakeSlack, channel: string, rootTs: string): PostedMessage[] {
  return fake.thread(channel, rootTs).filter((m) => m.metadata?.event_type === 'keyloss_report');
}

/** A message in the thread with a button `actionId`, newest first. */
export function messageWithButton(fake: FakeSlack, channel: string, rootTs: string, actionId: string): { message: PostedMessage; block: ActionsBlock } | undefined {
  for (const message of [...fake.thread(channel, rootTs)].reverse()) {
    const block = actionsOf(message).find((b) => b.elements.some((e) => e.action_id === actionId));
    if (block) return { message, block };
  }
  return undefined;
}

/** Clicks the button `actionId` (or the first option button when null) on `message`, as `user`, at `replica`. */
export function click(
  replica: Replica,
  fake: FakeSlack,
  target: { message: PostedMessage; block: ActionsBlock },
  user: string,
  actionId: string | null = null,
): Promise<Timed<SlackResponse>> {
  const element = actionId === null ? target.block.elements.find((e) => e.type === 'button') : target.block.elements.find((e) => e.action_id === actionId);
  if (!element) throw new Error(`no button ${actionId ?? '(any)'} in block ${target.block.block_id}`);
  const payload = blockActionPayload({
    user,
    message: { channel: target.message.channel, ts: target.message.ts, thread_ts: target.message.thread_ts ?? undefined, blocks: target.message.blocks },
    action: { type: 'button', action_id: element.action_id, block_id: target.block.block_id ?? '', value: element.value ?? '' },
    responseUrl: fake.responseUrl(`click-${target.message.ts}`),
  });
  return timed(() => sendInteraction(replica.eventsUrl, SIGNING_SECRET, payload));
}

/** Every text posted in the thread (current versions), for assertions on readable outcomes. */
export function threadText(fake: FakeSlack, channel: string, rootTs: string): string {
  const root = fake.messages.find((m) => m.channel === channel && m.ts === rootTs);
  return [root, ...fake.thread(channel, rootTs)]
    .filter((m): m is PostedMessage => m !== undefined)
    .map((m) => `${m.text}\n${JSON.stringify(m.blocks)}`)
    .join('\n');
}
