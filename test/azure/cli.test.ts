// End to end: `keyloss diagnose --azure-resource … --azure-region … --json` as a child process, a real redis-server, the fake Azure over HTTPS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/report/model.ts';
import { chartPng } from '../../src/report/chart-png.ts';
import { chartsOf } from '../../src/report/charts.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { activityEventJson, redisResourceId, redisResourceJson, startFakeAzure, type FakeAzure } from '../support/fake-azure.ts';
import { runDiagnose as keyloss } from '../support/keyloss-cli.ts';
import { TEST_TOKEN, fakeAzureEnv } from './support.ts';

const CACHE = redisResourceId('checkout-cache');
const CHART_ROOT = join(process.cwd(), '.tmp', 'charts');
const MIN = 60_000;

let fake: FakeAzure;
let redis: RedisProcess;
/** When the incident happened: ten minutes before the test, on a minute boundary. */
let incident: Date;

const hhmm = (at: Date) => at.toISOString().slice(11, 16);

beforeAll(async () => {
  [fake, redis] = await Promise.all([startFakeAzure({ token: TEST_TOKEN }), startRedis()]);
  incident = new Date(Math.floor((Date.now() - 10 * MIN) / MIN) * MIN);
  const after = (t: Date) => t.getTime() >= incident.getTime();
  fake.resources.set(CACHE, redisResourceJson(CACHE, { sku: 'Standard' }));
  fake.metrics.set(CACHE.toLowerCase(), [
    { metric: 'totalkeys', dimensions: { shardid: '0' }, value: (t) => (after(t) ? 0 : 48_000) },
    { metric: 'evictedkeys', dimensions: { shardid: '0' }, value: () => 0 },
    { metric: 'expiredkeys', dimensions: { shardid: '0' }, value: () => 0 },
    { metric: 'connectedclients', dimensions: { shardid: '0' }, value: () => 30 },
    { metric: 'errors', dimensions: { errortype: 'Failover' }, value: (t) => (t.getTime() === incident.getTime() ? 1 : 0) },
  ]);
  fake.activity.set(CACHE.toLowerCase(), [activityEventJson(CACHE, 'Microsoft.Cache/redis/flush/action', incident, { caller: 'jane@example.com' })]);
});

afterAll(async () => {
  if (redis) await stopRedis(redis);
  await fake?.close();
});

describe('keyloss diagnose with Azure', () => {
  it('reports Azure metric evidence with times and numbers, the activity-log flush, and the tier from Azure', async () => {
    const chartDir = join(CHART_ROOT, 'diagnose');
    rmSync(chartDir, { recursive: true, force: true });
    const run = await keyloss(
      ['--redis', redis.url, '--key', 'checkout:*', '--since', '30m', '--json', '--azure-resource', CACHE, '--azure-region', 'westeurope', '--charts', chartDir],
      { ...fakeAzureEnv(fake), NODE_EXTRA_CA_CERTS: fake.caPath },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toContain(TEST_TOKEN);
    const report = JSON.parse(run.stdout) as Report;

    // --charts: the PNGs of the report's charts, the very pictures the report model draws (Slack uploads the same).
    const specs = chartsOf(report);
    expect(specs.map((s) => s.metric)).toEqual(expect.arrayContaining(['totalkeys', 'errors']));
    expect(readdirSync(chartDir).sort()).toEqual(specs.map((s) => s.filename).sort());
    expect(run.stderr).toContain(`wrote ${specs.length} charts`);
    for (const spec of specs) expect(readFileSync(join(chartDir, spec.filename)).equals(chartPng(spec))).toBe(true);

    for (const id of ['azure.resource', 'azure.metrics', 'azure.activity-log']) {
      expect(report.checks.find((c) => c.id === id), JSON.stringify(report.checks)).toMatchObject({ status: 'ok' });
    }
    expect(report.tierSource).toBe('azure');
    expect(report.query.tier).toBe('standard');

    const lines = report.causes.flatMap((c) => c.evidence.map((e) => ({ cause: c.id, ...e })));
    expect(lines).toContainEqual(expect.objectContaining({ cause: 'replication', check: 'azure.metrics', summary: expect.stringContaining(`errors: Failover at ${hhmm(incident)} UTC`) }));
    expect(lines).toContainEqual(
      expect.objectContaining({ cause: 'flush', check: 'azure.metrics', summary: expect.stringContaining(`totalkeys 48,000 → 0 between ${hhmm(new Date(incident.getTime() - MIN))} and ${hhmm(incident)} UTC`) }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ cause: 'flush', check: 'azure.activity-log', summary: expect.stringContaining(`Microsoft.Cache/redis/flush/action at ${hhmm(incident)}:00 UTC by jane@example.com`) }),
    );
    const keys = report.metrics.find((m) => m.metric === 'totalkeys');
    expect(keys).toMatchObject({ min: 0, max: 48_000 });
    expect([...(keys?.line ?? '')].length).toBeLessThanOrEqual(60);

    const calls = fake.requests.filter((r) => r.path.startsWith('/subscriptions/'));
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const call of calls) expect(call.authorization).toBe(`Bearer ${TEST_TOKEN}`);
  });

  it('shows the Azure checks skipped, with the reason, when no Azure resource is configured', async () => {
    const run = await keyloss(['--redis', redis.url, '--key', 'checkout:*', '--since', '30m', '--json'], {});
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    for (const id of ['azure.resource', 'azure.metrics', 'azure.activity-log']) {
      expect(report.checks.find((c) => c.id === id)).toMatchObject({
        status: 'skipped',
        reason: 'no Azure resource configured (set azure.resourceId/region for the cache, or pass --azure-resource and --azure-region)',
      });
    }
    expect(report.tierSource).not.toBe('azure');
    expect(report.metrics).toEqual([]);
  });
});
