// One-shot commands: `/keyloss <cache> <key> since <t>` runs the checks with no click; the scope the checks inferred
// is shown on the verdict, with a button that changes it and re-runs; "Narrow to a key" asks one key and re-runs.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { stagingClient, writeKeys } from '../scenarios/support.ts';
import { ACTION, REPORT_EVENT, VIEW } from '../../src/slack/ids.ts';
import { SHORTCUT } from '../../src/slack/listeners/shortcuts/investigate.ts';
import { nextTriggerId, viewSubmissionPayload } from '../support/slack-request.ts';
import { startSlackApp, type InProcessApp } from '../support/slack-app.ts';
import { CHANNEL, blockText, hasActions, questionBlock } from '../support/slack-driver.ts';

const ONCALL = 'U0ONCALL';
let redis: RedisProcess;
let h: InProcessApp;

beforeAll(async () => {
  redis = await startRedis();
  const app: Redis = stagingClient(redis.url, 0);
  await writeKeys(app, 'basket:', 0, 5, 64);
  await app.quit();
  h = await startSlackApp({
    caches: [
      'caches:',
      '  orders-prod:',
      `    url: redis://127.0.0.1:${redis.port}`,
      '    tier: standard',
      // Allowed in one channel, named by name: App Home's channel picker gives only the id.
      '  billing:',
      `    url: redis://127.0.0.1:${redis.port}`,
      '    tier: standard',
      '    allow:',
      '      channels: ["#payments"]',
    ].join('\n'),
  });
  h.fake.channelNames.C0PAYMENTS = 'payments';
  h.fake.channelNames.C0INCIDENT = 'incidents';
});

afterEach(() => {
  expect(h.fake.breaches).toEqual([]);
  h.fake.messages.length = 0;
});

afterAll(async () => {
  await h?.stop();
  await stopAllRedis();
});

/** Question messages: the thread messages with a question's actions block. */
function questionsIn(rootTs: string) {
  return h.fake.thread(CHANNEL, rootTs).filter((m) => questionBlock(m) !== null);
}

describe('one-shot /keyloss', () => {
  it('cache, key and since in the text: the verdict comes with no click, the scope inferred and changeable', async () => {
    const started = performance.now();
    await h.command('orders-prod basket:17 since 30m', ONCALL);
    const root = await h.root();
    const verdict = await h.verdict(root);
    const ms = performance.now() - started;
    process.stdout.write(`one-shot /keyloss: command to verdict in ${Math.round(ms)} ms\n`);
    expect(questionsIn(root.ts)).toEqual([]);
    expect(blockText(verdict)).toContain('scope inferred: partial');
    expect(verdict.metadata?.event_payload).toMatchObject({ cache: 'orders-prod', key: 'basket:17' });

    await h.click(verdict, 'Re-run: most or all keys are gone', ONCALL);
    const second = await h.verdict(root, 2);
    expect(blockText(second)).toContain('scope complete');
    expect(blockText(second)).not.toContain('scope inferred');
    // The scope was asked now: no button to change it again, and the first verdict shows who changed it.
    expect(blockText(second)).not.toContain('Re-run: ');
    const first = h.fake.messages.find((m) => m.ts === verdict.ts)!;
    expect(blockText(first)).toContain(`Changed the scope — <@${ONCALL}>`);
    expect(questionsIn(root.ts)).toEqual([]);
  });

  it('a pattern: "Narrow to a key" asks the key, and the answer re-runs with everything else kept', async () => {
    await h.command('orders-prod "basket:*" since 2h db 0', ONCALL);
    const root = await h.root();
    const verdict = await h.verdict(root);
    expect(blockText(verdict)).toContain('scope inferred');
    await h.click(verdict, 'Narrow to a key', ONCALL);
    const question = await h.inThread(root, (m) => m.text === 'Which key is missing?' && hasActions(m), 'the key question');
    const opened = h.fake.callsOf('views.open').length;
    await h.click(question, 'Type the answer…', ONCALL);
    const modal = await h.waitFor(() => h.fake.callsOf('views.open')[opened], 'the key modal');
    const view = modal.params.view as { private_metadata: string };
    await h.submitText(view.private_metadata, 'basket:99', ONCALL);
    const second = await h.verdict(root, 2);
    expect(second.metadata?.event_payload).toMatchObject({ key: 'basket:99' });
    // Only the key was asked: since, db, tier came back from the first run.
    const prompts = ['Which service and tier is the cache?', 'Which key is missing?', 'Which database does the application use?', 'When were the keys last known to be there?', 'How much is missing?'];
    expect(h.fake.thread(CHANNEL, root.ts).map((m) => m.versions[0]!.text).filter((t) => prompts.includes(t))).toEqual(['Which key is missing?']);
    expect(blockText(second)).toContain('since');
  });
});

describe('the message shortcut "Investigate with keyloss"', () => {
  it('reads an alert-like message for cache, key and time, and runs in that message\'s thread with no question', async () => {
    const alertTs = '1764500000.000100';
    const lastSeen = new Date(Date.now() - 20 * 60_000);
    const payload = {
      type: 'message_action',
      callback_id: SHORTCUT,
      trigger_id: nextTriggerId(),
      team: { id: 'T111', domain: 'example' },
      user: { id: ONCALL, name: 'oncall' },
      channel: { id: CHANNEL, name: 'incidents' },
      message_ts: alertTs,
      response_url: h.fake.responseUrl('shortcut'),
      message: {
        type: 'message',
        ts: alertTs,
        text: '',
        bot_id: 'BMONITOR',
        attachments: [
          {
            color: 'danger',
            title: 'Keys missing on orders-prod',
            fields: [
              { title: 'Key', value: 'basket:*', short: true },
              { title: 'Last seen', value: lastSeen.toISOString(), short: true },
            ],
          },
        ],
      },
    };
    const res = await h.interact(payload);
    expect(res.status).toBe(200);
    const status = await h.waitFor(() => h.fake.messages.find((m) => m.thread_ts === alertTs), () => `keyloss in the alert thread; audit: ${h.audit.join('\n')}; ephemerals: ${JSON.stringify(h.fake.ephemerals)}`);
    expect(status.versions[0]!.text).toContain('Key-loss investigation on orders-prod');
    await h.verdict({ channel: CHANNEL, ts: alertTs });
    // In someone else's thread the status reply carries the verdict line too: the verdict is the message with the evidence.
    const verdict = h.fake.thread(CHANNEL, alertTs).find((m) => m.metadata?.event_type === REPORT_EVENT && m.ts !== status.ts)!;
    expect(verdict.metadata?.event_payload).toMatchObject({ cache: 'orders-prod', key: 'basket:*' });
    expect(blockText(verdict)).toContain(`last seen ${new Date(Math.floor(lastSeen.getTime() / 1000) * 1000).toISOString().slice(11, 19)} UTC`);
    // keyloss never edits the message it was asked about: the status reply carries the verdict line.
    expect(h.fake.callsOf('chat.update').some((c) => c.params.ts === alertTs)).toBe(false);
    expect(h.fake.messages.find((m) => m.ts === status.ts)!.text).toContain('Key-loss investigation on orders-prod');
    expect(questionsIn(alertTs)).toEqual([]);
  });
});

describe('App Home', () => {
  it('publishes the recent investigations and the caches the user may diagnose; its button starts one', async () => {
    const res = await h.event({ type: 'app_home_opened', user: ONCALL, channel: 'D0HOME', tab: 'home', event_ts: '1764500001.000200' });
    expect(res.status).toBe(200);
    const home = await h.waitFor(() => h.fake.homeViews.find((v) => v.user === ONCALL), 'views.publish');
    const text = JSON.stringify(home.view.blocks);
    // The investigations the earlier tests started, newest first, with their verdicts and a link to the thread.
    expect(text).toContain('Your recent investigations');
    expect(text).toContain('basket:99');
    expect(text).toMatch(/app_redirect\?channel=C0INCIDENT&message_ts=\d+\.\d+\|thread/);
    expect(text).toContain('Caches you may diagnose');
    const start = (home.view.blocks as Array<{ accessory?: { action_id: string; value: string } }>).find((b) => b.accessory?.value === 'orders-prod')!;
    expect(start.accessory!.action_id).toBe(ACTION.homeStart);

    const opened = h.fake.callsOf('views.open').length;
    await h.interact({
      type: 'block_actions',
      user: { id: ONCALL },
      trigger_id: nextTriggerId(),
      view: { id: 'VHOME', type: 'home' },
      container: { type: 'view', view_id: 'VHOME' },
      actions: [{ type: 'button', action_id: ACTION.homeStart, block_id: 'b', value: 'orders-prod', action_ts: '1764500002.000300' }],
    });
    const modal = await h.waitFor(() => h.fake.callsOf('views.open')[opened], 'the start modal');
    expect((modal.params.view as { private_metadata: string }).private_metadata).toBe('orders-prod');
    const rootsBefore = h.fake.messages.filter((m) => m.thread_ts === null).length;
    const submission = viewSubmissionPayload({
      user: ONCALL,
      callbackId: VIEW.homeStart,
      privateMetadata: 'orders-prod',
      values: { key: { value: 'basket:3' }, since: { value: '45m' } },
    }) as { view: { state: { values: Record<string, unknown> } } };
    submission.view.state.values.channel = { value: { type: 'conversations_select', selected_conversation: 'C0INCIDENT' } };
    expect((await h.interact(submission)).status).toBe(200);
    const root = await h.waitFor(() => h.fake.messages.filter((m) => m.thread_ts === null)[rootsBefore], 'the new root');
    const verdict = await h.verdict(root);
    expect(verdict.metadata?.event_payload).toMatchObject({ cache: 'orders-prod', key: 'basket:3' });
  });

  /** Submits App Home's start form for `cache` in `channel`, as Slack sends it for the view `viewId`. */
  const submitHome = (cache: string, channel: string, viewId: string) => {
    const submission = viewSubmissionPayload({ user: ONCALL, callbackId: VIEW.homeStart, privateMetadata: cache, values: { key: { value: 'basket:4' }, since: { value: '45m' } } }) as {
      view: { id: string; state: { values: Record<string, unknown> } };
    };
    submission.view.id = viewId;
    submission.view.state.values.channel = { value: { type: 'conversations_select', selected_conversation: channel } };
    return h.interact(submission);
  };

  it('a cache the caches file no longer lists is "no longer configured", not a crash', async () => {
    expect((await submitHome('orders-retired', 'C0INCIDENT', 'VGONE')).status).toBe(200);
    const said = await h.waitFor(() => h.fake.ephemerals.find((e) => e.user === ONCALL && e.text.includes('orders-retired')), 'the ephemeral');
    expect(said.text).toContain('orders-retired is no longer configured');
    expect(h.audit.join('\n')).not.toContain('Cannot read properties');
  });

  it('allow.channels by name: the channel picked is looked up by id, allowed in #payments, refused elsewhere', async () => {
    const rootsBefore = h.fake.messages.filter((m) => m.thread_ts === null).length;
    expect((await submitHome('billing', 'C0PAYMENTS', 'VPAY')).status).toBe(200);
    const root = await h.waitFor(() => h.fake.messages.filter((m) => m.thread_ts === null)[rootsBefore], 'the new root');
    expect(root.channel).toBe('C0PAYMENTS');
    const verdict = await h.verdict(root);
    expect(verdict.metadata?.event_payload).toMatchObject({ cache: 'billing', key: 'basket:4' });

    expect((await submitHome('billing', 'C0INCIDENT', 'VELSEWHERE')).status).toBe(200);
    const refused = await h.waitFor(() => h.fake.ephemerals.find((e) => e.channel === 'C0INCIDENT' && e.text.includes('billing may not be diagnosed from this channel')), 'the refusal');
    expect(refused.user).toBe(ONCALL);
  });
});
