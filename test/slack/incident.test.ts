// Whole incidents through the real Bolt app: slash command, buttons, modal, progress, verdict, postmortem, on real redis-server.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { stagingClient, writeKeys } from '../scenarios/support.ts';
import { blockActionPayload } from '../support/slack-request.ts';
import { REPORT_EVENT, VIEW } from '../../src/slack/ids.ts';
import { startSlackApp, type InProcessApp } from '../support/slack-app.ts';
import { CHANNEL, SIGNING_SECRET, blockText, everythingSent, hasActions, questionBlock } from '../support/slack-driver.ts';

const ALLOWED = 'U0ONCALL';
const STRANGER = 'U0STRANGER';

let redis: RedisProcess;
let writer: Redis;
let h: InProcessApp;

beforeAll(async () => {
  redis = await startRedis();
  // The application writes to db 3 (and stays connected there); it reads db 0.
  writer = stagingClient(redis.url, 3);
  await writeKeys(writer, 'session:', 0, 12, 64);
  const app = stagingClient(redis.url, 0);
  await writeKeys(app, 'cart:', 0, 5, 64);
  await app.quit();
  h = await startSlackApp({
    caches: [
      'caches:',
      '  orders-prod:',
      `    url: redis://127.0.0.1:${redis.port}`,
      '    tier: standard',
      '    description: orders service cache',
      '    allow:',
      `      users: [${ALLOWED}]`,
    ].join('\n'),
    env: { KEYLOSS_POSTMORTEM_CHANNEL: 'C0POSTMORTEM' },
  });
});

afterEach(() => {
  // Every message the app produced stayed within Block Kit's limits.
  expect(h.fake.breaches).toEqual([]);
});

afterAll(async () => {
  await h?.stop();
  await writer?.quit();
  await stopAllRedis();
});

function resetFake() {
  h.fake.messages.length = 0;
  h.fake.calls.length = 0;
  h.fake.ephemerals.length = 0;
  h.fake.responses.length = 0;
  h.fake.uploads.length = 0;
}

describe('Slack incident, end to end', () => {
  it('keys in db 3 while the app reads db 0: every answer in the command text, checks start at once, verdict wrong-database', async () => {
    resetFake();
    const ack = await h.command('orders-prod session:* since 1h db 0 scope complete', ALLOWED);
    expect(ack.status).toBe(200);

    const root = await h.root();
    expect(root.text).toContain('Key-loss investigation on orders-prod');
    expect(blockText(root)).toContain(`<@${ALLOWED}>`);

    const verdict = await h.verdict(root);
    expect(verdict.thread_ts).toBe(root.ts);
    expect(verdict.metadata?.event_payload).toEqual({
      verdict: 'explained',
      cause: 'wrong-database',
      likelihood: 'likely',
      cache: 'orders-prod',
      key: 'session:*',
    });
    expect(blockText(verdict)).toMatch(/db 3/);
    expect(blockText(verdict)).toContain('Re-run checks');

    // No question was asked: the command answered them all.
    const thread = h.fake.thread(CHANNEL, root.ts);
    expect(thread.filter((m) => questionBlock(m) !== null)).toEqual([]);

    // One progress message, edited in place, its last state with every check finished.
    const progress = thread.filter((m) => m.text.startsWith('Checking orders-prod'));
    expect(progress).toHaveLength(1);
    const last = progress[0]!.versions.at(-1)!;
    expect(JSON.stringify(last.blocks)).toContain('Checks on orders-prod finished');
    expect(JSON.stringify(last.blocks)).not.toContain('hourglass');

    // The root message now carries the verdict.
    await h.waitFor(() => root.versions.some((v) => JSON.stringify(v.blocks).includes('dart')), 'the root message updated with the verdict');
    expect(root.metadata?.event_payload.cause).toBe('wrong-database');

    const verdictLine = await h.waitFor(
      () => h.audit.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.action === 'verdict'),
      'the audit line of the verdict',
    );
    expect(verdictLine).toMatchObject({ user: ALLOWED, cache: 'orders-prod', verdict: 'explained', cause: 'wrong-database' });
    expect(everythingSent(h.fake)).not.toContain(SIGNING_SECRET);
  });

  it('guided by buttons and a modal: key typed, since picked, scope skipped; a double click and a retry count once; the key exists → no-loss', async () => {
    resetFake();
    await h.command('orders-prod', ALLOWED);
    const root = await h.root();
    expect(blockText(root)).toContain('Answering a few questions');

    // Tier comes from the caches file and db from its default, so the first question is the key.
    const keyQuestion = await h.inThread(root, (m) => m.text === 'Which key is missing?', 'the key question');
    await h.click(keyQuestion, 'Type the answer…', ALLOWED);
    const opened = await h.waitFor(() => h.fake.callsOf('views.open')[0], 'views.open');
    const view = opened.params.view as { private_metadata: string; callback_id: string };
    expect(view.callback_id).toBe(VIEW.textAnswer);
    expect(opened.params.trigger_id).toBeTruthy();

    // A line break is refused inside the ack, under the field.
    const refused = await h.submitText(view.private_metadata, 'cart:\u00011', ALLOWED);
    expect(refused.json).toMatchObject({ response_action: 'errors' });
    const accepted = await h.submitText(view.private_metadata, 'cart:3', ALLOWED);
    expect(accepted.status).toBe(200);

    const sinceQuestion = await h.inThread(root, (m) => m.text === 'When were the keys last known to be there?', 'the since question');
    await h.waitFor(() => keyQuestion.versions.length > 1, 'the key question marked answered');
    expect(hasActions(keyQuestion)).toBe(false);
    expect(blockText(keyQuestion)).toContain('cart:3');

    // Someone not allowed for this cache clicks: refused, nothing moves.
    await h.click(sinceQuestion, 'In the last hour', STRANGER);
    await h.waitFor(() => h.fake.ephemerals.find((e) => e.user === STRANGER), 'the refusal to the stranger');
    expect(sinceQuestion.versions).toHaveLength(1);

    // A double click (two action_ts) and Slack retrying the first request: one answer.
    const first = await h.click(sinceQuestion, 'In the last hour', ALLOWED, { actionTs: '1700000100.000001' });
    await h.click(sinceQuestion, 'In the last 6 hours', ALLOWED, { actionTs: '1700000100.000002' });
    await h.click(sinceQuestion, 'In the last hour', ALLOWED, { payload: first.payload, retryNum: 1 });
    const scopeQuestion = await h.inThread(root, (m) => m.text === 'How much is missing?', 'the scope question');
    await h.waitFor(() => sinceQuestion.versions.length > 1, 'the since question marked answered');
    // Whichever click the store saw first wins; the other does nothing.
    expect(blockText(sinceQuestion)).toMatch(new RegExp(`In the last (hour|6 hours) — <@${ALLOWED}>`));
    expect(hasActions(sinceQuestion)).toBe(false);

    await h.click(scopeQuestion, 'Not sure', ALLOWED);
    const verdict = await h.verdict(root);
    expect(verdict.metadata?.event_payload).toMatchObject({ verdict: 'no-loss', cache: 'orders-prod', key: 'cart:3' });
    expect(verdict.thread_ts).toBe(root.ts);

    const thread = h.fake.thread(CHANNEL, root.ts);
    expect(thread.filter((m) => m.text.startsWith('How much is missing?'))).toHaveLength(1);
    expect(thread.filter((m) => m.text.startsWith('When were the keys last known to be there?'))).toHaveLength(1);
    expect(thread.filter((m) => m.metadata?.event_type === REPORT_EVENT)).toHaveLength(1);
    const answers = h.audit.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.action === 'answer' && l.question === 'since');
    expect(answers).toHaveLength(1);

    // Show all causes, twice: posted once; the button gives way to who used it.
    await h.click(verdict, 'Show all causes', ALLOWED);
    await h.inThread(root, (m) => m.text.startsWith('All causes for'), 'all causes');
    await h.waitFor(() => !blockText(verdict).includes('Show all causes"'), 'the used button removed');
    expect(blockText(verdict)).toContain(`Show all causes — <@${ALLOWED}>`);

    // Postmortem: in the thread, as a Markdown file, and in the postmortem channel.
    const clickAt = h.fake.calls.length;
    await h.click(verdict, 'Postmortem summary', ALLOWED);
    await h.click(verdict, 'Postmortem summary', ALLOWED, { actionTs: '1700000200.000009' });
    const summary = await h.inThread(root, (m) => m.text.startsWith('Postmortem: orders-prod'), 'the postmortem');
    await h.waitFor(() => h.fake.callsOf('files.completeUploadExternal').length > 0, 'the file upload to complete');
    await h.waitFor(() => h.fake.messages.find((m) => m.channel === 'C0POSTMORTEM'), 'the copy in the postmortem channel');
    expect(blockText(summary)).toContain('Timeline');
    const upload = h.fake.callsOf('files.getUploadURLExternal');
    expect(upload).toHaveLength(1);
    expect(upload[0]!.params.filename).toMatch(/^keyloss-postmortem-orders-prod-\d{4}-\d{2}-\d{2}\.md$/);
    expect(h.fake.uploads).toHaveLength(1);
    expect(h.fake.uploads[0]!.body).toContain('# Key-loss postmortem: orders-prod');
    expect(h.fake.uploads[0]!.body).toMatch(/When were the keys last known to be there\? → In the last (hour|6 hours) \(by <@U0ONCALL>\)/);
    const complete = h.fake.callsOf('files.completeUploadExternal')[0]!;
    expect(complete.params.channel_id).toBe(CHANNEL);
    expect(complete.params.thread_ts).toBe(root.ts);
    expect(h.fake.calls.slice(clickAt).filter((c) => c.method === 'chat.postMessage' && c.params.channel === CHANNEL)).toHaveLength(1);
  });

  it('a click whose value is not among the options is refused without using the question up: the next click counts', async () => {
    resetFake();
    await h.command('orders-prod cart:3', ALLOWED);
    const root = await h.root();
    const sinceQuestion = await h.inThread(root, (m) => m.text === 'When were the keys last known to be there?', 'the since question');
    const button = JSON.stringify(sinceQuestion.blocks).includes('In the last hour')
      ? (sinceQuestion.blocks as Array<{ elements?: Array<{ text?: { text?: string }; action_id: string; value?: string }>; block_id?: string }>)
          .flatMap((block) => (block.elements ?? []).map((element) => ({ ...element, block_id: block.block_id ?? '' })))
          .find((element) => element.text?.text === 'In the last hour')
      : undefined;
    if (!button) throw new Error('no "In the last hour" button');
    const forged = blockActionPayload({
      user: ALLOWED,
      message: { channel: sinceQuestion.channel, ts: sinceQuestion.ts, ...(sinceQuestion.thread_ts ? { thread_ts: sinceQuestion.thread_ts } : {}), blocks: sinceQuestion.blocks },
      action: { action_id: button.action_id, block_id: button.block_id, type: 'button', value: (button.value ?? '').replace(/[^|]*$/, 'not-an-option') },
      responseUrl: h.fake.responseUrl('forged'),
    });
    await h.click(sinceQuestion, 'In the last hour', ALLOWED, { payload: forged });
    await h.waitFor(() => h.fake.ephemerals.find((e) => e.user === ALLOWED), 'the refusal of the forged value');
    expect(sinceQuestion.versions).toHaveLength(1);
    // Before the fix the forged click had taken the question's one-time claim: this click then did nothing.
    await h.click(sinceQuestion, 'In the last hour', ALLOWED);
    await h.inThread(root, (m) => m.text === 'How much is missing?', 'the scope question after the real click');
    expect(blockText(sinceQuestion)).toContain(`In the last hour — <@${ALLOWED}>`);
  });

  it('a postmortem channel keyloss cannot post in: the summary and file still land in the thread, with one line about the copy', async () => {
    resetFake();
    h.fake.closedChannels.add('C0POSTMORTEM');
    try {
      await h.command('orders-prod cart:2 since 30m scope partial', ALLOWED);
      const root = await h.root();
      const verdict = await h.verdict(root);
      await h.click(verdict, 'Postmortem summary', ALLOWED);
      await h.inThread(root, (m) => m.text.startsWith('Postmortem: orders-prod'), 'the postmortem');
      const notice = await h.inThread(root, (m) => m.text.startsWith('The postmortem could not be copied'), 'the line about the copy');
      expect(notice.text).toContain('C0POSTMORTEM (An API error occurred: channel_not_found)');
      await h.waitFor(() => h.fake.callsOf('files.completeUploadExternal').length > 0, 'the file upload to complete');
      expect(h.fake.thread(CHANNEL, root.ts).some((m) => m.text.includes('keyloss failed'))).toBe(false);
      expect(h.audit.some((l) => l.includes('"action":"postmortem"') && l.includes('"copyFailed"'))).toBe(true);
    } finally {
      h.fake.closedChannels.delete('C0POSTMORTEM');
    }
  });

  it('re-run checks posts a fresh progress message and verdict in the same thread', async () => {
    resetFake();
    await h.command('orders-prod cart:1 since 30m scope partial', ALLOWED);
    const root = await h.root();
    const verdict = await h.verdict(root);
    await h.click(verdict, 'Re-run checks', ALLOWED);
    await h.verdict(root, 2);
    const thread = h.fake.thread(CHANNEL, root.ts);
    expect(thread.filter((m) => m.text.startsWith('Checking orders-prod'))).toHaveLength(2);
    expect(blockText(verdict)).not.toContain('"Re-run checks"');
  });
});
