// keyloss record tells Slack first: a flush posted once with two recorder processes running, a restart that lost keys,
// a burst coalesced into one message edited in place, a post Slack refused retried under its claim, the Diagnose
// button's investigation in the message's thread, and an Azure Monitor alert for the same window joining that thread.
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BURST } from '../../src/config/caches.ts';
import { RecordLayout } from '../../src/record/layout.ts';
import { DEFAULT_RECORDER_OPTIONS, Recorder, type RecordTarget } from '../../src/record/recorder.ts';
import { parseRedisUrl } from '../../src/redis/url.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import { slackSpeaker } from '../../src/slack/recorded.ts';
import { commonAlert, postAlert } from '../support/azure-alert.ts';
import { writeCachesFile } from '../support/caches-file.ts';
import type { PostedMessage } from '../support/fake-slack.ts';
import { runKeyloss } from '../support/keyloss-cli.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { startSlackApp, type InProcessApp } from '../support/slack-app.ts';
import { BOT_TOKEN, blockText } from '../support/slack-driver.ts';
import { waitFor } from '../support/wait.ts';

const PREFIX = 'klspeak:';
const ALERTS = 'C0ALERTS';
const USER = 'U0ONCALL';
const ALERT_TOKEN = 'alert-token-0123456789abcdef';
const RESOURCE = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Cache/Redis/orders-cache';

let stateServer: RedisProcess;
let state: Redis;
let cache: RedisProcess;
let h: InProcessApp;
let cachesYaml: string;

beforeAll(async () => {
  [stateServer, cache] = await Promise.all([startRedis(), startRedis(['--notify-keyspace-events', 'Exeg'])]);
  state = new Redis(stateServer.port);
  cachesYaml = [
    'caches:',
    '  orders:',
    `    url: redis://127.0.0.1:${cache.port}`,
    '    tier: standard',
    '    azure:',
    `      resourceId: ${RESOURCE}`,
    '      region: westeurope',
    '    alerts:',
    `      channel: ${ALERTS}`,
  ].join('\n');
  h = await startSlackApp({ caches: cachesYaml, env: { KEYLOSS_ALERT_TOKEN: ALERT_TOKEN, KEYLOSS_STATE_PREFIX: PREFIX }, record: { client: state, prefix: PREFIX } });
});
afterAll(async () => {
  await h?.stop();
  state.disconnect();
  await stopAllRedis();
});

const inAlerts = (pattern: RegExp): PostedMessage[] => h.fake.messages.filter((m) => m.channel === ALERTS && m.thread_ts === null && pattern.test(m.text));

/** An in-process recorder of `redis` under `id` that speaks to the fake Slack. */
async function speakingRecorder(id: string, redis: RedisProcess, announce: Partial<NonNullable<RecordTarget['announce']>> = {}, announcer = {}): Promise<Recorder> {
  const parsed = parseRedisUrl(redis.url);
  if (!parsed.ok) throw new Error(parsed.reason);
  const words = (await loadDefaultRunbook()).recorded!;
  const log: string[] = [];
  const recorder = new Recorder(state, [{ id, endpoint: parsed.endpoint, azure: null, announce: { channel: ALERTS, key: '*', burst: { ...DEFAULT_BURST }, ...announce } }], {
    ...DEFAULT_RECORDER_OPTIONS,
    prefix: PREFIX,
    holder: `speaker-${id}`,
    flushMs: 50,
    leaseMs: 600,
    sampleMs: 150,
    backoff: { minMs: 50, maxMs: 200 },
    log: (line) => log.push(line),
    speaker: slackSpeaker({ botToken: BOT_TOKEN, apiUrl: h.fake.apiUrl, slackTimeoutMs: 5_000 }, words, (line) => log.push(line)),
    announcer: { retryMs: 200, ...announcer },
  });
  await recorder.start();
  return recorder;
}

describe('keyloss record tells Slack first', () => {
  it('posts a FLUSHDB once in the alert channel with two recorders running, and its Diagnose button runs the checks in its thread', async () => {
    const caches = writeCachesFile(cachesYaml);
    const env = {
      STATE_REDIS_URL: stateServer.url,
      KEYLOSS_STATE_PREFIX: PREFIX,
      KEYLOSS_CACHES: caches.path,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: h.fake.apiUrl,
      KEYLOSS_RECORD_FLUSH_MS: '50',
      KEYLOSS_RECORD_SAMPLE_MS: '200',
      KEYLOSS_RECORD_LEASE_MS: '900',
    };
    const children: ChildProcess[] = [];
    const runs = ['rec-a', 'rec-b'].map((name) => runKeyloss('record', [], { ...env, KEYLOSS_REPLICA_ID: name }, (child) => children.push(child)));
    try {
      const layout = new RecordLayout(PREFIX, 'orders');
      await waitFor(async () => (await state.get(layout.lease)) !== null, 'a recorder holding orders');
      await waitFor(async () => String(await state.client('LIST')).split('name=keyloss-recorder').length > 2, 'both recorders running');
      const app = new Redis(cache.port, { connectionName: 'ops-console' });
      await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
      await app.mset('order:1', 'a', 'order:2', 'b', 'order:3', 'c');
      await new Promise((resolve) => setTimeout(resolve, 400));
      await app.flushdb();
      const [posted] = await waitFor(() => (inAlerts(/orders was flushed/).length > 0 ? inAlerts(/orders was flushed/) : null), 'the flush in the alert channel');
      const text = blockText(posted!);
      expect(text).toMatch(/FLUSHDB ×1 on 127\.0\.0\.1:\d+ \(3 keys before, 0 after\), sent by ops-console \(127\.0\.0\.1:\d+, user default\), between \d\d:\d\d:\d\d and \d\d:\d\d:\d\d UTC/);
      expect(posted!.metadata?.event_type).toBe('keyloss_recorded');
      // Where it was said is written next to the claim (the alert below finds the thread by it).
      await waitFor(async () => (await state.zrange(layout.saidList, '0', '-1')).length === 1, 'where the flush was said');
      // The holder dies; the other takes the lease over and records on: the flush stays said once.
      const holder = await state.get(layout.lease);
      children[holder === 'rec-a' ? 0 : 1]!.kill('SIGKILL');
      await waitFor(async () => {
        const now = await state.get(layout.lease);
        return now !== null && now !== holder;
      }, 'the other recorder taking over');
      const after = Date.now();
      await waitFor(async () => Number(await state.hget(layout.meta, 'lastAt')) > after + 1_000, 'the new holder recording on');
      expect(inAlerts(/orders was flushed/)).toHaveLength(1);
      expect(h.fake.breaches).toEqual([]);

      // Diagnose: the usual investigation, in the message's thread, prefilled (every key, since before the flush).
      await h.click(posted!, { action: 'keyloss.diagnose_recorded' }, USER);
      const thread = { channel: ALERTS, ts: posted!.ts };
      const verdict = await h.verdict(thread);
      expect(blockText(verdict)).toMatch(/flushed/i);
      expect(h.threadText(thread)).toMatch(/FLUSHDB ×1 .*recorded from INFO commandstats/);
      // A second click starts nothing more.
      await h.click(posted!, { action: 'keyloss.diagnose_recorded' }, USER);
      await waitFor(() => h.fake.ephemerals.some((e) => /already run in its thread/.test(e.text)), 'the second click answered');
      expect(h.fake.thread(ALERTS, posted!.ts).filter((m) => /^Key-loss investigation on orders/.test(m.text))).toHaveLength(1);

      // An Azure Monitor alert for the same cache and window goes into that thread.
      const res = await postAlert(h.alertUrl, commonAlert({ alertId: '/alerts/flushed-orders', target: RESOURCE, firedAt: new Date(), windowStart: new Date(Date.now() - 120_000) }), { token: ALERT_TOKEN });
      expect(res.status).toBe(202);
      await waitFor(() => h.fake.thread(ALERTS, posted!.ts).some((m) => /Azure Monitor alert orders-cache total keys dropped/.test(m.text)), 'the alert in the thread');
      expect(h.fake.messages.filter((m) => m.channel === ALERTS && m.thread_ts === null)).toHaveLength(1);
      await app.quit();
    } finally {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(runs);
      caches.remove();
    }
  });

  it('posts a restart that lost keys with the keys before and after', async () => {
    const restarting = await startRedis();
    const recorder = await speakingRecorder('restarting', restarting);
    const app = new Redis(restarting.port, { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    app.on('error', () => undefined);
    try {
      await app.mset('session:1', 'a', 'session:2', 'b');
      await waitFor(async () => (await state.hget(new RecordLayout(PREFIX, 'restarting').meta, 'lastAt')) !== null, 'recording');
      await new Promise((resolve) => setTimeout(resolve, 400));
      await restarting.restart();
      const [posted] = await waitFor(() => (inAlerts(/restarting restarted and came back with fewer keys/).length > 0 ? inAlerts(/restarting restarted/) : null), 'the restart');
      expect(blockText(posted!)).toMatch(/127\.0\.0\.1:\d+ restarted \(run_id changed; 2 keys before, 0 after\)/);
    } finally {
      await recorder.stop();
      app.disconnect();
    }
  });

  it('coalesces a removal burst into one message edited in place, and ends it', async () => {
    const busy = await startRedis(['--notify-keyspace-events', 'Exeg']);
    const recorder = await speakingRecorder('busy', busy, { burst: { perMinute: 600, overBaseline: 10 } }, { updateEveryMs: 300, burstQuietMs: 1_000 });
    const app = new Redis(busy.port, { connectionName: 'purge-job' });
    try {
      await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
      for (let round = 0; round < 20; round++) {
        const keys = Array.from({ length: 50 }, (_, i) => `cart:${round}:${i}`);
        await app.mset(...keys.flatMap((key) => [key, '1']));
        await app.del(...keys);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const ended = await waitFor(() => {
        const bursts = inAlerts(/busy: keys are being removed far faster than usual/);
        return bursts.length > 0 && /Ended at/.test(JSON.stringify(bursts[0]!.versions.at(-1))) ? bursts : null;
      }, 'the burst, ended');
      expect(ended).toHaveLength(1);
      const message = ended[0]!;
      expect(message.versions.length).toBeGreaterThan(1);
      expect(JSON.stringify(message.versions.at(-1))).toMatch(/1,000 removals from .* \(deleted 1,000\)|\d{1,3}(,\d{3})* removals from/);
      // The Diagnose button asks for the family most removed (`cart:7:1` is of the family `cart:7:`).
      expect(JSON.stringify(message.blocks)).toMatch(/cart:\d+:\*/);
    } finally {
      await recorder.stop();
      await app.quit();
    }
  });

  it('retries a post Slack refused under the same claim, and posts it once', async () => {
    const flaky = await startRedis();
    const recorder = await speakingRecorder('flaky', flaky);
    const app = new Redis(flaky.port);
    try {
      await waitFor(async () => (await state.hget(new RecordLayout(PREFIX, 'flaky').meta, 'lastAt')) !== null, 'recording');
      await app.set('a', '1');
      await new Promise((resolve) => setTimeout(resolve, 400));
      h.fake.failNext('chat.postMessage', 500, 4);
      await app.flushall();
      await waitFor(() => inAlerts(/flaky was flushed/).length > 0, 'the flush, posted after the failures');
      expect(h.fake.calls.filter((c) => c.method === 'chat.postMessage' && c.failedWith === 500).length).toBeGreaterThanOrEqual(4);
      expect(inAlerts(/flaky was flushed/)).toHaveLength(1);
      // The claim now says where it was posted.
      const runId = (await app.info('server')).match(/run_id:(\w+)/)![1];
      const said = JSON.parse((await state.get(new RecordLayout(PREFIX, 'flaky').said(`flush:127.0.0.1:${flaky.port}:${runId}:1`)))!);
      expect(said).toMatchObject({ channel: ALERTS, ts: inAlerts(/flaky was flushed/)[0]!.ts, type: 'flush' });
    } finally {
      await recorder.stop();
      await app.quit();
    }
  });
});
