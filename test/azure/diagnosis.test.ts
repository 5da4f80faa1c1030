// Where Azure's evidence tips the verdict: the Azure checks run against the fake, the Redis evidence is hand-made.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { azureChecks } from '../../src/checks/azure.ts';
import type { CheckResults, Evidence } from '../../src/domain/checks.ts';
import { explainDiagnosis } from '../../src/report/build.ts';
import type { CauseId } from '../../src/domain/causes.ts';
import type { RedisTarget } from '../../src/redis/target.ts';
import { activityEventJson, redisResourceId, redisResourceJson, type FakeAzure, type FakeSeries } from '../support/fake-azure.ts';
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
