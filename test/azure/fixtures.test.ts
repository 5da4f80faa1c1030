// Azure as it really answers: Microsoft's published example bodies and the SDKs' recorded service answers
// (test/fixtures/azure/, sources in its README), served by the fake to the real SDK clients; each test says
// what keyloss reads from one of them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TokenCredential } from '@azure/core-auth';
import { azureActivityLogCheck, azureMetricsCheck, azureResourceCheck } from '../../src/checks/azure.ts';
import { armEndpoint, createMetricsClient, PUBLIC_ARM_ENDPOINT, tokenScope } from '../../src/azure/clients.ts';
import { sharedTokenCredential } from '../../src/azure/credential.ts';
import { metricsQueries, NAMESPACE, NO_VALUES, toMetricSeries, type MetricsQuery } from '../../src/azure/metrics.ts';
import { REDIS_ENTERPRISE_API_VERSION } from '../../src/azure/resource.ts';
import type { CheckResults } from '../../src/domain/checks.ts';
import { uncheckedSentences } from '../../src/diagnosis/unchecked.ts';
import { azureFacts } from '../../src/diagnosis/signals/azure.ts';
import type { Evidence } from '../../src/domain/checks.ts';
import type { RedisTarget } from '../../src/redis/target.ts';
import { exampleBody, fixtureFile, recordedBody, withIds, withTimesShifted } from '../support/azure-fixtures.ts';
import { SUBSCRIPTION, type FakeAzure, type FakeSeries } from '../support/fake-azure.ts';
import { TEST_TOKEN, contextFor, failure, ok, queryAt, runAzure, startAzureRig, type AzureRig } from './support.ts';

const NOW = new Date('2026-11-26T06:00:00.000Z');
const SINCE = new Date('2026-11-26T05:00:00.000Z');
const CACHE = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.Cache/Redis/cache1`;
const AMR = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.Cache/redisEnterprise/cache1`;

let fake: FakeAzure;
let rig: AzureRig | undefined;
let target: RedisTarget;

function evidenceOf(results: CheckResults): Evidence {
  return { query: queryAt(SINCE), now: NOW, results } as Evidence;
}

const run = (checks: Parameters<typeof runAzure>[0], id = CACHE) => runAzure(checks, { azure: contextFor(fake, id), redis: target, since: SINCE, now: NOW });

beforeAll(async () => {
  rig = await startAzureRig();
  ({ fake, target } = rig);
});

afterAll(() => rig?.close());

beforeEach(() => fake.reset());

describe('Microsoft.Cache/redis (2024-11-01 examples, arm-rediscache recording)', () => {
  it('RedisCacheGet.json: a Premium P3 being created, two replicas counted as configured, geo-replicated, no zones', async () => {
    fake.resources.set(CACHE, withIds(exampleBody('redis/RedisCacheGet.json'), { '/subscriptions/subid/': `/subscriptions/${SUBSCRIPTION}/` }));
    const data = ok(await run([azureResourceCheck]), 'azure.resource');
    expect(data).toEqual({
      kind: 'redis',
      name: 'cache1',
      sku: 'Premium P3',
      tier: 'premium',
      shardCount: 0,
      replicasPerPrimary: 2,
      redisVersion: '3.2',
      // redisConfiguration is {}: Azure's documented default applies.
      maxmemoryPolicy: 'volatile-lru',
      maxmemoryReserved: null,
      rdbBackupEnabled: false,
      aofBackupEnabled: false,
      notifyKeyspaceEvents: null,
      geoReplicated: true,
      unknown: [],
      provisioningState: 'Creating',
      zones: [],
      clusteringPolicy: null,
    });
    expect(fake.requests.map((r) => r.query.get('api-version'))).toEqual(['2024-11-01']);
  });

  it('RedisCacheCreate.json (200): two shards counted from `instances` although `shardCount` is absent, all six nodes in zone 1', async () => {
    fake.resources.set(CACHE, withIds(exampleBody('redis/RedisCacheCreate.json', '200'), { '/subscriptions/subid/': `/subscriptions/${SUBSCRIPTION}/` }));
    const results = await run([azureResourceCheck]);
    const data = ok(results, 'azure.resource');
    expect(data).toMatchObject({ sku: 'Premium P1', shardCount: 2, replicasPerPrimary: 2, redisVersion: '4.0.14', maxmemoryReserved: '50', provisioningState: 'Succeeded', zones: ['1'] });
    // The example's placeholder access keys are never read into the evidence.
    expect(JSON.stringify(data)).not.toContain('primaryKey');
    expect(azureFacts(evidenceOf(results))).toEqual(expect.arrayContaining(['clustered', 'single-zone']));
  });

  it('RedisCacheCreate.json (201): the policy it was created with', async () => {
    fake.resources.set(CACHE, withIds(exampleBody('redis/RedisCacheCreate.json', '201'), { '/subscriptions/subid/': `/subscriptions/${SUBSCRIPTION}/` }));
    expect(ok(await run([azureResourceCheck]), 'azure.resource')).toMatchObject({ maxmemoryPolicy: 'allkeys-lru', shardCount: 2 });
  });

  it('the recorded GET of a real cache (no replicasPerPrimary in the answer): one replica per shard counted from its nodes', async () => {
    const recorded = recordedBody('recordings/recording_redis_get_test.json');
    const id = '/subscriptions/88888888-8888-8888-8888-888888888888/resourceGroups/myjstest/providers/Microsoft.Cache/Redis/myrediscachexxx111';
    fake.resources.set(id, recorded);
    const data = ok(await run([azureResourceCheck], id), 'azure.resource');
    expect(data).toEqual({
      kind: 'redis',
      name: 'myrediscachexxx111',
      sku: 'Premium P1',
      tier: 'premium',
      shardCount: 2,
      replicasPerPrimary: 1,
      redisVersion: '6.0',
      maxmemoryPolicy: 'allkeys-lru',
      maxmemoryReserved: '642',
      rdbBackupEnabled: false,
      aofBackupEnabled: false,
      notifyKeyspaceEvents: null,
      geoReplicated: false,
      unknown: [],
      provisioningState: 'Succeeded',
      zones: ['1'],
      clusteringPolicy: null,
    });
  });
});

describe(`Microsoft.Cache/redisEnterprise (${REDIS_ENTERPRISE_API_VERSION} examples)`, () => {
  const ids = { '/subscriptions/e7b5a9d2-6b6a-4d2f-9143-20d9a10f5b8f/': `/subscriptions/${SUBSCRIPTION}/` };

  it('RedisEnterpriseGet.json + RedisEnterpriseDatabasesGet.json: zones, OSS clustering, policy, persistence; high availability unknown, with the reason', async () => {
    fake.resources.set(AMR, withIds(exampleBody('redis-enterprise/RedisEnterpriseGet.json'), ids));
    fake.resources.set(`${AMR}/databases/default`, withIds(exampleBody('redis-enterprise/RedisEnterpriseDatabasesGet.json'), ids));
    const results = await run([azureResourceCheck], AMR);
    const data = ok(results, 'azure.resource');
    expect(data).toMatchObject({
      kind: 'redisEnterprise',
      name: 'cache1',
      sku: 'EnterpriseFlash_F300 (capacity 3)',
      tier: 'enterprise-flash',
      redisVersion: '6',
      maxmemoryPolicy: 'allkeys-lru',
      rdbBackupEnabled: true,
      aofBackupEnabled: false,
      notifyKeyspaceEvents: '',
      geoReplicated: false,
      provisioningState: 'Succeeded',
      zones: ['1', '2', '3'],
      clusteringPolicy: 'OSSCluster',
    });
    // The example's cluster carries no highAvailability: unknown, never "1 replica".
    expect(data.unknown).toEqual(['shardCount', 'maxmemoryReserved', 'replicasPerPrimary']);
    expect(data.unknownReasons?.replicasPerPrimary).toBe(`Azure did not report highAvailability for the cluster (api-version ${REDIS_ENTERPRISE_API_VERSION})`);
    expect(azureFacts(evidenceOf(results))).toContain('clustered');
    expect(azureFacts(evidenceOf(results))).not.toContain('no-replica');
    expect(uncheckedSentences(evidenceOf(results))).toContain(
      `The cache's replica count (high availability) could not be checked: Azure did not report highAvailability for the cluster (api-version ${REDIS_ENTERPRISE_API_VERSION}).`,
    );
    expect(fake.requests.map((r) => [r.path, r.query.get('api-version')])).toEqual(
      expect.arrayContaining([
        [AMR, REDIS_ENTERPRISE_API_VERSION],
        [`${AMR}/databases/default`, REDIS_ENTERPRISE_API_VERSION],
      ]),
    );
  });

  it('asks once more at the newest stable version a cloud serves, when it does not serve ours yet', async () => {
    fake.apiVersions.set('redisenterprise', ['2024-10-01', '2025-04-01', '2025-08-01-preview']);
    fake.resources.set(AMR, withIds(exampleBody('redis-enterprise/RedisEnterpriseGet.json'), ids));
    fake.resources.set(`${AMR}/databases/default`, withIds(exampleBody('redis-enterprise/RedisEnterpriseDatabasesGet.json'), ids));
    const data = ok(await run([azureResourceCheck], AMR), 'azure.resource');
    expect(data).toMatchObject({ sku: 'EnterpriseFlash_F300 (capacity 3)', clusteringPolicy: 'OSSCluster' });
    expect(data.unknownReasons?.replicasPerPrimary).toBe('Azure did not report highAvailability for the cluster (api-version 2025-04-01)');
    expect(fake.requests.map((r) => r.query.get('api-version')).sort()).toEqual(['2025-04-01', '2025-04-01', REDIS_ENTERPRISE_API_VERSION, REDIS_ENTERPRISE_API_VERSION]);
  });

  it('says what ARM answered when it serves no older stable version either', async () => {
    fake.apiVersions.set('redisenterprise', ['2027-01-01-preview']);
    const error = failure(await run([azureResourceCheck], AMR), 'azure.resource');
    expect(error).toContain(`failed with HTTP 400: NoRegisteredProviderFound: No registered resource provider found for location 'westeurope' and API version '${REDIS_ENTERPRISE_API_VERSION}'`);
  });

  it('RedisEnterpriseDatabasesCreateWithGeoReplication.json (200): geo-replicated, Enterprise clustering, noeviction, keyspace events KEA, Updating', async () => {
    fake.resources.set(AMR, withIds(exampleBody('redis-enterprise/RedisEnterpriseGet.json'), ids));
    fake.resources.set(`${AMR}/databases/default`, withIds(exampleBody('redis-enterprise/RedisEnterpriseDatabasesCreateWithGeoReplication.json'), ids));
    const data = ok(await run([azureResourceCheck], AMR), 'azure.resource');
    expect(data).toMatchObject({ geoReplicated: true, clusteringPolicy: 'EnterpriseCluster', maxmemoryPolicy: 'noeviction', notifyKeyspaceEvents: 'KEA', provisioningState: 'Updating' });
  });
});

describe('metrics batch (2024-02-01 examples, monitor-query-metrics recording)', () => {
  /** The SDK's parse of whatever the fake answers next, read as keyloss reads it. */
  async function readThroughSdk(body: unknown, resourceId: string, query: MetricsQuery, namespace: string) {
    fake.answerNext('metrics', body);
    const client = await createMetricsClient(contextFor(fake, CACHE));
    const results = await client.queryResources([resourceId], query.names, namespace, { aggregation: 'Maximum,Total', filter: query.filter, top: query.top });
    return toMetricSeries(results, resourceId, query);
  }

  it('MetricBatchExample.json: every series and value of the example, intervals without data null (never 0)', async () => {
    const storage = (n: number) => `/subscriptions/12345678-abcd-1234-abcd-123456789abc/resourceGroups/TestGroup/providers/Microsoft.Storage/storageAccounts/TestStorage${n}`;
    const body = exampleBody('metrics-batch/MetricBatchExample.json');
    const grid = Array.from({ length: 12 }, (_, i) => new Date(Date.parse('2023-02-01T20:00:00Z') + i * 15 * 60_000).toISOString());
    const onlyAt2200 = (value: number) => grid.map((at) => ({ at, value: at === '2023-02-01T22:00:00.000Z' ? value : null }));
    const sas = (a: number, b: number) => grid.map((at, i) => ({ at, value: i % 2 === 0 ? a : b }));

    const first = await readThroughSdk(body, storage(1), { names: ['Ingress', 'Egress'], filter: "ApiName eq '*'" }, 'Microsoft.Storage/storageAccounts');
    expect(first.missing).toEqual([]);
    expect(first.interval).toBe('PT15M');
    expect(first.series).toEqual([
      { metric: 'Ingress', aggregation: 'Maximum', unit: 'Bytes', dimensions: { apiname: 'GetBlob', authentication: 'SAS' }, points: sas(437, 583) },
      { metric: 'Ingress', aggregation: 'Maximum', unit: 'Bytes', dimensions: { apiname: 'GetBlobServiceProperties', authentication: 'AccountKey' }, points: onlyAt2200(342) },
      { metric: 'Egress', aggregation: 'Maximum', unit: 'Bytes', dimensions: { apiname: 'GetBlobServiceProperties', authentication: 'AccountKey' }, points: onlyAt2200(796) },
      { metric: 'Egress', aggregation: 'Maximum', unit: 'Bytes', dimensions: { apiname: 'GetBlob', authentication: 'SAS' }, points: sas(361, 1018) },
    ]);

    const second = await readThroughSdk(body, storage(2), { names: ['Ingress', 'Egress'] }, 'Microsoft.Storage/storageAccounts');
    expect(second.series.map((s) => [s.metric, s.points.filter((p) => p.value !== null)])).toEqual([
      ['Ingress', [{ at: '2023-02-01T22:00:00.000Z', value: 330 }]],
      ['Egress', [{ at: '2023-02-01T22:00:00.000Z', value: 880 }]],
    ]);
  });

  it('MetricBatchExample2.json: a point with only `average` is no value of ours, so the series is left out and the metric named missing', async () => {
    const redis5 = '/subscriptions/12345678-abcd-1234-abcd-123456789abc/resourceGroups/test_redis/providers/Microsoft.Cache/Redis/redis5';
    const read = await readThroughSdk(exampleBody('metrics-batch/MetricBatchExample2.json'), redis5, { names: ['cacheWrite'], filter: "ShardId eq '0'" }, NAMESPACE.redis);
    // Asked for FULL, Azure answered at PT4H: the grain read is the one Azure returned.
    expect(read).toEqual({ series: [], missing: [{ metric: 'cacheWrite', reason: NO_VALUES }], interval: 'PT4H' });
  });

  it('the recorded batch query with a filter (timeseries []): no series, the metric missing', async () => {
    const read = await readThroughSdk(recordedBody('recordings/recording_batch_query_with_filter.json'), 'metrics-resource-id', { names: ['Heartbeat'], filter: "Computer eq '*'" }, 'Microsoft.OperationalInsights/workspaces');
    expect(read).toEqual({ series: [], missing: [{ metric: 'Heartbeat', reason: NO_VALUES }], interval: 'PT1M' });
  });

  it('the metrics check fails, naming what it asked for, when none of its metrics came back (Example2 answering both requests)', async () => {
    const redis5 = '/subscriptions/12345678-abcd-1234-abcd-123456789abc/resourceGroups/test_redis/providers/Microsoft.Cache/Redis/redis5';
    const body = withIds(exampleBody('metrics-batch/MetricBatchExample2.json'), { [redis5]: CACHE });
    fake.answerNext('metrics', body);
    fake.answerNext('metrics', body);
    const results = await run([azureMetricsCheck]);
    const error = failure(results, 'azure.metrics');
    expect(error).toContain('Azure Monitor returned no values for any of the 9 metrics asked for (expiredkeys, evictedkeys, cachemisses, totalkeys, usedmemory, usedmemorypercentage, connectedclients, serverLoad, errors)');
    expect(uncheckedSentences(evidenceOf(results)).join(' ')).toContain('The Azure Monitor metrics check failed: reading metrics of cache cache1');
  });
});

describe('metrics batch parameters, as the spec says', () => {
  const at = (hhmm: string) => new Date(`2026-11-26T${hhmm}:00.000Z`);

  it('asks for enough series (`top`) that twelve shards of nine metrics are not cut at Azure\'s default of 10', async () => {
    const series: FakeSeries[] = [];
    for (let shard = 0; shard < 12; shard += 1) {
      for (const metric of ['expiredkeys', 'evictedkeys', 'cachemisses', 'totalkeys', 'usedmemory', 'usedmemorypercentage', 'connectedclients', 'serverLoad']) {
        series.push({ metric, dimensions: { shardid: String(shard) }, value: () => 100 + shard });
      }
    }
    series.push({ metric: 'errors', dimensions: { errortype: 'Failover' }, value: () => 0 });
    fake.metrics.set(CACHE.toLowerCase(), series);
    const data = ok(await run([azureMetricsCheck]), 'azure.metrics');
    expect(new Set(data.series.filter((s) => s.metric === 'totalkeys').map((s) => s.dimensions.shardid)).size).toBe(12);
    expect(data.series.filter((s) => s.metric === 'serverLoad')).toHaveLength(12);
    expect(data.missing).toEqual([]);
    const tops = fake.requests.filter((r) => r.path.endsWith('metrics:getBatch')).map((r) => [r.query.get('filter'), r.query.get('top')]);
    expect(tops.sort()).toEqual([["ErrorType eq '*'", '20'], ["ShardId eq '*'", '240']]);
    expect(metricsQueries('redis').every((q) => !q.filter || q.top)).toBe(true);
  });

  it('the fake cuts at 10 series when no top is sent, as Azure does', async () => {
    fake.metrics.set(CACHE.toLowerCase(), Array.from({ length: 12 }, (_, shard) => ({ metric: 'totalkeys', dimensions: { shardid: String(shard) }, value: () => 1 })));
    const client = await createMetricsClient(contextFor(fake, CACHE));
    const [result] = await client.queryResources([CACHE], ['totalkeys'], NAMESPACE.redis, { startTime: at('05:00'), endTime: at('05:10'), interval: 'PT1M', aggregation: 'Maximum', filter: "ShardId eq '*'" });
    expect(result?.metrics[0]?.timeseries).toHaveLength(10);
  });

  it('the fake answers only the aggregations asked for, on the interval asked for', async () => {
    fake.metrics.set(CACHE.toLowerCase(), [{ metric: 'evictedkeys', dimensions: { shardid: '0' }, value: (t) => (t.getUTCMinutes() % 2 ? 3 : null) }]);
    const client = await createMetricsClient(contextFor(fake, CACHE));
    const [result] = await client.queryResources([CACHE], ['evictedkeys'], NAMESPACE.redis, { startTime: at('05:00'), endTime: at('05:10'), interval: 'PT5M', aggregation: 'Total' });
    const data = result?.metrics[0]?.timeseries?.[0]?.data ?? [];
    expect(data.map((d) => [d.timeStamp.toISOString(), d.total, d.maximum])).toEqual([
      ['2026-11-26T05:00:00.000Z', 6, undefined],
      ['2026-11-26T05:05:00.000Z', 9, undefined],
    ]);
  });

  it('a Total counter that Azure answered with Maximum only is not read as a total: it is missing, not mislabelled', () => {
    const results = [
      {
        resourceId: CACHE,
        metrics: [
          { id: `${CACHE}/providers/Microsoft.Insights/metrics/evictedkeys`, unit: 'Count', errorCode: 'Success', timeseries: [{ metadatavalues: [], data: [{ timeStamp: at('05:00'), maximum: 40 }] }] },
          { id: `${CACHE}/providers/Microsoft.Insights/metrics/totalkeys`, unit: 'Count', errorCode: 'Success', timeseries: [{ metadatavalues: [], data: [{ timeStamp: at('05:00'), maximum: 7 }, { timeStamp: at('05:01') }] }] },
        ],
      },
    ] as unknown as Parameters<typeof toMetricSeries>[0];
    const read = toMetricSeries(results, CACHE, { names: ['evictedkeys', 'totalkeys'] });
    expect(read.missing).toEqual([{ metric: 'evictedkeys', reason: NO_VALUES }]);
    expect(read.series).toEqual([
      { metric: 'totalkeys', aggregation: 'Maximum', dimensions: {}, unit: 'Count', points: [{ at: at('05:00').toISOString(), value: 7 }, { at: at('05:01').toISOString(), value: null }] },
    ]);
  });

  it('a metric without values goes into "could not be checked" and gets no sparkline', async () => {
    fake.metrics.set(CACHE.toLowerCase(), [
      { metric: 'totalkeys', dimensions: { shardid: '0' }, value: () => 500 },
      { metric: 'evictedkeys', dimensions: { shardid: '0' }, value: () => null },
      { metric: 'errors', dimensions: { errortype: 'Failover' }, value: () => 0 },
    ]);
    const results = await run([azureMetricsCheck]);
    const data = ok(results, 'azure.metrics');
    expect(data.sparklines.map((l) => l.metric)).toEqual(['totalkeys', 'errors']);
    expect(data.series.some((s) => s.metric === 'evictedkeys')).toBe(false);
    expect(data.missing?.map((m) => m.metric)).toEqual(['expiredkeys', 'evictedkeys', 'cachemisses', 'usedmemory', 'usedmemorypercentage', 'connectedclients', 'serverLoad']);
    expect(uncheckedSentences(evidenceOf(results))).toContain(
      'Azure metrics expiredkeys, evictedkeys, cachemisses, usedmemory, usedmemorypercentage, connectedclients and serverLoad could not be checked: Azure returned no values in the window.',
    );
  });
});

describe('the token audience of the metrics batch API', () => {
  it('asks for the Resource Manager audience, the one the SDK\'s own live tests were recorded with', async () => {
    fake.metrics.set(CACHE.toLowerCase(), [{ metric: 'totalkeys', dimensions: { shardid: '0' }, value: () => 5 }]);
    const scopes: string[] = [];
    const spy: TokenCredential = {
      async getToken(requested) {
        scopes.push(...[requested].flat());
        return { token: TEST_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const context = { ...contextFor(fake, CACHE), credential: sharedTokenCredential(spy) };
    ok(await runAzure([azureMetricsCheck], { azure: context, redis: target, since: SINCE, now: NOW }), 'azure.metrics');
    expect(new Set(scopes)).toEqual(new Set([`${armEndpoint(context)}/.default`]));
    // In the public cloud: https://management.azure.com/.default, the default of @azure/monitor-query-metrics 1.0.0.
    expect(tokenScope({ ...context, endpoints: {} })).toBe(`${PUBLIC_ARM_ENDPOINT}/.default`);
    // The recording was made by that SDK version, with no audience option, and Azure answered 200.
    const recording = fixtureFile('recordings/recording_batch_query_with_filter.json') as { Entries: Array<{ RequestHeaders: Record<string, string>; StatusCode: number }> };
    expect(recording.Entries[0]?.RequestHeaders['User-Agent']).toContain('azsdk-js-monitor-query-metrics/1.0.0');
    expect(recording.Entries[0]?.StatusCode).toBe(200);
  });
});

describe('activity log (2015-04-01 example)', () => {
  it('GetActivityLogsFiltered.json: a support-ticket write is no cache operation, and the nextLink is followed to its empty page', async () => {
    const body = withIds(exampleBody('activity-log/GetActivityLogsFiltered.json'), {
      // The example's continuation link, pointed at the fake (it is an opaque id in the example).
      'https://management.azure.com/########-####-####-####-############$skiptoken=######': `${fake.url}/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01&$skiptoken=page2`,
    });
    fake.answerNext('activity', withTimesShifted(body, Date.parse('2026-11-26T05:14:26Z') - Date.parse('2015-01-21T22:14:26Z')));
    const data = ok(await run([azureActivityLogCheck]), 'azure.activity-log');
    expect(data.events).toEqual([]);
    const pages = fake.requests.filter((r) => r.path.endsWith('/eventtypes/management/values'));
    expect(pages.map((r) => r.query.get('$skiptoken'))).toEqual([null, 'page2']);
  });
});
