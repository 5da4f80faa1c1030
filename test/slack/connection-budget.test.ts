// One connection budget per cache: 150 Azure Monitor alerts for one cache at once, against the real app process with a
// state Redis, and a cache started with a low maxclients. CLIENT LIST on that cache, read all along, never shows more
// connections from keyloss than KEYLOSS_CACHE_CONNECTIONS; the server refuses none; every alert gets its verdict, and
// the investigations that had to wait said so in their progress message. (Before the budget: 301 connections.)
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { fakeAzureEnv, TEST_TOKEN } from '../azure/support.ts';
import { startApp, startSurroundings, stopAllApps, type AppProcess, type Surroundings } from '../support/app-process.ts';
import { commonAlert, postAlert } from '../support/azure-alert.ts';
import { writeCachesFile } from '../support/caches-file.ts';
import { redisResourceId, redisResourceJson, startFakeAzure, type FakeAzure } from '../support/fake-azure.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { slackDriver, type SlackDriver } from '../support/slack-driver.ts';
import { waitFor } from '../support/wait.ts';

const ALERT_TOKEN = 'alert-token-budget-2e7d9c4b1a';
const RESOURCE = redisResourceId('orders-budget');
const ALERTS = 'C0BUDGET';
const ALERT_COUNT = 150;
const BUDGET = 4;
const MAX_CLIENTS = 16;
const MIN = 60_000;
const incident = new Date(Math.floor((Date.now() - 10 * MIN) / MIN) * MIN);

let surroundings: Surroundings;
let azure: FakeAzure;
let cache: RedisProcess;
let app: AppProcess;
let slack: SlackDriver;
let caches: { path: string; remove(): void } | undefined;

beforeAll(async () => {
  [surroundings, azure, cache] = await Promise.all([startSurroundings(), startFakeAzure({ token: TEST_TOKEN }), startRedis(['--maxclients', String(MAX_CLIENTS)])]);
  azure.resources.set(RESOURCE, redisResourceJson(RESOURCE, { sku: 'Standard' }));
  azure.metrics.set(RESOURCE.toLowerCase(), [{ metric: 'totalkeys', dimensions: { shardid: '0' }, value: (t) => (t < incident ? 900 : 2) }]);
  caches = writeCachesFile(
    ['caches:', '  orders:', '    urlEnv: BUDGET_ORDERS_URL', '    azure:', `      resourceId: ${RESOURCE}`, '      region: westeurope', '    alerts:', `      channel: ${ALERTS}`, '      key: "orders:*"'].join('\n'),
  );
  app = await startApp(
    'budget',
    surroundings.env({
      ...(fakeAzureEnv(azure) as Record<string, string>),
      KEYLOSS_CACHES: caches.path,
      BUDGET_ORDERS_URL: cache.url,
      KEYLOSS_RATE_INTERVAL_MS: '0',
      KEYLOSS_PROGRESS_INTERVAL_MS: '5000',
      NODE_EXTRA_CA_CERTS: azure.caPath,
      KEYLOSS_ALERT_TOKEN: ALERT_TOKEN,
      KEYLOSS_ALERT_CHANNEL: 'C0BUDGETFALLBACK',
      KEYLOSS_CACHE_CONNECTIONS: String(BUDGET),
    }),
  );
  slack = slackDriver(surroundings.fake, app, { waitMs: 240_000 });
}, 60_000);

afterAll(async () => {
  await stopAllApps();
  await surroundings?.close();
  await azure?.close();
  if (cache) await stopRedis(cache);
  caches?.remove();
});

describe('the connection budget of one cache', () => {
  it(`holds ${ALERT_COUNT} alerts at once to ${BUDGET} connections: none refused, each gets a verdict, the waiting ones are told`, async () => {
    onTestFailed(() => {
      // What every investigation came to, and every line that is not an audit line: the whole output is too long.
      const actions = new Map<string, number>();
      for (const line of app.audit) {
        const action = /"action":"([a-z-]+)"/.exec(line)?.[1] ?? '?';
        actions.set(action, (actions.get(action) ?? 0) + 1);
      }
      const other = app.output().split('\n').filter((line) => !line.startsWith('{'));
      const errors = app.audit.filter((line) => line.includes('"action":"error"')).slice(0, 5);
      process.stderr.write(`--- app ---\n${JSON.stringify([...actions])}\n${[...errors, ...other].join('\n').slice(-10_000)}\n`);
    });
    const watcher = new Redis(cache.port, '127.0.0.1');
    await watcher.call('CLIENT', 'SETNAME', 'budget-test-watcher');
    let most = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const list = String(await watcher.call('CLIENT', 'LIST'));
        const keyloss = list.split('\n').filter((line) => / name=keyloss/.test(line)).length;
        most = Math.max(most, keyloss);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      const fired = new Date(incident.getTime() + 2 * MIN);
      const answers = await Promise.all(
        Array.from({ length: ALERT_COUNT }, (_, i) =>
          postAlert(
            `http://127.0.0.1:${app.port}/alerts/azure-monitor`,
            commonAlert({ alertId: `/alerts/budget-${i}`, target: RESOURCE, firedAt: fired, windowStart: new Date(incident.getTime() - 15 * MIN), windowEnd: fired }),
            { token: ALERT_TOKEN },
          ),
        ),
      );
      expect(answers.filter((a) => a.status !== 202)).toEqual([]);
      const roots = await waitFor(() => (slack.roots(ALERTS).length === ALERT_COUNT ? slack.roots(ALERTS) : null), `${ALERT_COUNT} root messages`, 60_000);
      await waitFor(() => roots.every((root) => slack.verdicts(root).length > 0), `${ALERT_COUNT} verdicts`, 240_000);
    } finally {
      watching = false;
      await watch;
    }
    const stats = String(await watcher.call('INFO', 'stats'));
    watcher.disconnect();
    process.stdout.write(`${ALERT_COUNT} alerts: at most ${most} keyloss connections to the cache (budget ${BUDGET})\n`);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(BUDGET);
    expect(/rejected_connections:(\d+)/.exec(stats)?.[1]).toBe('0');
    // Every thread ends in a verdict, none in "could not be reached".
    expect(app.audit.filter((line) => line.includes('"action":"unreachable"'))).toEqual([]);
    // The investigations that waited said so in their thread.
    const queued = app.audit.filter((line) => line.includes('"action":"queued"')).length;
    expect(queued).toBeGreaterThan(0);
    const told = surroundings.fake.messages.filter((m) => m.channel === ALERTS && m.versions.some((v) => v.text.includes('Waiting for the cache orders')));
    expect(told.length).toBe(queued);
    expect(surroundings.fake.breaches).toEqual([]);
  }, 300_000);
});
