// Two keyloss replicas in HTTP mode whose shared state lives on a Redis Cluster of 3 primaries (what Azure Managed Redis
// with the OSS clustering policy is): the command on one, every click on the other, one verdict.
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { Redis } from 'ioredis';
import type { FakeSlack } from '../support/fake-slack.ts';
import { ACTION } from '../../src/slack/ids.ts';
import { startApp, startSurroundings, stopAllApps, type AppProcess, type Surroundings } from '../support/app-process.ts';
import { startCluster, type LocalCluster } from '../support/cluster.ts';
import { FIRST_ANSWER, slackDriver, type SlackDriver } from '../support/slack-driver.ts';
import { waitFor } from '../support/wait.ts';

let cluster: LocalCluster;
let fake: FakeSlack;
let surroundings: Surroundings;
let a: AppProcess;
let b: AppProcess;
let slack: SlackDriver;

const USER = 'U0CLUSTER';

beforeAll(async () => {
  [surroundings, cluster] = await Promise.all([startSurroundings(), startCluster()]);
  fake = surroundings.fake;
  const seed = new Redis(surroundings.cache.port, '127.0.0.1');
  await seed.set('session:1', 'x', 'EX', 3600);
  seed.disconnect();
  const env = surroundings.env({ STATE_REDIS_URL: cluster.url, KEYLOSS_RATE_INTERVAL_MS: '300', KEYLOSS_PROGRESS_INTERVAL_MS: '200' });
  [a, b] = await Promise.all([startApp('api-a', env), startApp('api-b', env)]);
  slack = slackDriver(fake, a, { waitMs: 60_000 });
}, 90_000);

afterAll(async () => {
  await stopAllApps();
  await surroundings?.close();
  await cluster?.stop();
});

beforeEach(() => {
  onTestFailed(() => {
    process.stderr.write(`--- api-a ---\n${a?.output()}\n--- api-b ---\n${b?.output()}\n`);
  });
});

describe('two replicas sharing state on a Redis Cluster', () => {
  it('takes the command on one replica and every click on the other to one verdict, the state spread over the primaries', async () => {
    // The port opens a moment before the start-up line is written.
    await waitFor(() => /state in Redis Cluster at 127\.0\.0\.1:\d+/.test(a.output()), () => `the start-up line naming the cluster state in:\n${a.output()}`);
    const channel = 'CCLUS0001';
    expect((await slack.command('orders session:17 db 0', USER, { channel })).status).toBe(200);
    const root = await slack.root(channel);
    const since = await slack.question(root);
    expect((await slack.click(since, FIRST_ANSWER, USER, { via: b })).status).toBe(200);
    const question = await slack.question(root, { after: since });
    expect((await slack.click(question, FIRST_ANSWER, USER, { via: b })).status).toBe(200);
    // The same click again (Slack's retry, a double click) does nothing twice.
    expect((await slack.click(question, FIRST_ANSWER, USER, { via: a })).status).toBe(200);
    const verdict = await slack.verdict(root);
    expect(verdict.metadata?.event_payload).toMatchObject({ cache: 'orders', key: 'session:17' });
    const buttons = await slack.control(root, { action: ACTION.allCauses }, 'the verdict buttons');
    expect((await slack.click(buttons, { action: ACTION.allCauses }, USER, { via: b })).status).toBe(200);
    await slack.waitFor(() => slack.thread(root).some((m) => /All causes/i.test(m.text)), 'the list of all causes');
    expect(slack.verdicts(root)).toHaveLength(1);
    expect(fake.breaches).toEqual([]);
    // The incident's records are on more than one primary: the cluster, not one node, holds the state.
    const holders = await Promise.all(
      cluster.nodes.map(async (node) => {
        const client = new Redis(node.port);
        try {
          return Number(await client.dbsize()) > 0;
        } finally {
          client.disconnect();
        }
      }),
    );
    expect(holders.filter(Boolean).length).toBeGreaterThan(1);
  }, 120_000);
});
