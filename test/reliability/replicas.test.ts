// Keyloss processes in HTTP mode sharing one state Redis: any replica continues any incident, and a crash loses none
// (neither checks nor a watch).
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { Redis } from 'ioredis';
import type { FakeSlack, PostedMessage } from '../support/fake-slack.ts';
import type { RedisProcess } from '../support/redis-server.ts';
import { InFlightRegistry } from '../../src/state/inflight.ts';
import { openRedisStateStore, type RedisStateStore } from '../../src/state/redis.ts';
import { ACTION } from '../../src/slack/ids.ts';
import { watchIncident } from '../../src/slack/flow/watch.ts';
import { startApp, startSurroundings, stopAllApps, type AppProcess, type Surroundings } from '../support/app-process.ts';
import { sleep } from '../scenarios/support.ts';
import { blockText, FIRST_ANSWER, hasActions, slackDriver, type SlackDriver } from '../support/slack-driver.ts';

let state: RedisProcess;
let cache: RedisProcess;
let fake: FakeSlack;
let surroundings: Surroundings;
let a: AppProcess;
let b: AppProcess;
let store: RedisStateStore;
let slack: SlackDriver;

const USER = 'U0REPLICA';

function replicaEnv(extra: Record<string, string> = {}): Record<string, string> {
  return surroundings.env({ KEYLOSS_RATE_INTERVAL_MS: '300', KEYLOSS_PROGRESS_INTERVAL_MS: '200', KEYLOSS_HEARTBEAT_MS: '1000', ...extra });
}

beforeAll(async () => {
  surroundings = await startSurroundings();
  ({ state, cache, fake } = surroundings);
  const seed = new Redis(cache.port, '127.0.0.1');
  await seed.set('session:1', 'x', 'EX', 3600);
  await seed.set('session:2', 'x', 'EX', 3600);
  seed.disconnect();
  const opened = await openRedisStateStore(state.url);
  if (!opened.ok) throw new Error(opened.reason);
  store = opened.store;
  // Replica A runs its checks slowly (a long rate interval), so that it can be killed while they run.
  [a, b] = await Promise.all([startApp('api-a', replicaEnv({ KEYLOSS_RATE_INTERVAL_MS: '12000' })), startApp('api-b', replicaEnv({ KEYLOSS_WATCH_FOR: '3s' }))]);
  slack = slackDriver(fake, a, { waitMs: 60_000 });
}, 60_000);

afterAll(async () => {
  await stopAllApps();
  await store?.close();
  await surroundings?.close();
});

beforeEach(() => {
  onTestFailed(() => {
    process.stderr.write(`--- api-a ---\n${a?.output()}\n--- api-b ---\n${b?.output()}\n--- Slack calls ---\n${fake?.calls.map((c) => c.method).join(' ')}\n`);
  });
});

describe('two replicas sharing one state Redis', () => {
  it('takes the command on one replica and every click on the other to a verdict', async () => {
    const channel = 'CREPL0001';
    const ack = await slack.command('orders session:17 db 0', USER, { channel });
    expect(ack.status).toBe(200);
    const root = await slack.root(channel);
    // The tier comes from the caches file; since and scope are the questions left, both answered on the other replica.
    const since = await slack.question(root);
    expect((await slack.click(since, FIRST_ANSWER, USER, { via: b })).status).toBe(200);
    const question = await slack.question(root, { after: since });
    expect((await slack.click(question, FIRST_ANSWER, USER, { via: b })).status).toBe(200);
    const verdict = await slack.verdict(root);
    expect(verdict.metadata?.event_payload).toMatchObject({ cache: 'orders', key: 'session:17' });

    const buttons = await slack.control(root, { action: ACTION.allCauses }, 'the verdict buttons');
    expect((await slack.click(buttons, { action: ACTION.allCauses }, USER, { via: b })).status).toBe(200);
    await slack.waitFor(() => slack.thread(root).some((m) => /All causes/i.test(m.text)), 'the list of all causes');
    expect(slack.verdicts(root)).toHaveLength(1);
    expect(fake.breaches).toEqual([]);
  }, 120_000);

  it('offers a re-run on the other replica when the one running the checks is killed, and the re-run reaches a verdict', async () => {
    const channel = 'CREPL0002';
    await slack.command('orders session:1 db 0', USER, { channel });
    const root = await slack.root(channel);
    const since = await slack.question(root);
    await slack.click(since, FIRST_ANSWER, USER);
    const question = await slack.question(root, { after: since });
    // The click lands on A, which starts the slow checks.
    await slack.click(question, FIRST_ANSWER, USER);
    const progress = await slack.waitFor(
      () => slack.thread(root).find((m) => /Checking orders/.test(m.text) || /checks done/.test(m.text)),
      'the progress message',
    );
    // While A is alive, a click on B's "Re-run checks" says where the checks run and changes nothing.
    const rerun = await slack.control(root, { action: ACTION.rerun }, 'a Re-run checks button');
    expect(rerun.ts).toBe(progress.ts);
    await slack.click(rerun, { action: ACTION.rerun }, USER, { via: b });
    await slack.waitFor(() => fake.ephemerals.find((e) => /already running on replica api-a/.test(e.text)), 'the still-running notice');

    a.kill('SIGKILL');
    await a.exited;
    // Once A's heartbeat is stale, B says so in the thread by itself, once, and stills the progress message.
    const registry = new InFlightRegistry(store, { replica: 'observer', heartbeatMs: 1000 });
    await slack.waitFor(async () => (await registry.status(`${channel}:${root.ts}`)).status === 'lost', 'api-a to count as lost', 20_000);
    const notice = await slack.waitFor(() => slack.thread(root).find((m) => /were interrupted: replica api-a .* has not been heard from/.test(m.text)), 'the lost-run notice', 20_000);
    expect(notice.blocks).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'actions' })]));
    await slack.waitFor(() => fake.messages.find((m) => m.ts === progress.ts && /did not finish/.test(m.text)), 'the progress message stilled');
    // A click on the notice's Re-run runs the checks on B.
    const retry = await slack.control(root, { action: ACTION.rerun }, 'the Re-run button on the notice');
    expect(retry.ts).toBe(notice.ts);
    await slack.click(retry, { action: ACTION.rerun }, USER, { via: b });
    await slack.verdict(root, 1, 30_000);
    expect(slack.verdicts(root)).toHaveLength(1);
    expect(slack.thread(root).filter((m) => /were interrupted/.test(m.text))).toHaveLength(1);
    expect(slack.threadText(root)).toMatch(/api-a/);
    expect(fake.breaches).toEqual([]);
  }, 120_000);

  const lostWatch = /^The watch on orders did not finish: replica api-w started the watch at \S+ and has not been heard from for \d+ s \(it probably crashed or restarted\)\./;

  it('announces a watch whose replica is killed once on the other replica, with Watch live, and that click watches to a result', async () => {
    // api-w watches for a minute (killed long before the end); B's watch is short.
    const watcher = await startApp('api-w', replicaEnv({ KEYLOSS_WATCH_FOR: '60s' }));
    onTestFailed(() => {
      process.stderr.write(`--- api-w ---\n${watcher.output()}\n`);
    });
    const channel = 'CREPL0003';
    const seed = new Redis(cache.port, '127.0.0.1');
    // The watch after the crash sees single keys go.
    await seed.config('SET', 'notify-keyspace-events', 'KEA');
    seed.disconnect();
    await slack.command('orders session:* since 2h db 0 scope partial', USER, { channel, via: watcher });
    const root = await slack.root(channel);
    const verdict = await slack.verdict(root);
    expect(blockText(verdict)).toContain('"Watch live"');

    await slack.click(verdict, 'Watch live', USER, { via: watcher });
    const progress = await slack.waitFor(() => {
      const found = slack.thread(root).find((m) => m.versions[0]!.text.startsWith('Watching orders live'));
      return found && found.versions.length >= 3 ? found : undefined;
    }, 'the watch on api-w ticking');

    // While api-w watches, the thread's checks are not "already running": Re-run checks on B runs them to a verdict.
    const registry = new InFlightRegistry(store, { replica: 'observer', heartbeatMs: 1000 });
    expect((await registry.status(watchIncident(channel, root.ts, progress.ts))).status).toBe('running');
    await slack.click(verdict, { action: ACTION.rerun }, USER, { via: b });
    await slack.verdict(root, 2);
    expect(fake.ephemerals.some((e) => e.channel === channel && /already running/.test(e.text))).toBe(false);
    expect(progress.text).toMatch(/^Watching orders live/);

    watcher.kill('SIGKILL');
    await watcher.exited;
    const stilled = await slack.waitFor(() => (lostWatch.test(progress.text) ? progress : undefined), 'the progress message stilled by api-b', 20_000);
    expect(hasActions(stilled)).toBe(false);
    const notice = await slack.inThread(root, (m) => m.ts !== progress.ts && lostWatch.test(m.text), 'the lost-watch notice');
    expect(notice.text).toContain('Watch live watches again from a replica that is up.');
    expect(blockText(notice)).toContain('"Watch live"');
    expect(blockText(notice)).not.toContain('Re-run checks');
    expect(b.audit.some((l) => l.includes('"where":"lost run"') && l.includes('"what":"watch"') && l.includes('api-w'))).toBe(true);

    // Later sweeps (one a second) say nothing more, and the checks' path is not taken.
    await sleep(3_000);
    expect(slack.thread(root).filter((m) => lostWatch.test(m.text))).toHaveLength(2);
    expect(slack.threadText(root)).not.toMatch(/were interrupted|The checks on orders did not finish/);

    await slack.click(notice, 'Watch live', USER, { via: b });
    const again = await slack.waitFor(
      () => slack.thread(root).find((m) => m.ts !== progress.ts && m.versions[0]!.text.startsWith('Watching orders live') && m.versions.length >= 2),
      'the watch on api-b ticking',
    );
    const app = new Redis(cache.port, '127.0.0.1');
    let result: PostedMessage;
    try {
      await app.set('session:gone', 'x');
      await app.del('session:gone');
      result = await slack.inThread(root, (m) => m.text.startsWith('Watched orders live for 3 s'), 'the result of the watch on api-b');
    } finally {
      app.disconnect();
    }
    expect(blockText(result)).toContain('del: 1 (1 matching `session:*`)');
    expect(again.text).toBe('Done watching orders live (3 s): the result is in this thread.');
    // Finished, its run is over (ended just after the result is posted): nothing for a sweep to report.
    await slack.waitFor(async () => (await registry.status(watchIncident(channel, root.ts, again.ts))).status === 'idle', 'the watch run ended in the registry');
    expect(slack.thread(root).filter((m) => lostWatch.test(m.text))).toHaveLength(2);
    expect(fake.breaches).toEqual([]);
  }, 120_000);
});
