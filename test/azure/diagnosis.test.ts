// Where Azure's evidence tips the verdict: the Azure checks run against the fake, the Redis evidence is hand-made.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { azureChecks } from '../../src/checks/azure.ts';
import type { CheckResults, Evidence } from '../../src/domain/checks.ts';
import { explainDiagnosis } from '../../src/report/build.ts';
import type { CauseId } from '../../src/domain/causes.ts';
import type { RedisTarget } from '../../src/redis/target.ts';
import { activityEventJson, redisResourceId, redisResourceJson, SUBSCRIPTION, type FakeAzure, type FakeSeries } from '../support/fake-azure.ts';
import { makeEvidence, NOW, restartNode, SINCE } from '../diagnosis/evidence-fixture.ts';
import { runbook } from '../diagnosis/runbook-fixture.ts';
import { contextFor, runAzure, startAzureRig, type AzureRig } from './support.ts';

const CACHE = redisResourceId('orders-cache');
const at = (hhmm: string) => new Date(`2026-11-26T${hhmm}:00.000Z`);
const is = (t: Date, hhmm: string) => t.getTime() === at(hhmm).getTime();

let fake: FakeAzure;
let rig: AzureRig | undefined;
let target: RedisTarget;

beforeAll(async () => {
  rig = await startAzureRig();
  ({ fake, target } = rig);
});

afterAll(() => rig?.close());

beforeEach(() => {
  fake.metrics.clear();
  fake.activity.clear();
  fake.resources.clear();
});

function steady(extra: FakeSeries[] = []): FakeSeries[] {
  const shard = { shardid: '0' };
  const named = new Set(extra.map((s) => `${s.metric}|${JSON.stringify(s.dimensions)}`));
  const base: FakeSeries[] = [
    { metric: 'totalkeys', dimensions: shard, value: () => 5_000 },
    { metric: 'evictedkeys', dimensions: shard, value: () => 0 },
    { metric: 'expiredkeys', dimensions: shard, value: () => 0 },
    { metric: 'usedmemorypercentage', dimensions: shard, unit: 'Percent', value: () => 20 },
    { metric: 'connectedclients', dimensions: shard, value: () => 40 },
    { metric: 'errors', dimensions: { errortype: 'Failover' }, value: () => 0 },
    { metric: 'errors', dimensions: { errortype: 'Dataloss' }, value: () => 0 },
  ];
  return [...base.filter((s) => !named.has(`${s.metric}|${JSON.stringify(s.dimensions)}`)), ...extra];
}

async function azureResults(): Promise<CheckResults> {
  return runAzure(azureChecks, { azure: contextFor(fake, CACHE), redis: target, since: SINCE, now: NOW });
}

function withAzure(evidence: Evidence, azure: CheckResults): Evidence {
  return { ...evidence, results: { ...evidence.results, ...azure } };
}

function cause(evidence: Evidence, id: CauseId) {
  const d = explainDiagnosis(evidence, runbook);
  const found = d.causes.find((c) => c.id === id);
  if (!found) throw new Error(`no ${id}`);
  return { diagnosis: d, cause: found };
}

describe('Azure evidence in the diagnosis', () => {
  it('a Failover error in the window on a Standard cache makes replication likely when Redis cannot tell', async () => {
    fake.resources.set(CACHE, redisResourceJson(CACHE, { sku: 'Standard' }));
    fake.metrics.set(CACHE.toLowerCase(), steady([{ metric: 'errors', dimensions: { errortype: 'Failover' }, value: (t) => (is(t, '05:33') ? 1 : 0) }]));
    const redisOnly = makeEvidence('orders:*', { replication: { failed: 'timed out after 5000 ms' } });
    expect(cause(redisOnly, 'replication').cause.likelihood).not.toBe('likely');

    const azure = await azureResults();
    const { diagnosis, cause: replication } = cause(withAzure(redisOnly, azure), 'replication');
    expect(diagnosis.tierSource).toBe('azure');
    expect(diagnosis.tier).toBe('standard');
    expect(replication.likelihood).toBe('likely');
    expect(diagnosis.verdict).toBe('explained');
    expect(diagnosis.causes[0]?.id).toBe('replication');
    expect(replication.evidence).toContainEqual(
      expect.objectContaining({ check: 'azure.metrics', direction: 'for', summary: expect.stringContaining('errors: Failover at 05:33 UTC') }),
    );
  });

  it('a Failover error on a Basic cache points at instance failure, not replication', async () => {
    fake.resources.set(CACHE, redisResourceJson(CACHE, { sku: 'Basic' }));
    fake.metrics.set(CACHE.toLowerCase(), steady([{ metric: 'errors', dimensions: { errortype: 'Failover' }, value: (t) => (is(t, '05:33') ? 1 : 0) }]));
    const evidence = withAzure(makeEvidence('orders:*', { replication: { failed: 'timed out after 5000 ms' } }), await azureResults());
    expect(cause(evidence, 'replication').cause.likelihood).toBe('ruled-out');
    const failure = cause(evidence, 'instance-failure').cause;
    expect(failure.evidence.map((e) => e.summary)).toContainEqual(expect.stringContaining('errors: Failover at 05:33 UTC: a Basic cache has no replica'));
  });

  it('a flush in the activity log is a flush, though a later restart erased the commandstats', async () => {
    fake.resources.set(CACHE, redisResourceJson(CACHE, { sku: 'Standard' }));
    fake.metrics.set(CACHE.toLowerCase(), steady([{ metric: 'totalkeys', dimensions: { shardid: '0' }, value: (t) => (t < at('05:30') ? 5_000 : 0) }]));
    fake.activity.set(CACHE.toLowerCase(), [
      activityEventJson(CACHE, 'Microsoft.Cache/redis/flush/action', at('05:30'), { caller: 'jane@example.com' }),
    ]);
    const restartedAt = at('05:45');
    const redisOnly = makeEvidence('orders:*', {
      'keyspace.presence': { keyspace: [{ db: 0, keys: 0, expires: 0, avgTtlMs: 0 }] },
      'persistence.restart': { nodes: [restartNode('10.0.0.4:6379', restartedAt, true)] },
    });
    expect(cause(redisOnly, 'flush').cause.likelihood).not.toBe('likely');

    const { diagnosis, cause: flush } = cause(withAzure(redisOnly, await azureResults()), 'flush');
    expect(flush.likelihood).toBe('likely');
    expect(diagnosis.causes[0]?.id).toBe('flush');
    expect(flush.evidence).toContainEqual(
      expect.objectContaining({
        check: 'azure.activity-log',
        summary: 'activity log: Microsoft.Cache/redis/flush/action at 05:30:00 UTC by jane@example.com (Succeeded): the cache was flushed through Azure',
      }),
    );
    expect(flush.evidence.map((e) => e.summary)).toContainEqual('totalkeys 5,000 → 0 between 05:29 and 05:30 UTC: the cache emptied at once, as a flush does');
  });

  it("a burst of evictions in Azure makes eviction likely when Redis's own memory counters cannot be read", async () => {
    fake.resources.set(CACHE, redisResourceJson(CACHE, { sku: 'Premium', configuration: { 'maxmemory-policy': 'allkeys-lru' } }));
    fake.metrics.set(
      CACHE.toLowerCase(),
      steady([
        { metric: 'evictedkeys', dimensions: { shardid: '0' }, value: (t) => (t >= at('05:20') && t < at('05:25') ? 8_000 : 0) },
        { metric: 'usedmemorypercentage', dimensions: { shardid: '0' }, unit: 'Percent', value: (t) => (t >= at('05:18') && t < at('05:25') ? 99 : 60) },
      ]),
    );
    const evidence = withAzure(makeEvidence('orders:*', { memory: { failed: 'timed out after 3000 ms' } }), await azureResults());
    const { cause: eviction } = cause(evidence, 'eviction');
    expect(eviction.likelihood).toBe('likely');
    // Said once: alone, or quoted in full where elimination adds that nothing else is left.
    const burst = 'evictedkeys 0 → 8,000 a minute between 05:20 and 05:24 UTC (40,000 in all)';
    expect(eviction.evidence.filter((e) => e.summary.startsWith(burst))).toHaveLength(1);
  });

  it('establishes facts from the settings: persistence off on Premium, notifications off, geo-replication', async () => {
    fake.resources.set(
      CACHE,
      redisResourceJson(CACHE, { sku: 'Premium', shardCount: 2, configuration: { 'notify-keyspace-events': '' }, linkedServers: [redisResourceId('orders-cache-dr')] }),
    );
    fake.metrics.set(CACHE.toLowerCase(), steady());
    const { diagnosis } = cause(withAzure(makeEvidence('orders:*'), await azureResults()), 'flush');
    expect(diagnosis.facts).toEqual(expect.arrayContaining(['azure-resource-read', 'persistence-off', 'keyspace-notifications-off', 'geo-replicated', 'clustered', 'policy-volatile']));
    expect(diagnosis.tier).toBe('premium');
  });
});

describe('Azure Managed Redis evidence in the diagnosis (Microsoft.Cache/redisEnterprise)', () => {
  const AMR = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-cache/providers/Microsoft.Cache/redisEnterprise/sessions-amr`;
  const DB = `${AMR}/databases/default`;
  const LINKED = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-dr/providers/Microsoft.Cache/redisEnterprise/sessions-amr-dr/databases/default`;

  /** Our own bodies in the 2026-09-01 spec's shape (Microsoft's examples set no highAvailability: see fixtures.test.ts). */
  function amrCache(options: { ha?: 'Enabled' | 'Disabled'; linked?: boolean; aof?: boolean } = {}): void {
    fake.resources.set(AMR, { id: AMR, name: 'sessions-amr', sku: { name: 'Balanced_B5' }, properties: { highAvailability: options.ha ?? 'Enabled', provisioningState: 'Succeeded', redisVersion: '7.4' } });
    fake.resources.set(DB, {
      id: DB,
      name: 'default',
      properties: {
        clusteringPolicy: 'EnterpriseCluster',
        evictionPolicy: 'NoEviction',
        notifyKeyspaceEvents: '',
        persistence: { aofEnabled: options.aof ?? false, rdbEnabled: false },
        geoReplication: options.linked ? { groupNickname: 'sessions', linkedDatabases: [{ id: DB }, { id: LINKED }] } : null,
      },
    });
  }

  /** AMR's metrics as Azure publishes them: evictedkeys, expiredkeys and totalkeys without dimensions; errors by InstanceId and ErrorType. */
  function amrMetrics(extra: FakeSeries[] = []): FakeSeries[] {
    const named = new Set(extra.map((s) => `${s.metric}|${JSON.stringify(s.dimensions)}`));
    const base: FakeSeries[] = [
      { metric: 'totalkeys', dimensions: {}, value: () => 9_000 },
      { metric: 'evictedkeys', dimensions: {}, value: () => 0 },
      { metric: 'expiredkeys', dimensions: {}, value: () => 0 },
      { metric: 'usedmemorypercentage', dimensions: {}, unit: 'Percent', value: () => 30 },
      { metric: 'connectedclients', dimensions: {}, value: () => 25 },
      { metric: 'errors', dimensions: { errortype: 'Failover', instanceid: '0' }, value: () => 0 },
      { metric: 'errors', dimensions: { errortype: 'Failover', instanceid: '2' }, value: () => 0 },
    ];
    return [...base.filter((s) => !named.has(`${s.metric}|${JSON.stringify(s.dimensions)}`)), ...extra];
  }

  async function amrResults(): Promise<CheckResults> {
    fake.requests.length = 0;
    return runAzure(azureChecks, { azure: contextFor(fake, AMR), redis: target, since: SINCE, now: NOW });
  }

  /** What the endpoint itself showed after the keys went: the database nearly empty; the proxy's uptime is no node's, so no restart evidence. */
  function emptiedEndpoint(keys: number): Evidence {
    return makeEvidence('session:*', {
      'keyspace.presence': { keyspace: [{ db: 0, keys, expires: 0, avgTtlMs: 0 }] },
      'persistence.restart': { failed: 'the endpoint is a proxy: its uptime is not a node\'s' },
    });
  }

  it('a linked cache that rejoined its geo-replication group discarded its data: dated, with its caller, from the activity log', async () => {
    amrCache({ linked: true });
    fake.metrics.set(AMR.toLowerCase(), amrMetrics([{ metric: 'totalkeys', dimensions: {}, value: (t) => (t < at('05:30') ? 9_000 : 120) }]));
    fake.activity.set(AMR.toLowerCase(), [
      activityEventJson(AMR, 'Microsoft.Cache/redisEnterprise/databases/forceUnlink/action', at('05:10'), { caller: 'dr-runbook@example.com' }),
      activityEventJson(AMR, 'Microsoft.Cache/redisEnterprise/databases/forceLinkToReplicationGroup/action', at('05:30'), { caller: 'dr-runbook@example.com' }),
    ]);
    const azure = await amrResults();
    const activity = azure['azure.activity-log'];
    expect(activity?.status === 'ok' && activity.data.events.map((e) => e.kind)).toEqual(['force-unlink', 'force-link']);
    const { diagnosis, cause: failure } = cause(withAzure(emptiedEndpoint(120), azure), 'instance-failure');
    expect(diagnosis.tier).toBe('balanced');
    expect(diagnosis.causes[0]?.id).toBe('instance-failure');
    expect(failure.likelihood).toBe('likely');
    expect(failure.evidence).toContainEqual(
      expect.objectContaining({
        check: 'azure.activity-log',
        summary: expect.stringMatching(
          /^activity log: Microsoft\.Cache\/redisEnterprise\/databases\/forceLinkToReplicationGroup\/action at 05:30:00 UTC by dr-runbook@example\.com \(Succeeded\): the database was recreated and rejoined its geo-replication group, discarding the data it held/,
        ),
      }),
    );
    const replication = cause(withAzure(emptiedEndpoint(120), azure), 'replication').cause;
    expect(replication.evidence.map((e) => e.summary)).toContainEqual(expect.stringContaining('forceUnlink/action at 05:10:00 UTC by dr-runbook@example.com'));
    // The runbook's fix for a geo-replicated Azure Managed Redis names the force-link that discards data.
    expect(diagnosis.facts).toContain('geo-replicated');
    expect(replication.fixes.join('\n')).toMatch(/Force link\) discards its own data/);
  });

  it('a flush of the linked databases through Azure is a flush', async () => {
    amrCache({ linked: true });
    fake.metrics.set(AMR.toLowerCase(), amrMetrics([{ metric: 'totalkeys', dimensions: {}, value: (t) => (t < at('05:20') ? 9_000 : 0) }]));
    fake.activity.set(AMR.toLowerCase(), [activityEventJson(AMR, 'Microsoft.Cache/redisEnterprise/databases/flush/action', at('05:20'), { caller: 'jane@example.com' })]);
    const { diagnosis, cause: flush } = cause(withAzure(emptiedEndpoint(0), await amrResults()), 'flush');
    expect(diagnosis.causes[0]?.id).toBe('flush');
    expect(flush.likelihood).toBe('likely');
    expect(flush.evidence.map((e) => e.summary)).toContain(
      'activity log: Microsoft.Cache/redisEnterprise/databases/flush/action at 05:20:00 UTC by jane@example.com (Succeeded): the cache was flushed through Azure',
    );
    // The endpoint's FLUSHALL count of 0 does not argue against a flush made through Resource Manager.
    expect(flush.evidence).toContainEqual(expect.objectContaining({ check: 'commands.deletion', summary: expect.stringContaining("Azure's flush in the activity log is no client command") }));
    expect(flush.evidence.filter((e) => e.direction === 'against')).toEqual([]);
  });

  it('an import through Azure is dated evidence for the keys that were not in its file', async () => {
    amrCache();
    fake.metrics.set(AMR.toLowerCase(), amrMetrics());
    fake.activity.set(AMR.toLowerCase(), [activityEventJson(AMR, 'Microsoft.Cache/redisEnterprise/databases/import/action', at('05:25'), { caller: 'migration@example.com' })]);
    const flush = cause(withAzure(makeEvidence('session:*'), await amrResults()), 'flush').cause;
    expect(flush.evidence.map((e) => e.summary)).toContain(
      'activity log: Microsoft.Cache/redisEnterprise/databases/import/action at 05:25:00 UTC by migration@example.com (Succeeded): an import loads an RDB file into the cache, and keys that are not in the file can be gone after it',
    );
  });

  it('a health event (maintenance begins) is dated Azure evidence of a restart and a failover', async () => {
    amrCache();
    fake.metrics.set(AMR.toLowerCase(), amrMetrics());
    fake.activity.set(AMR.toLowerCase(), [
      activityEventJson(AMR, 'Microsoft.ResourceHealth/healthevent/Activated/action', at('05:40'), { caller: null as unknown as string, status: 'Active', category: 'ResourceHealth' }),
    ]);
    const evidence = withAzure(emptiedEndpoint(4_000), await amrResults());
    const failure = cause(evidence, 'instance-failure').cause;
    expect(failure.evidence.map((e) => e.summary)).toContainEqual(expect.stringMatching(/^activity log: Microsoft\.ResourceHealth\/healthevent\/Activated\/action at 05:40:00 UTC .*Azure maintenance or a platform incident on the cache/));
    expect(cause(evidence, 'replication').cause.evidence.map((e) => e.summary)).toContainEqual(expect.stringContaining('maintenance fails over one node at a time'));
  });

  it('a failover is named by its instance, and sums are said at the grain Azure returned, for the whole cache', async () => {
    amrCache();
    fake.metrics.set(
      AMR.toLowerCase(),
      amrMetrics([
        { metric: 'errors', dimensions: { errortype: 'Failover', instanceid: '2' }, value: (t) => (is(t, '05:35') ? 1 : 0) },
        { metric: 'expiredkeys', dimensions: {}, value: () => 2 },
      ]),
    );
    const azure = await amrResults();
    const metrics = azure['azure.metrics'];
    expect(metrics?.status).toBe('ok');
    if (metrics?.status !== 'ok') return;
    expect(metrics.data.window.interval).toBe('PT5M');
    expect(metrics.data.namespace).toBe('Microsoft.Cache/redisEnterprise');
    // The errors were asked split by both of their dimensions; the key metrics without a split (they have none).
    const filters = fake.requests.filter((r) => r.path.endsWith('/metrics:getBatch')).map((r) => r.query.get('filter'));
    expect(new Set(filters)).toEqual(new Set([null, "ErrorType eq '*' and InstanceId eq '*'"]));
    const { diagnosis, cause: replication } = cause(withAzure(makeEvidence('session:*', { replication: { failed: 'ERR unknown command' } }), azure), 'replication');
    expect(replication.likelihood).toBe('likely');
    expect(diagnosis.causes[0]?.id).toBe('replication');
    expect(replication.evidence.map((e) => e.summary)).toContainEqual(expect.stringMatching(/^errors: Failover at 05:35 UTC on instance 2: a replica was promoted/));
    const expiration = cause(withAzure(makeEvidence('session:*'), azure), 'expiration').cause;
    expect(expiration.evidence.map((e) => e.summary)).toContainEqual(
      expect.stringMatching(/^expiredkeys .* since 05:00:00 UTC \(Azure's 5 min points for the whole cache: Azure Managed Redis reports no shard\)$/),
    );
  });

  it('high availability off: no replica, so no failover can lose writes, and the fix says to turn it on', async () => {
    amrCache({ ha: 'Disabled' });
    fake.metrics.set(AMR.toLowerCase(), amrMetrics());
    const evidence = withAzure(makeEvidence('session:*'), await amrResults());
    const { diagnosis, cause: replication } = cause(evidence, 'replication');
    expect(replication.likelihood).toBe('ruled-out');
    expect(diagnosis.facts).toEqual(expect.arrayContaining(['no-replica', 'persistence-off', 'keyspace-notifications-off', 'clustered']));
    expect(cause(evidence, 'instance-failure').cause.fixes.join('\n')).toMatch(/Turn high availability on/);
  });
});
