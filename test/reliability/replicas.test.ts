// Two keyloss processes in HTTP mode sharing one state Redis: any replica continues any incident, and a crash loses none.
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { Redis } from 'ioredis';
import type { FakeSlack } from '../support/fake-slack.ts';
import type { RedisProcess } from '../support/redis-server.ts';
import { eventually, startApp, startSurroundings, stopAllApps, type AppProcess, type Surroundings } from './app-process.ts';
import { InFlightRegistry } from '../../src/state/inflight.ts';
import { openRedisStateStore, type RedisStateStore } from '../../src/state/redis.ts';
import { click, command, messageWithButton, nextQuestion, openQuestion, rootIn, threadText, verdictsIn } from './incident.ts';

let state: RedisProcess;
let cache: RedisProcess;
let fake: FakeSlack;
let surroundings: Surroundings;
let a: AppProcess;
let b: AppProcess;
let store: RedisStateStore;

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
  [a, b] = await Promise.all([startApp('api-a', replicaEnv({ KEYLOSS_RATE_INTERVAL_MS: '12000' })), startApp('api-b', replicaEnv())]);
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
    const ack = await command(a, fake, { text: 'orders session:17 db 0', channel, user: USER });
    expect(ack.value.status).toBe(200);
    const root = await eventually(() => rootIn(fake, channel), 'the root message');
    // The tier comes from the caches file; since and scope are the questions left, both answered on the other replica.
    const since = await eventually(() => openQuestion(fake, channel, root.ts), 'the since question');
    expect((await click(b, fake, since, USER)).value.status).toBe(200);
    const question = await eventually(() => nextQuestion(fake, channel, root.ts, since), 'the scope question');
    expect((await click(b, fake, question, USER)).value.status).toBe(200);
    const verdict = await eventually(() => verdictsIn(fake, channel, root.ts)[0], 'the verdict');
    expect(verdict.metadata?.event_payload).toMatchObject({ cache: 'orders', key: 'session:17' });

    const buttons = await eventually(() => messageWithButton(fake, channel, root.ts, 'keyloss.all_causes'), 'the verdict buttons');
    expect((await click(b, fake, buttons, USER, 'keyloss.all_causes')).value.status).toBe(200);
    await eventually(() => fake.thread(channel, root.ts).some((m) => /All causes/i.test(m.text)), 'the list of all causes');
    expect(verdictsIn(fake, channel, root.ts)).toHaveLength(1);
    expect(fake.breaches).toEqual([]);
  }, 120_000);

  it('offers a re-run on the other replica when the one running the checks is killed, and the re-run reaches a verdict', async () => {
    const channel = 'CREPL0002';
    await command(a, fake, { text: 'orders session:1 db 0', channel, user: USER });
    const root = await eventually(() => rootIn(fake, channel), 'the root message');
    const since = await eventually(() => openQuestion(fake, channel, root.ts), 'the since question');
    await click(a, fake, since, USER);
    const question = await eventually(() => nextQuestion(fake, channel, root.ts, since), 'the scope question');
    // The click lands on A, which starts the slow checks.
    await click(a, fake, question, USER);
    const progress = await eventually(
      () => fake.thread(channel, root.ts).find((m) => /Checking orders/.test(m.text) || /checks done/.test(m.text)),
      'the progress message',
    );
    // While A is alive, a click on B's "Re-run checks" says where the checks run and changes nothing.
    const rerun = await eventually(() => messageWithButton(fake, channel, root.ts, 'keyloss.rerun'), 'a Re-run checks button');
    expect(rerun.message.ts).toBe(progress.ts);
    await click(b, fake, rerun, USER, 'keyloss.rerun');
    await eventually(() => fake.ephemerals.find((e) => /already running on replica api-a/.test(e.text)), 'the still-running notice');

    a.kill('SIGKILL');
    await a.exited;
    // Once A's heartbeat is stale, B says so in the thread by itself, once, and stills the progress message.
    const registry = new InFlightRegistry(store, { replica: 'observer', heartbeatMs: 1000 });
    await eventually(async () => (await registry.status(`${channel}:${root.ts}`)).status === 'lost', 'api-a to count as lost', 20_000);
    const notice = await eventually(() => fake.thread(channel, root.ts).find((m) => /were interrupted: replica api-a .* has not been heard from/.test(m.text)), 'the lost-run notice', 20_000);
    expect(notice.blocks).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'actions' })]));
    await eventually(() => fake.messages.find((m) => m.ts === progress.ts && /did not finish/.test(m.text)), 'the progress message stilled');
    // A click on the notice's Re-run runs the checks on B.
    const retry = await eventually(() => messageWithButton(fake, channel, root.ts, 'keyloss.rerun'), 'the Re-run button on the notice');
    expect(retry.message.ts).toBe(notice.ts);
    await click(b, fake, retry, USER, 'keyloss.rerun');
    await eventually(() => verdictsIn(fake, channel, root.ts)[0], 'a verdict after the re-run', 30_000);
    expect(verdictsIn(fake, channel, root.ts)).toHaveLength(1);
    expect(fake.thread(channel, root.ts).filter((m) => /were interrupted/.test(m.text))).toHaveLength(1);
    expect(threadText(fake, channel, root.ts)).toMatch(/api-a/);
    expect(fake.breaches).toEqual([]);
  }, 120_000);
});
