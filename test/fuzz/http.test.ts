// Property tests over the wire: hostile slash commands, clicks and modal submissions, correctly signed, sent to a real
// keyloss process. It never crashes, always acks, and nothing typed becomes a mention or a link in what it posts.
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { ACTION, REPORT_EVENT, VIEW, questionBlockId, pickBlockId } from '../../src/slack/ids.ts';
import { startApp, stopAllApps, type AppProcess } from '../support/app-process.ts';
import { writeCachesFile } from '../support/caches-file.ts';
import { blockActionPayload, viewSubmissionPayload } from '../support/slack-request.ts';
import { BOT_TOKEN, slackDriver, type SlackDriver } from '../support/slack-driver.ts';
import { injectedControls, userText } from './arbitraries.ts';

let fake: FakeSlack;
let cache: RedisProcess;
let caches: { path: string; remove(): void };
let app: AppProcess;
let slack: SlackDriver;

const USER_ID = /^[UW][A-Z0-9]{1,40}$/;
const userId = fc.oneof(fc.constantFrom('U0FUZZ1', 'W0FUZZ2'), userText.map((t) => t.slice(0, 60)));
const channelId = fc.oneof(fc.constantFrom('C0FUZZ', 'G0FUZZ'), userText.map((t) => t.slice(0, 60)));
const ts = fc.oneof(fc.constantFrom('1700000001.000001', '1700000002.000002'), userText.map((t) => t.slice(0, 40)));
const actionId = fc.constantFrom(
  `${ACTION.answerPrefix}0`,
  `${ACTION.answerPrefix}3`,
  ACTION.answerSelect,
  ACTION.skip,
  ACTION.openText,
  ACTION.pickCache,
  `${ACTION.pickCache}.0`,
  ACTION.rerun,
  ACTION.allCauses,
  ACTION.postmortem,
);
const blockId = fc.oneof(
  fc.constantFrom(questionBlockId('tier', 1), questionBlockId('scope', 5), questionBlockId('nope', 0), pickBlockId('123.456.abc'), 'verdict', 'progress'),
  userText.map((t) => t.slice(0, 255)),
);
const users = new Set<string>();

beforeAll(async () => {
  [fake, cache] = await Promise.all([startFakeSlack({ botToken: BOT_TOKEN }), startRedis()]);
  caches = writeCachesFile('caches:\n  orders:\n    urlEnv: ORDERS_URL\n    tier: standard\n');
  app = await startApp('fuzz', {
    SLACK_API_URL: fake.apiUrl,
    KEYLOSS_CACHES: caches.path,
    ORDERS_URL: cache.url,
    KEYLOSS_RATE_INTERVAL_MS: '100',
    KEYLOSS_PROGRESS_INTERVAL_MS: '100',
  });
  slack = slackDriver(fake, app, { waitMs: 60_000 });
}, 60_000);

afterAll(async () => {
  await stopAllApps();
  await fake?.close();
  if (cache) await stopRedis(cache);
  caches?.remove();
});

beforeEach(() => {
  onTestFailed(() => {
    process.stderr.write(`--- app ---\n${app?.output().slice(-5000)}\n`);
  });
});

function alive(): boolean {
  return app.child.exitCode === null && app.child.signalCode === null;
}

describe('hostile requests to a running keyloss', () => {
  it('slash commands with any text are acked and answered with inert text', async () => {
    await fc.assert(
      fc.asyncProperty(userText, userId, channelId, async (text, user, channel) => {
        if (USER_ID.test(user)) users.add(user);
        const response = await slack.command(text, user, { channel, responseId: 'fuzz' });
        expect(response.status).toBe(200);
        expect(injectedControls(response.text, [...users])).toEqual([]);
        expect(alive()).toBe(true);
      }),
      { numRuns: 120 },
    );
  }, 120_000);

  it('clicks with any ids and values are acked and never crash the process', async () => {
    await fc.assert(
      fc.asyncProperty(userId, channelId, ts, ts, actionId, blockId, userText, async (user, channel, messageTs, threadTs, action, block, value) => {
        if (USER_ID.test(user)) users.add(user);
        const payload = blockActionPayload({
          user,
          message: { channel, ts: messageTs, thread_ts: threadTs, blocks: [] },
          action:
            action === ACTION.answerSelect || action === ACTION.pickCache
              ? { type: 'static_select', action_id: action, block_id: block, selected_option: { text: { type: 'plain_text', text: 'x' }, value } }
              : { type: 'button', action_id: action, block_id: block, value },
          responseUrl: fake.responseUrl('fuzz-click'),
        });
        const response = await slack.interact(payload);
        expect(response.status).toBe(200);
        expect(alive()).toBe(true);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('modal submissions with any metadata and text are acked or refused with a sentence', async () => {
    await fc.assert(
      fc.asyncProperty(userId, fc.oneof(userText, fc.json()), userText, async (user, metadata, text) => {
        const payload = viewSubmissionPayload({ user, callbackId: VIEW.textAnswer, privateMetadata: metadata, values: { answer: { value: text } } });
        const response = await slack.interact(payload);
        expect(response.status).toBe(200);
        if (response.json && typeof response.json === 'object' && 'errors' in response.json) {
          for (const error of Object.values((response.json as { errors: Record<string, string> }).errors)) expect(error.length).toBeGreaterThan(3);
        }
        expect(alive()).toBe(true);
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('malformed bodies and payloads are refused without crashing the process', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          userText.map((t) => `payload=${encodeURIComponent(t)}`),
          fc.jsonValue().map((v) => `payload=${encodeURIComponent(JSON.stringify(v))}`),
          fc.constantFrom('payload=%7B%22type%22%3A%22block_actions%22%7D', 'payload=null', 'command=%2Fkeyloss', '', 'payload=%ZZ'),
        ),
        async (body) => {
          // Every signed request gets an answer (payload=null included), never a 5xx; a bound keeps silence from hanging.
          const answer = await Promise.race([
            slack.raw(body),
            new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000).unref()),
          ]);
          expect(answer, body).not.toBeNull();
          expect(answer?.status).toBeLessThan(500);
          await new Promise((resolve) => setImmediate(resolve));
          expect(alive()).toBe(true);
        },
      ),
      // Each payload Bolt cannot route waits out its 3-second ack window, so few runs: the examples cover the known traps.
      {
        numRuns: 16,
        examples: [
          ['payload=null'],
          ['payload=%ZZ'],
          ['payload=%7B%22type%22%3A%22block_actions%22%7D'],
          [''],
          // Shapes Bolt throws on before any listener: refused with a 400, never a 500.
          ...['{"event":null}', '{"type":"view_submission"}', '{"actions":[null]}', '{"name":null,"channel":null}'].map((shape) => [`payload=${encodeURIComponent(shape)}`]),
        ],
      },
    );
    expect(app.output()).toMatch(/request refused by the Slack receiver/);
    expect(app.output()).not.toMatch(/request dropped by the Slack receiver/);
  }, 180_000);

  it('after all that, still serves a real investigation, and nothing it posted mentions anyone it was not asked to', async () => {
    const response = await slack.command('orders "<!channel> session:*" since 2h db 0 scope partial', 'U0FUZZ1', { channel: 'C0AFTER', responseId: 'after' });
    expect(response.status).toBe(200);
    await slack.waitFor(() => fake.messages.find((m) => m.channel === 'C0AFTER' && m.metadata?.event_type === REPORT_EVENT), 'the verdict');
    users.add('U0FUZZ1');
    // Message metadata is data for machines (the key as typed belongs there); everything rendered must be inert.
    const rendered = [...fake.messages.map(({ metadata: _metadata, ...shown }) => shown), ...fake.ephemerals, ...fake.responses];
    expect(injectedControls(JSON.stringify(rendered), [...users])).toEqual([]);
    expect(fake.breaches).toEqual([]);
    expect(app.output()).not.toMatch(/unhandled|TypeError|ReferenceError/i);
  }, 60_000);
});
