// The Azure checks through the real SDK clients and pipeline, against a local HTTPS fake of Azure.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { azureActivityLogCheck, azureChecks, azureMetricsCheck, azureResourceCheck } from '../../src/checks/azure.ts';
import { REDIS_ENTERPRISE_API_VERSION } from '../../src/azure/resource.ts';
import { NO_AZURE_TARGET } from '../../src/azure/context.ts';
import { sharedTokenCredential } from '../../src/azure/credential.ts';
import type { RedisTarget } from '../../src/redis/target.ts';
import { freePort } from '../support/redis-server.ts';
import {
  activityEventJson,
  redisResourceId,
  redisResourceJson,
  SUBSCRIPTION,
  type FakeAzure,
  type FakeSeries,
} from '../support/fake-azure.ts';
import { TEST_TOKEN, contextFor, failure, ok, runAzure, startAzureRig, type AzureRig } from './support.ts';

const NOW = new Date('2026-11-26T06:00:00.000Z');
const SINCE = new Date('2026-11-26T05:00:00.000Z');
const CACHE = redisResourceId('cache-1');
const at = (hhmm: string) => new Date(`2026-11-26T${hhmm}:00.000Z`);

let fake: FakeAzure;
let rig: AzureRig | undefined;
let target: RedisTarget;

/** The last two minutes are not published yet, as with Azure's ingestion delay. */
const published = (t: Date, value: number | null) => (t >= at('05:58') ? null : value);

function incidentSeries(): FakeSeries[] {
  const shard = { shardid: '0' };
  return [
    { metric: 'totalkeys', dimensions: shard, value: (t) => published(t, t < at('05:31') ? 120_000 : 3) },
    { metric: 'evictedkeys', dimensions: shard, value: (t) => published(t, t >= at('05:31') && t < at('05:36') ? 12_400 : 0) },
    { metric: 'expiredkeys', dimensions: shard, value: (t) => published(t, 50) },
    { metric: 'usedmemorypercentage', dimensions: shard, unit: 'Percent', value: (t) => published(t, t.getTime() === at('05:30').getTime() ? 98 : 40) },
    { metric: 'usedmemory', dimensions: shard, unit: 'Bytes', value: (t) => published(t, 900 * 1024 * 1024) },
    { metric: 'connectedclients', dimensions: shard, value: (t) => published(t, 250) },
    { metric: 'cachemisses', dimensions: shard, value: (t) => published(t, 10) },
    { metric: 'serverLoad', dimensions: shard, unit: 'Percent', value: (t) => published(t, 12) },
    { metric: 'errors', dimensions: { errortype: 'Failover' }, value: (t) => published(t, t.getTime() === at('05:33').getTime() ? 1 : 0) },
    { metric: 'errors', dimensions: { errortype: 'Dataloss' }, value: (t) => published(t, 0) },
  ];
}

beforeAll(async () => {
  rig = await startAzureRig();
  ({ fake, target } = rig);
});

afterAll(() => rig?.close());

beforeEach(() => {
  fake.reset();
  fake.metrics.set(CACHE.toLowerCase(), incidentSeries());
  fake.resources.set(CACHE, redisResourceJson(CACHE, { sku: 'Standard', configuration: { 'maxmemory-policy': 'allkeys-lru' } }));
  fake.activity.set(CACHE.toLowerCase(), [
    activityEventJson(CACHE, 'Microsoft.Cache/redis/listKeys/action', at('05:10'), { caller: 'dev@example.com' }),
    activityEventJson(CACHE, 'Microsoft.Cache/redis/flush/action', at('05:30'), { status: 'Started', correlationId: 'flush-1', caller: 'oncall@example.com' }),
    activityEventJson(CACHE, 'Microsoft.Cache/redis/flush/action', new Date(at('05:30').getTime() + 20_000), { status: 'Succeeded', correlationId: 'flush-1', caller: 'oncall@example.com' }),
    activityEventJson(CACHE, 'Microsoft.Cache/redis/forceReboot/action', at('05:40'), { caller: 'sre@example.com' }),
    activityEventJson(CACHE, 'Microsoft.Cache/redis/flush/action', at('04:00'), { caller: 'old@example.com' }),
  ]);
});

describe('azure.metrics', () => {
  it('reads every metric through the batch API and cites change points with times and numbers', async () => {
    const results = await runAzure([azureMetricsCheck], { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW });
    const data = ok(results, 'azure.metrics');

    expect(data.window).toEqual({ from: '2026-11-26T04:45:00.000Z', to: NOW.toISOString(), interval: 'PT1M' });
    const metrics = new Set(data.series.map((s) => s.metric));
    // Matched by the REST name in metric.id although the SDK reports "Evicted Keys" as the name.
    expect([...metrics].sort()).toEqual(
      ['cachemisses', 'connectedclients', 'errors', 'evictedkeys', 'expiredkeys', 'serverLoad', 'totalkeys', 'usedmemory', 'usedmemorypercentage'].sort(),
    );
    expect(data.series.find((s) => s.metric === 'errors' && s.dimensions.errortype === 'Failover')).toBeDefined();
    expect(data.series.find((s) => s.metric === 'evictedkeys')?.aggregation).toBe('Total');
    expect(data.series.find((s) => s.metric === 'totalkeys')?.aggregation).toBe('Maximum');

    const summaries = data.events.map((e) => e.summary);
    expect(summaries).toContain('totalkeys 120,000 → 3 between 05:30 and 05:31 UTC');
    expect(summaries).toContain('evictedkeys 0 → 12,400 a minute between 05:31 and 05:35 UTC (62,000 in all)');
    expect(summaries).toContain('errors: Failover at 05:33 UTC');
    expect(summaries).toContain('used memory 98 % of the limit at 05:30 UTC');
    // Expirations stayed at their usual rate; Dataloss never counted; the unpublished tail is not a gap.
    expect(data.events.filter((e) => e.metric === 'expiredkeys' || e.kind === 'gap' || e.dimensions.errortype === 'Dataloss')).toEqual([]);

    for (const line of data.sparklines) expect([...line.line].length).toBeLessThanOrEqual(60);
    const keys = data.sparklines.find((l) => l.metric === 'totalkeys');
    expect(keys).toMatchObject({ min: 3, max: 120_000, change: 'totalkeys 120,000 → 3 between 05:30 and 05:31 UTC' });
    expect(keys?.line).toMatch(/^█+▁+·+$/);
  });

  it('sends the test token as a bearer token and asks for the documented query', async () => {
    await runAzure([azureMetricsCheck], { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW });
    const batch = fake.requests.filter((r) => r.path === `/subscriptions/${SUBSCRIPTION}/metrics:getBatch`);
    expect(batch).toHaveLength(2);
    for (const request of batch) {
      expect(request.method).toBe('POST');
      expect(request.authorization).toBe(`Bearer ${TEST_TOKEN}`);
      expect(request.query.get('api-version')).toBe('2024-02-01');
      expect(request.query.get('metricnamespace')).toBe('Microsoft.Cache/redis');
      expect(request.query.get('interval')).toBe('PT1M');
      expect(request.query.get('starttime')).toBe('2026-11-26T04:45:00.000Z');
      expect(JSON.parse(request.body)).toEqual({ resourceids: [CACHE] });
    }
    const filters = batch.map((r) => r.query.get('filter')).sort();
    expect(filters).toEqual(["ErrorType eq '*'", "ShardId eq '*'"]);
  });

  it('names the missing role when Azure refuses (403)', async () => {
    fake.faults.metrics.push(
      { status: 403, body: JSON.stringify({ error: { code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action microsoft.insights/metrics/read.' } }) },
      { status: 403 },
    );
    const error = failure(await runAzure([azureMetricsCheck], { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW }), 'azure.metrics');
    expect(error).toContain('reading metrics of cache cache-1');
    expect(error).toContain('access denied (403)');
    expect(error).toContain('"Monitoring Reader"');
    expect(error).toContain(new URL(fake.url).host);
  });

  it('retries once when Azure throttles with a short Retry-After', async () => {
    fake.faults.metrics.push({ status: 429, headers: { 'retry-after': '1' } });
    const results = await runAzure([azureMetricsCheck], { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW });
    expect(ok(results, 'azure.metrics').events.length).toBeGreaterThan(0);
    expect(fake.requests.filter((r) => r.path.endsWith('metrics:getBatch'))).toHaveLength(3);
  });

  it('fails with the wait Azure asks for when it is longer than the budget allows', async () => {
    fake.faults.metrics.push({ status: 429, headers: { 'retry-after': '120' } }, { status: 429, headers: { 'retry-after': '120' } });
    const error = failure(await runAzure([azureMetricsCheck], { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW }), 'azure.metrics');
    expect(error).toContain('throttled by Azure, retry after 120 s');
  });

  it('fails with a readable reason on a malformed answer', async () => {
    fake.faults.metrics.push('malformed', 'malformed');
    const error = failure(await runAzure([azureMetricsCheck], { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW }), 'azure.metrics');
    expect(error).toMatch(/reading metrics of cache cache-1 at 127\.0\.0\.1:\d+: /);
    expect(error).toMatch(/not valid JSON|unexpected shape/);
  });

  it('fails with the place where a well-formed answer departs from the documented shape', async () => {
    const body = JSON.stringify({
      values: [{ starttime: SINCE.toISOString(), endtime: NOW.toISOString(), interval: 'PT1M', resourceid: CACHE,
        value: [{ id: `${CACHE}/providers/Microsoft.Insights/metrics/evictedkeys`, name: { value: 'evictedkeys' }, unit: 'Count',
          timeseries: [{ metadatavalues: [], data: [{ timeStamp: 'yesterday-ish', total: 3 }] }] }] }],
    });
    fake.faults.metrics.push({ status: 200, body }, { status: 200, body });
    const error = failure(await runAzure([azureMetricsCheck], { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW }), 'azure.metrics');
    expect(error).toContain('unexpected shape at 0.metrics.0.timeseries.0.data.0.timeStamp: invalid timestamp');
  });

  it('fails, not hangs, when Azure never answers', async () => {
    fake.faults.metrics.push('hang', 'hang');
    const quick = { ...azureMetricsCheck, budgetMs: 1_500 };
    const error = failure(await runAzure([quick], { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW }), 'azure.metrics');
    expect(error).toContain('timed out');
  });
});

describe('azure.resource', () => {
  it("reads the tier, shards, policy, persistence and geo-replication from the cache's ARM resource", async () => {
    fake.resources.set(
      CACHE,
      redisResourceJson(CACHE, {
        sku: 'Premium',
        capacity: 2,
        shardCount: 3,
        configuration: { 'maxmemory-policy': 'volatile-lfu', 'rdb-backup-enabled': 'true', 'aof-backup-enabled': 'false', 'notify-keyspace-events': '' },
        linkedServers: [redisResourceId('cache-1-secondary')],
      }),
    );
    const data = ok(await runAzure([azureResourceCheck], { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW }), 'azure.resource');
    expect(data).toEqual({
      kind: 'redis',
      name: 'cache-1',
      sku: 'Premium P2',
      tier: 'premium',
      shardCount: 3,
      replicasPerPrimary: 1,
      redisVersion: '6.0.14',
      maxmemoryPolicy: 'volatile-lfu',
      maxmemoryReserved: '30',
      rdbBackupEnabled: true,
      aofBackupEnabled: false,
      notifyKeyspaceEvents: '',
      geoReplicated: true,
      unknown: [],
      provisioningState: 'Succeeded',
      zones: [],
      clusteringPolicy: null,
    });
    const get = fake.requests.find((r) => r.method === 'GET');
    expect(get?.path).toBe(CACHE);
    expect(get?.authorization).toBe(`Bearer ${TEST_TOKEN}`);
  });

  it('fails readably when the resource answer lacks its SKU', async () => {
    fake.resources.set(CACHE, { id: CACHE, properties: { redisVersion: '6.0' } });
    const error = failure(await runAzure([azureResourceCheck], { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW }), 'azure.resource');
    expect(error).toContain('reading the settings of cache cache-1');
    expect(error).toContain('unexpected shape at sku');
  });

  it('says the resource was not found and to check the id (404)', async () => {
    const missing = redisResourceId('no-such-cache');
    const error = failure(await runAzure([azureResourceCheck], { azure: contextFor(fake, missing), redis: target, since: SINCE, now: NOW }), 'azure.resource');
    expect(error).toContain('resource not found (404)');
    expect(error).toContain(`check the resource id ${missing}`);
  });

  it('names the Reader role (403) and the credential problem (401)', async () => {
    fake.faults.arm.push({ status: 403 });
    const forbidden = failure(await runAzure([azureResourceCheck], { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW }), 'azure.resource');
    expect(forbidden).toContain('"Reader" role');

    const wrongToken = { ...contextFor(fake, CACHE), credential: sharedTokenCredential({ getToken: async () => ({ token: 'expired-token-0000000000', expiresOnTimestamp: Date.now() + 60_000 }) }) };
    const unauthorized = failure(await runAzure([azureResourceCheck], { azure: wrongToken, redis: target, since: SINCE, now: NOW }), 'azure.resource');
    expect(unauthorized).toContain('did not accept the credential (401)');
    expect(unauthorized).not.toContain('expired-token-0000000000');
  });

  it('reads Azure Managed Redis through the ARM REST shape at the newest api-version, high availability included', async () => {
    const amr = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-cache/providers/Microsoft.Cache/redisEnterprise/amr-1`;
    // Our own cluster body in the shape the spec defines (Microsoft's examples carry no highAvailability; see fixtures.test.ts).
    fake.resources.set(amr, { id: amr, name: 'amr-1', sku: { name: 'Balanced_B10' }, zones: ['1', '2'], properties: { highAvailability: 'Enabled', redisVersion: '7.4', provisioningState: 'Succeeded' } });
    fake.resources.set(`${amr}/databases/default`, {
      properties: { clusteringPolicy: 'OSSCluster', evictionPolicy: 'VolatileLRU', persistence: { aofEnabled: false, rdbEnabled: true }, geoReplication: { linkedDatabases: [{ id: `${amr}/databases/default` }] } },
    });
    const data = ok(await runAzure([azureResourceCheck], { azure: contextFor(fake, amr), redis: target, since: SINCE, now: NOW }), 'azure.resource');
    expect(data).toMatchObject({ kind: 'redisEnterprise', tier: 'balanced', sku: 'Balanced_B10', replicasPerPrimary: 1, maxmemoryPolicy: 'volatile-lru', rdbBackupEnabled: true, geoReplicated: false, zones: ['1', '2'], clusteringPolicy: 'OSSCluster' });
    expect(data.unknown).toEqual(['shardCount', 'maxmemoryReserved', 'notifyKeyspaceEvents']);
    expect(fake.requests.every((r) => r.authorization === `Bearer ${TEST_TOKEN}` && r.query.get('api-version') === REDIS_ENTERPRISE_API_VERSION)).toBe(true);
  });
});

describe('azure.activity-log', () => {
  it('lists flushes and reboots in the window with caller and time, one per operation', async () => {
    const data = ok(await runAzure([azureActivityLogCheck], { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW }), 'azure.activity-log');
    expect(data.events).toEqual([
      { operation: 'Microsoft.Cache/redis/flush/action', kind: 'flush', at: '2026-11-26T05:30:00.000Z', caller: 'oncall@example.com', status: 'Succeeded' },
      { operation: 'Microsoft.Cache/redis/forceReboot/action', kind: 'reboot', at: '2026-11-26T05:40:00.000Z', caller: 'sre@example.com', status: 'Succeeded' },
    ]);
    const request = fake.requests.find((r) => r.path.endsWith('/eventtypes/management/values'));
    expect(request?.path).toBe(`/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Insights/eventtypes/management/values`);
    expect(request?.query.get('$filter')).toBe(`eventTimestamp ge '2026-11-26T04:45:00.000Z' and eventTimestamp le '2026-11-26T06:00:00.000Z' and resourceUri eq '${CACHE}'`);
    expect(request?.authorization).toBe(`Bearer ${TEST_TOKEN}`);
  });

  it('names the Reader role when refused', async () => {
    fake.faults.activity.push({ status: 403 });
    const error = failure(await runAzure([azureActivityLogCheck], { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW }), 'azure.activity-log');
    expect(error).toContain('reading the activity log of cache cache-1');
    expect(error).toContain('"Reader" role');
  });
});

describe('unreachable Azure', () => {
  it('says which endpoint could not be reached', async () => {
    const port = await freePort();
    const nowhere = { ...contextFor(fake, CACHE), endpoints: { arm: `https://127.0.0.1:${port}`, metrics: `https://127.0.0.1:${port}` } };
    const results = await runAzure(azureChecks, { azure: nowhere, redis: target, since: SINCE, now: NOW });
    for (const check of azureChecks) expect(failure(results, check.id)).toContain(`could not reach 127.0.0.1:${port} (ECONNREFUSED)`);
  });
});

describe('without Azure', () => {
  it('skips every Azure check with the reason when no Azure resource is configured', async () => {
    const results = await runAzure(azureChecks, { azure: null, redis: target, since: SINCE, now: NOW });
    for (const check of azureChecks) expect(results[check.id]).toMatchObject({ status: 'skipped', reason: NO_AZURE_TARGET });
    expect(fake.requests).toEqual([]);
  });

  it('skips every Azure check when no credential can be obtained, without calling Azure', async () => {
    const noLogin = {
      ...contextFor(fake, CACHE),
      credential: sharedTokenCredential({
        getToken: async () => {
          throw new Error('Please run az login to set up an account');
        },
      }),
    };
    const results = await runAzure(azureChecks, { azure: noLogin, redis: target, since: SINCE, now: NOW });
    for (const check of azureChecks) {
      const result = results[check.id];
      expect(result?.status).toBe('skipped');
      expect(result?.status === 'skipped' && result.reason).toContain('no Azure credential could be obtained (az login, or a managed identity): Please run az login');
    }
    expect(fake.requests).toEqual([]);
  });
});
