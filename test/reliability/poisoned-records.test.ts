// Every record the Slack app reads from the state Redis is untrusted input: the real app process in HTTP mode, a real
// state Redis whose records are poisoned with a raw client (garbled, of another shape, oversized, not even a hash), and
// signed clicks, commands, alerts and App Home. Each reader used to cast what it read: a garbled thread record threw
// out of every click (or handed garbage on), a garbled recents list broke App Home. Now the click is told the
// investigation expired, the list that it expired, the alert is audited as unknown; one audit line per record, and the
// record is removed so the next start writes it afresh.
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.ts';
import { commonAlert, postAlert } from '../support/azure-alert.ts';
import { threadOfAlert } from '../../src/slack/alerts/intake.ts';
import { useAclReplica, type AclReplica } from '../support/acl-replica.ts';
import type { AppProcess } from '../support/app-process.ts';
import { redisResourceId } from '../support/fake-azure.ts';
import { FIRST_ANSWER, type SlackDriver } from '../support/slack-driver.ts';
import { blockActionPayload } from '../support/slack-request.ts';
import { waitFor } from '../support/wait.ts';

const USER = 'U0POISON';
const STATE_PASSWORD = 'state-password-poison-3e8a';
const ALERT_TOKEN = 'alert-token-poison-61c0d9f2';
const RESOURCE = redisResourceId('orders-poison');
const ALERTS = 'C0PRALERTS';
const EXPIRED = 'This investigation has expired. Start a new one with /keyloss.';
const MIN = 60_000;

let replica: AclReplica;
let app: AppProcess;
let h: SlackDriver;
let raw: Redis;

useAclReplica(
  'poison',
  { password: STATE_PASSWORD, alertToken: ALERT_TOKEN, resourceId: RESOURCE, alertsChannel: ALERTS },
  (started) => {
    replica = started;
    ({ app, driver: h, admin: raw } = started);
  },
);

const fake = () => replica.surroundings.fake;
const eventually = <T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string) => waitFor(probe, what, 60_000);
/** The Redis key of a state record (the default prefix keyloss:). */
const stored = (key: string) => `keyloss:state:${key}`;
/** The audit lines of skipped records, for `key`. */
const skipped = (key: string) => app.audit.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.action === 'skipped-record' && entry.key === key);
const expiredNotices = (channel: string) => fake().ephemerals.filter((e) => e.channel === channel && e.user === USER && e.text === EXPIRED);

function command(text: string, channel: string, triggerId: string, user = USER) {
  return h.command(text, user, { channel, triggerId, responseId: `${channel}-${triggerId}` });
}

async function investigationToVerdict(channel: string, trigger: string, user = USER) {
  const before = h.roots(channel).length;
  await command('orders session:1 since 2h db 0 scope partial', channel, trigger, user);
  const root = await eventually(() => h.roots(channel)[before], `the root of ${trigger}`);
  const verdict = await h.verdict(root);
  return { root, verdict };
}

describe('a poisoned investigation thread record', () => {
  it('every verdict button says the investigation expired; one audit line, and the record is removed', async () => {
    const channel = 'C0PRVERDICT';
    const { root, verdict } = await investigationToVerdict(channel, '211.1.verdict');
    const key = `keyloss:thread:${channel}:${root.ts}`;
    expect(await raw.exists(stored(key))).toBe(1);
    await raw.hset(stored(key), 'j', '{"channel":"C0PRVERDICT","rootTs":');

    for (const [i, action] of [ACTION.rerun, ACTION.postmortem, ACTION.watchLive, ACTION.allCauses].entries()) {
      expect((await h.click(verdict, { action }, USER)).status).toBe(200);
      await eventually(() => expiredNotices(channel).length === i + 1, `the expired notice for ${action}`);
    }
    expect(skipped(key)).toEqual([expect.objectContaining({ reason: 'investigation record: not JSON; removed', user: null, channel: null })]);
    expect(await raw.exists(stored(key))).toBe(0);
    // No stack and no failure line: the clicks were answered, not crashed.
    expect(fake().ephemerals.filter((e) => e.channel === channel && /failed while handling/.test(e.text))).toEqual([]);
    expect(app.output()).not.toMatch(/at \S+ \(.*\.ts:\d+:\d+\)/);
  }, 120_000);

  it('an answer on a record past its cap says the investigation expired, and a new start in the channel works', async () => {
    const channel = 'C0PRANSWER';
    // The key given: the next question is answered with buttons.
    await command('orders session:1', channel, '211.2.answer');
    const root = await h.root(channel);
    const question = await h.question(root);
    const key = `keyloss:thread:${channel}:${root.ts}`;
    // Valid JSON of the right start, but longer than any investigation keyloss writes (2,000,000 characters).
    const huge = JSON.stringify({ channel, rootTs: root.ts, cache: 'orders', padding: 'x'.repeat(2_100_000) });
    await raw.hset(stored(key), 'j', huge);

    await h.click(question, FIRST_ANSWER, USER);
    await eventually(() => expiredNotices(channel).length === 1, 'the expired notice for the answer');
    expect(skipped(key)).toEqual([expect.objectContaining({ reason: `investigation record: ${huge.length} characters, more than the 2000000 it may hold; removed` })]);
    expect(await raw.exists(stored(key))).toBe(0);

    await investigationToVerdict(channel, '211.3.again');
  }, 120_000);

  it('a record that cannot be removed is still reported once however often it is clicked', async () => {
    const channel = 'C0PRONCE';
    const { root, verdict } = await investigationToVerdict(channel, '211.4.once');
    const key = `keyloss:thread:${channel}:${root.ts}`;
    // Another writer's value: JSON, but no investigation (the session is missing).
    await raw.hset(stored(key), 'j', JSON.stringify({ channel, rootTs: root.ts, cache: 'orders' }));
    await replica.stateAcl('refuseWrites');
    for (let i = 0; i < 3; i++) {
      await h.click(verdict, { action: ACTION.postmortem }, USER);
      await eventually(() => expiredNotices(channel).length === i + 1, `expired notice ${i + 1}`);
    }
    expect(skipped(key)).toEqual([expect.objectContaining({ reason: expect.stringMatching(/^investigation record: startedBy: .*; could not be removed$/) })]);
    expect(await raw.exists(stored(key))).toBe(1);
    await replica.stateAcl('all');
    await h.click(verdict, { action: ACTION.postmortem }, USER);
    await eventually(() => expiredNotices(channel).length === 4, 'the expired notice once the record can be removed');
    await eventually(async () => (await raw.exists(stored(key))) === 0, 'the record to be removed');
    expect(skipped(key)).toHaveLength(1);
  }, 120_000);
});

describe('the other records the app reads', () => {
  it('the cache picker over a list record of another shape says the list expired', async () => {
    const channel = 'C0PRPICK';
    const trigger = '211.5.picker';
    await command('session:1 since 2h db 0 scope partial', channel, trigger);
    const picker = await eventually(() => fake().responses.find((r) => r.id === `${channel}-${trigger}` && JSON.stringify(r.body).includes('pick|')), 'the cache picker');
    const key = `pending:${trigger}`;
    await raw.hset(stored(key), 'j', '[]');

    const payload = blockActionPayload({
      user: USER,
      message: { channel, ts: '1700000000.000211', blocks: picker.body.blocks as unknown[] },
      action: { type: 'button', action_id: 'keyloss.pick_cache.0', block_id: `pick|${trigger}`, value: 'orders' },
      responseUrl: fake().responseUrl('pick-poisoned'),
    });
    expect((await h.interact(payload)).status).toBe(200);
    await eventually(() => fake().responses.find((r) => r.id === 'pick-poisoned' && String(r.body.text).includes('This list has expired. Run /keyloss again.')), 'the expired list');
    expect(skipped(key)).toEqual([expect.objectContaining({ reason: 'cache list record: value: Invalid input: expected object, received array; removed' })]);
    expect(await raw.exists(stored(key))).toBe(0);
  }, 120_000);

  it('a Resolved alert whose thread record is garbled is audited as unknown, and the next Fired alert still starts and resolves', async () => {
    const route = `http://127.0.0.1:${app.port}/alerts/azure-monitor`;
    const now = Date.now();
    const alert = (id: string, condition: 'Fired' | 'Resolved') =>
      commonAlert({ alertId: `/alerts/${id}`, target: RESOURCE, condition, firedAt: new Date(now - MIN), windowStart: new Date(now - 15 * MIN), windowEnd: new Date(now), ...(condition === 'Resolved' ? { resolvedAt: new Date(now) } : {}) });
    const auditOf = (id: string, what: string) => app.audit.filter((line) => line.includes('"action":"alert"') && line.includes(`/alerts/${id}`) && line.includes(what));

    expect((await postAlert(route, alert('garbled-1', 'Fired'), { token: ALERT_TOKEN })).status).toBe(202);
    const first = await h.root(ALERTS);
    await h.verdict(first);
    const key = threadOfAlert({ id: '/alerts/garbled-1', firedAt: new Date(now - MIN).toISOString() });
    expect(await raw.exists(stored(key))).toBe(1);
    // Not even a hash: a string someone SET under keyloss's prefix.
    await raw.del(stored(key));
    await raw.set(stored(key), 'C0PRALERTS 1700000000.1');
    expect((await postAlert(route, alert('garbled-1', 'Resolved'), { token: ALERT_TOKEN })).status).toBe(202);
    await eventually(() => auditOf('garbled-1', 'keyloss saw no fired alert with this id').length === 1, 'the resolve audited as unknown');
    expect(skipped(key)).toHaveLength(1);
    expect(await raw.exists(stored(key))).toBe(0);
    expect(h.thread(first).some((m) => m.text.includes('resolved at'))).toBe(false);

    const rootsBefore = h.roots(ALERTS).length;
    expect((await postAlert(route, alert('next-2', 'Fired'), { token: ALERT_TOKEN })).status).toBe(202);
    const next = await eventually(() => h.roots(ALERTS)[rootsBefore], 'the next alert investigation');
    await h.verdict(next);
    expect((await postAlert(route, alert('next-2', 'Resolved'), { token: ALERT_TOKEN })).status).toBe(202);
    await eventually(() => h.thread(next).find((m) => m.text.includes('resolved at')), 'the next alert resolved in its thread');
  }, 120_000);

  it('App Home over a garbled recents record opens with none, and the next start writes the recents afresh', async () => {
    const user = 'U0PRHOME';
    const channel = 'C0PRHOME';
    await investigationToVerdict(channel, '211.6.home', user);
    const key = `keyloss:recent:${user}`;
    expect(await raw.exists(stored(key))).toBe(1);
    await raw.hset(stored(key), 'j', JSON.stringify([{ channel: 42 }]));

    const views = () => fake().homeViews.filter((v) => v.user === user);
    expect((await h.event({ type: 'app_home_opened', user, channel: 'D0PRHOME', tab: 'home', event_ts: '1764500211.000100' })).status).toBe(200);
    const home = await eventually(() => views()[0], 'the App Home view');
    const text = JSON.stringify(home.view.blocks);
    expect(text).toContain('None in the last days.');
    expect(text).toContain('Caches you may diagnose');
    expect(skipped(key)).toEqual([expect.objectContaining({ reason: 'recent investigations record: 0.channel: Invalid input: expected string, received number; removed' })]);
    expect(await raw.exists(stored(key))).toBe(0);

    const { root } = await investigationToVerdict(channel, '211.7.home', user);
    const recents = await eventually(async () => raw.hget(stored(key), 'j'), 'the recents written afresh');
    expect(JSON.parse(recents)).toEqual([{ channel, rootTs: root.ts }]);
    expect((await h.event({ type: 'app_home_opened', user, channel: 'D0PRHOME', tab: 'home', event_ts: '1764500211.000200' })).status).toBe(200);
    const again = await eventually(() => views()[1], 'the App Home view after the next start');
    expect(JSON.stringify(again.view.blocks)).toContain(`message_ts=${root.ts}`);
    expect(skipped(key)).toHaveLength(1);
  }, 120_000);
});
