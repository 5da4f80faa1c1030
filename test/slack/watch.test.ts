// "Watch live" through the real Bolt app: signed clicks, the fake Slack Web API, real redis-server processes whose keys
// expire and are deleted while the watch runs; one progress message ticking, the result with real counts in the thread.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/model.ts';
import { watchOffer } from '../../src/slack/blocks/verdict.ts';
import type { PostedMessage } from '../support/fake-slack.ts';
import { startRedis, stopAllRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { sleep, stagingClient } from '../scenarios/support.ts';
import { startSlackApp, type InProcessApp } from '../support/slack-app.ts';
import { CHANNEL, blockText, everythingSent, hasActions } from '../support/slack-driver.ts';

const ALLOWED = 'U0ONCALL';
const STRANGER = 'U0STRANGER';
const PASSWORD = 'watch-live-secret-7f3a9c';

let watched: RedisProcess;
let quiet: RedisProcess;
let doomed: RedisProcess;
let h: InProcessApp;

beforeAll(async () => {
  [watched, quiet, doomed] = await Promise.all([
    startRedis(['--notify-keyspace-events', 'KEA', '--requirepass', PASSWORD]),
    startRedis(),
    startRedis(['--notify-keyspace-events', 'KEA']),
  ]);
  const allow = ['    allow:', `      users: [${ALLOWED}]`];
  h = await startSlackApp({
    caches: [
      'caches:',
      '  orders-prod:',
      '    urlEnv: ORDERS_PROD_URL',
      '    tier: standard',
      ...allow,
      '  quiet-cache:',
      `    url: redis://127.0.0.1:${quiet.port}`,
      '    tier: standard',
      ...allow,
      '  doomed-cache:',
      `    url: redis://127.0.0.1:${doomed.port}`,
      '    tier: standard',
      ...allow,
    ].join('\n'),
    env: { KEYLOSS_WATCH_FOR: '5s', ORDERS_PROD_URL: `redis://:${PASSWORD}@127.0.0.1:${watched.port}` },
  });
});

afterEach(() => {
  expect(h.fake.breaches).toEqual([]);
});

afterAll(async () => {
  await h?.stop();
  await stopAllRedis();
});

function auditLines(action: string, thread: string): Array<Record<string, unknown>> {
  return h.audit.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.action === action && line.thread === thread);
}

/** The thread's one progress message of the watch, once it has ticked at least `ticks` times. */
function progressOf(rootTs: string, cache: string, ticks: number): Promise<PostedMessage> {
  return h.waitFor(() => {
    const found = h.fake.thread(CHANNEL, rootTs).filter((m) => m.versions[0]!.text.startsWith(`Watching ${cache} live`));
    return found.length === 1 && found[0]!.versions.length > ticks ? found[0] : undefined;
  }, `the watch progress on ${cache} after ${ticks} ticks`);
}

function resultOf(rootTs: string, cache: string): Promise<PostedMessage> {
  return h.inThread({ channel: CHANNEL, ts: rootTs }, (m) => m.text.startsWith(`Watched ${cache} live for`), `the watch result on ${cache}`);
}

async function verdictFor(command: string): Promise<{ root: PostedMessage; verdict: PostedMessage }> {
  const rootsBefore = h.fake.messages.filter((m) => m.thread_ts === null).length;
  await h.command(command, ALLOWED);
  const root = await h.waitFor(() => h.fake.messages.filter((m) => m.thread_ts === null && m.channel === CHANNEL)[rootsBefore], `the root message (${JSON.stringify([h.fake.responses, h.fake.ephemerals, h.audit])})`, 5_000);
  return { root, verdict: await h.verdict(root) };
}

describe('the runbook offers Watch live', () => {
  const words = { label: 'Watch live', inconclusive: 'Nothing proven: watch.', removing: 'Still going: watch.' };
  const rates = { from: '2026-12-01T05:30:00.000Z', intervalMs: 2_000, expiredPerSec: 0, evictedPerSec: 0, deletedPerSec: 0 };
  const report = (verdict: Report['verdict'], change: Partial<NonNullable<Report['rates']>> | null) =>
    ({ verdict, rates: change === null ? null : { ...rates, ...change } }) as Report;

  it('when no cause is proven, or keys are still being removed (with the rates); not otherwise', () => {
    expect(watchOffer(report('inconclusive', null), words)).toBe(':eyes: Nothing proven: watch.');
    expect(watchOffer(report('explained', { evictedPerSec: 41.5, deletedPerSec: 2 }), words)).toBe(
      ':eyes: Still going: watch.\n_Measured during the checks (over 2 s): 41.5/s evicted, 2/s DEL/UNLINK/GETDEL/HDEL calls._',
    );
    expect(watchOffer(report('explained', {}), words)).toBeNull();
    expect(watchOffer(report('explained', null), words)).toBeNull();
    expect(watchOffer(report('explained', { expiredPerSec: null }), words)).toBeNull();
    expect(watchOffer(report('no-loss', { expiredPerSec: 10 }), words)).toBeNull();
  });
});

describe('Slack: Watch live', () => {
  it('runs once for a double click and a retry, ticks one progress message, and posts the real counts in the thread', async () => {
    // Last seen after the server started: a restart does not explain it either.
    await sleep(1_100);
    const { root, verdict } = await verdictFor(`orders-prod session:* since ${new Date(Date.now() - 500).toISOString()} db 0 scope partial`);
    expect(blockText(verdict)).toContain('"Watch live"');
    // Nothing in this cache explains the loss: the runbook's sentence offers the watch.
    expect(verdict.metadata?.event_payload.verdict, blockText(verdict)).toBe('inconclusive');
    expect(blockText(verdict)).toContain('What the cache remembers could not prove one cause. Watch live looks at what is being removed right now');

    // Someone not allowed on this cache: refused, nothing watched, the button still there.
    await h.click(verdict, 'Watch live', STRANGER);
    await h.waitFor(() => h.fake.ephemerals.find((e) => e.user === STRANGER), 'the refusal to the stranger');
    expect(auditLines('watch', root.ts)).toHaveLength(0);

    // A double click (two action_ts) and Slack retrying the first request.
    const first = await h.click(verdict, 'Watch live', ALLOWED, { actionTs: '1700000300.000001' });
    await h.click(verdict, 'Watch live', ALLOWED, { actionTs: '1700000300.000002' });
    await h.click(verdict, 'Watch live', ALLOWED, { payload: first.payload, retryNum: 1 });

    // Once the watch has ticked, it is subscribed: keys expire and are deleted while it runs.
    await progressOf(root.ts, 'orders-prod', 1);
    const app = stagingClient(`redis://:${PASSWORD}@127.0.0.1:${watched.port}`);
    const cleanup = stagingClient(`redis://:${PASSWORD}@127.0.0.1:${watched.port}`);
    await cleanup.client('SETNAME', 'cart-cleanup');
    let result: PostedMessage;
    try {
      for (let i = 0; i < 4; i++) await app.set(`session:exp${i}`, 'v', 'PX', 20);
      await app.set('cart:exp', 'v', 'PX', 20);
      await sleep(60);
      // Read after their TTL: each is removed (and its event published) at the latest now.
      for (let i = 0; i < 4; i++) await app.get(`session:exp${i}`);
      await app.get('cart:exp');
      await app.mset('session:gone1', 'v', 'session:gone2', 'v', 'session:<!channel>', 'v', 'cart:1', 'v', 'cart:2', 'v');
      await cleanup.del('session:gone1', 'session:gone2', 'session:<!channel>');
      await cleanup.del('cart:1', 'cart:2');
      // The cleanup job stays connected, its last command DEL, as CLIENT LIST shows it at the next INFO sample.
      await app.quit();
      result = await resultOf(root.ts, 'orders-prod');
    } finally {
      await Promise.all([app.quit().catch(() => undefined), cleanup.quit()]);
    }

    const text = blockText(result);
    expect(text).toContain('expired: 5 (4 matching `session:*`)');
    expect(text).toContain('del: 5 (3 matching `session:*`)');
    expect(text).toContain('`cart-cleanup`');
    expect(text).toMatch(/Counters over the watch \(INFO\):\* expired 5, evicted 0, DEL 2,/);
    expect(text).toContain('*Keyspace notifications:* on');
    // A key name is user text: inert in mrkdwn.
    expect(text).toContain('session:&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(result.text).toMatch(/^Watched orders-prod live for 5 s: 4 session:\* keys expired in 5 s \(5 keys in all\)/);

    // One watch, one progress message, edited in place through the seconds, then stilled.
    const thread = h.fake.thread(CHANNEL, root.ts);
    const progress = thread.filter((m) => m.versions[0]!.text.startsWith('Watching orders-prod live'));
    expect(progress).toHaveLength(1);
    const seconds = progress[0]!.versions.map((v) => /(\d+) s of 5 s/.exec(JSON.stringify(v.blocks))?.[1]).filter((s) => s !== undefined).map(Number);
    expect(seconds[0]).toBe(0);
    expect(seconds.length).toBeGreaterThanOrEqual(3);
    expect([...seconds].sort((a, b) => a - b)).toEqual(seconds);
    expect(progress[0]!.text).toBe('Done watching orders-prod live (5 s): the result is in this thread.');
    expect(hasActions(progress[0]!)).toBe(false);
    expect(thread.filter((m) => m.text.startsWith('Watched orders-prod live for'))).toHaveLength(1);
    expect(auditLines('watch', root.ts)).toHaveLength(1);
    expect(auditLines('watch-finished', root.ts)).toHaveLength(1);

    // The verdict shows who used the button, which is gone from it; the result offers another watch.
    await h.waitFor(() => blockText(verdict).includes(`Watch live — <@${ALLOWED}>`), 'the verdict marking the button used');
    expect(blockText(verdict)).not.toContain('"Watch live"');
    expect(text).toContain('"Watch live"');
    expect(everythingSent(h.fake)).not.toContain(PASSWORD);
    expect(h.audit.join('\n')).not.toContain(PASSWORD);
  });

  it('with keyspace notifications off: the counter deltas and how to turn them on', async () => {
    const { root, verdict } = await verdictFor('quiet-cache cart:* since 30m db 0 scope partial');
    await h.click(verdict, 'Watch live', ALLOWED);
    await progressOf(root.ts, 'quiet-cache', 1);
    const app: Redis = stagingClient(`redis://127.0.0.1:${quiet.port}`);
    try {
      for (let i = 0; i < 3; i++) await app.set(`cart:exp${i}`, 'v', 'PX', 20);
      await sleep(60);
      for (let i = 0; i < 3; i++) await app.get(`cart:exp${i}`);
      await app.set('cart:1', 'v');
      await app.del('cart:1');
      await app.unlink('nothing-there');
    } finally {
      await app.quit();
    }
    const result = await resultOf(root.ts, 'quiet-cache');
    const text = blockText(result);
    expect(text).toContain('Keyspace notifications are off, so single keys could not be seen; counters over 5 s: 3 expired, 0 evicted');
    expect(text).toMatch(/Counters over the watch \(INFO\):\* expired 3, evicted 0, DEL 1, UNLINK 1,/);
    expect(text).toContain('Turn keyspace notifications on to see single keys: Azure Cache for Redis (Standard, Premium): Advanced settings');
    expect(text).toContain('*Keyspace notifications:* off');
    expect(text).not.toContain('Removed, by how');
  });

  it('a cache that cannot be reached: the watch says so in the thread, with a button to try again', async () => {
    const { root, verdict } = await verdictFor('doomed-cache cart:* since 30m db 0 scope partial');
    // Explained (a restart) with nothing being removed now: the button, without the runbook's offer.
    expect(verdict.metadata?.event_payload.verdict).toBe('explained');
    expect(blockText(verdict)).toContain('"Watch live"');
    expect(blockText(verdict)).not.toContain(':eyes:');
    await stopRedis(doomed);
    await h.click(verdict, 'Watch live', ALLOWED);
    const failed = await h.inThread(root, (m) => m.text.startsWith('The watch on doomed-cache did not run:'), 'the failed watch');
    expect(failed.text).toContain(`keyloss could not reach doomed-cache at 127.0.0.1:${doomed.port}`);
    expect(blockText(failed)).toContain('"Watch live"');
    const progress = h.fake.thread(CHANNEL, root.ts).find((m) => m.versions.some((v) => v.text.startsWith('Watching doomed-cache live')));
    await h.waitFor(() => progress?.text === 'The watch on doomed-cache did not run.', 'the progress message stilled');
    expect(h.fake.thread(CHANNEL, root.ts).some((m) => m.text.includes('keyloss failed'))).toBe(false);
    // The failure's button tries again (and fails the same way, once).
    await h.click(failed, 'Watch live', ALLOWED);
    await h.waitFor(() => h.fake.thread(CHANNEL, root.ts).filter((m) => m.text.startsWith('The watch on doomed-cache did not run:')).length === 2, 'the second attempt');
  });
});
