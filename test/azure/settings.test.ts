// Pure mappings: the ARM cache resource as settings, activity-log events as notable operations.
import { describe, expect, it } from 'vitest';
import { activityEvents, classifyOperation } from '../../src/azure/activity.ts';
import { redisEnterpriseSettings, redisPolicyName, redisSettings, replicasFromInstances, servedApiVersion, tierOfSku } from '../../src/azure/resource.ts';
import { azureSignals } from '../../src/diagnosis/signals/azure.ts';
import type { Evidence } from '../../src/domain/checks.ts';

describe('redisSettings', () => {
  it('applies the documented defaults for what a Basic cache leaves out', () => {
    expect(redisSettings('c', { sku: { name: 'Basic', family: 'C', capacity: 0 }, redisConfiguration: {} })).toMatchObject({
      sku: 'Basic C0',
      tier: 'basic',
      shardCount: 0,
      replicasPerPrimary: 0,
      maxmemoryPolicy: 'volatile-lru',
      rdbBackupEnabled: false,
      aofBackupEnabled: false,
      geoReplicated: false,
    });
  });

  it('states the replica count unknown, with the reason, when Azure reports neither the count nor the nodes of a Premium cache', () => {
    const data = redisSettings('c', { sku: { name: 'Premium', family: 'P', capacity: 1 } });
    expect(data.unknown).toEqual(['replicasPerPrimary']);
    expect(data.unknownReasons?.replicasPerPrimary).toContain('neither replicasPerPrimary nor the roles');
  });

  it('counts replicas per shard from the nodes, the fewest any shard has', () => {
    const node = (shardId: number, isPrimary: boolean) => ({ shardId, isPrimary });
    expect(replicasFromInstances([node(0, true), node(0, false), node(0, false), node(1, true), node(1, false)])).toBe(1);
    expect(replicasFromInstances([{ isMaster: true }])).toBe(0);
    expect(replicasFromInstances([{ zone: '1' }])).toBeNull();
  });

  it('maps SKU names to tiers', () => {
    // Each SKU Azure sells (ARM sku.name), Microsoft.Cache/redis and Microsoft.Cache/redisEnterprise.
    expect(['Basic', 'standard', 'Premium', 'Enterprise_E10', 'EnterpriseFlash_F300'].map(tierOfSku)).toEqual(['basic', 'standard', 'premium', 'enterprise', 'enterprise-flash']);
    expect(['MemoryOptimized_M10', 'Balanced_B5', 'Balanced_B0', 'ComputeOptimized_X5', 'FlashOptimized_A250'].map(tierOfSku)).toEqual([
      'memory-optimized',
      'balanced',
      'balanced',
      'compute-optimized',
      'flash-optimized',
    ]);
    // A SKU keyloss does not know is no tier, never a guess.
    expect(['Quantum_Q5', ''].map(tierOfSku)).toEqual([null, null]);
  });
});

describe('redisEnterpriseSettings', () => {
  it('reads a cluster without high availability as having no replica and names ARM policies as Redis does', () => {
    const data = redisEnterpriseSettings('amr', { sku: { name: 'Balanced_B5' }, properties: { highAvailability: 'Disabled' } }, { properties: { evictionPolicy: 'AllKeysLFU' } });
    expect(data).toMatchObject({ replicasPerPrimary: 0, maxmemoryPolicy: 'allkeys-lfu', tier: 'balanced' });
    expect(['NoEviction', 'VolatileTTL', 'AllKeysRandom'].map(redisPolicyName)).toEqual(['noeviction', 'volatile-ttl', 'allkeys-random']);
  });
});

describe('servedApiVersion', () => {
  it('picks the newest stable version older than ours from either refusal ARM gives, and nothing from other errors', () => {
    expect(servedApiVersion("InvalidApiVersionParameter: The api-version '2026-09-01' is invalid. The supported versions are '2025-07-01,2025-05-01-preview,2025-04-01,2024-10-01'.", '2026-09-01')).toBe('2025-07-01');
    expect(servedApiVersion("NoRegisteredProviderFound: No registered resource provider found for location 'x' and API version '2026-09-01' for type 'redisEnterprise'. The supported api-versions are '2024-10-01, 2027-01-01'.", '2026-09-01')).toBe('2024-10-01');
    expect(servedApiVersion('ResourceNotFound: The Resource was not found.', '2026-09-01')).toBeNull();
  });
});

describe('what the resource says about failovers', () => {
  const evidence = (data: Record<string, unknown>): Evidence =>
    ({
      query: { key: 'k', isPattern: false, db: 0, since: new Date('2026-11-26T05:00:00Z'), tier: null, scope: null },
      now: new Date('2026-11-26T06:00:00Z'),
      results: { 'azure.resource': { id: 'azure.resource', status: 'ok', ms: 1, data: { ...redisSettings('cache-1', { sku: { name: 'Premium', family: 'P', capacity: 1 }, replicasPerPrimary: 1 }), ...data } } },
    }) as unknown as Evidence;

  it('a cache Azure reports as Updating now points at a failover during the update', () => {
    const signals = azureSignals(evidence({ provisioningState: 'Updating' }));
    expect(signals).toEqual(
      expect.arrayContaining([expect.objectContaining({ cause: 'replication', check: 'azure.resource', weight: 0.3, summary: expect.stringContaining('Azure reports cache-1 as Updating now') })]),
    );
    expect(azureSignals(evidence({ provisioningState: 'Succeeded' }))).toEqual([]);
  });

  it('an Azure Managed Redis cluster with high availability off has no replica: no failover can lose writes', () => {
    const amr = redisEnterpriseSettings('amr', { sku: { name: 'Balanced_B5' }, properties: { highAvailability: 'Disabled', provisioningState: 'Updating' } }, { properties: { evictionPolicy: 'NoEviction', notifyKeyspaceEvents: '' } });
    const signals = azureSignals(evidence(amr as unknown as Record<string, unknown>));
    expect(signals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ cause: 'replication', weight: -1, rulesOut: true }),
        expect.objectContaining({ cause: 'instance-failure', weight: 0.5, summary: expect.stringContaining('with no replica, every node it restarts comes back empty') }),
      ]),
    );
  });
});

describe('activity log', () => {
  it('classifies the operations that change the data', () => {
    const ops = [
      'Microsoft.Cache/redis/flush/action',
      'Microsoft.Cache/redisEnterprise/databases/flush/action',
      'Microsoft.Cache/redis/forceReboot/action',
      'Microsoft.Cache/redis/import/action',
      'Microsoft.Cache/redis/write',
      'Microsoft.Cache/redis/firewallRules/write',
      'Microsoft.Cache/redis/listKeys/action',
      'Microsoft.ResourceHealth/healthevent/Activated/action',
    ];
    expect(ops.map((op) => classifyOperation(op, 'Administrative'))).toEqual(['flush', 'flush', 'reboot', 'import', 'write', 'other', 'other', 'health']);
  });

  it('classifies Azure Managed Redis database operations: geo-replication unlink and relink, import, export, settings', () => {
    const ops = [
      'Microsoft.Cache/redisEnterprise/databases/forceUnlink/action',
      'Microsoft.Cache/redisEnterprise/databases/forceLinkToReplicationGroup/action',
      'Microsoft.Cache/redisEnterprise/databases/import/action',
      'Microsoft.Cache/redisEnterprise/databases/export/action',
      'Microsoft.Cache/redisEnterprise/databases/write',
      'Microsoft.Cache/redisEnterprise/databases/listKeys/action',
    ];
    expect(ops.map((op) => classifyOperation(op, 'Administrative'))).toEqual(['force-unlink', 'force-link', 'import', 'export', 'write', 'other']);
  });

  it('merges Started and Succeeded of one operation into one event at its start, keeping the outcome', () => {
    const event = (status: string, at: string) => ({
      operationName: { value: 'Microsoft.Cache/redis/flush/action' },
      eventTimestamp: new Date(at),
      caller: 'a@example.com',
      status: { value: status },
      correlationId: 'c-1',
    });
    expect(activityEvents([event('Succeeded', '2026-11-26T05:30:20Z'), event('Started', '2026-11-26T05:30:00Z')])).toEqual([
      { operation: 'Microsoft.Cache/redis/flush/action', kind: 'flush', at: '2026-11-26T05:30:00.000Z', caller: 'a@example.com', status: 'Succeeded' },
    ]);
  });
});
