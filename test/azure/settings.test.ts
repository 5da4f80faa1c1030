// Pure mappings: the ARM cache resource as settings, activity-log events as notable operations.
import { describe, expect, it } from 'vitest';
import { activityEvents, classifyOperation } from '../../src/azure/activity.ts';
import { redisEnterpriseSettings, redisPolicyName, redisSettings, tierOfSku } from '../../src/azure/resource.ts';

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

  it('maps SKU names to tiers', () => {
    expect(['Basic', 'standard', 'Premium', 'Balanced_B10', 'Enterprise_E10'].map(tierOfSku)).toEqual(['basic', 'standard', 'premium', 'enterprise', 'enterprise']);
  });
});

describe('redisEnterpriseSettings', () => {
  it('reads a cluster without high availability as having no replica and names ARM policies as Redis does', () => {
    const data = redisEnterpriseSettings('amr', { sku: { name: 'Balanced_B5' }, properties: { highAvailability: 'Disabled' } }, { properties: { evictionPolicy: 'AllKeysLFU' } });
    expect(data).toMatchObject({ replicasPerPrimary: 0, maxmemoryPolicy: 'allkeys-lfu', tier: 'enterprise' });
    expect(['NoEviction', 'VolatileTTL', 'AllKeysRandom'].map(redisPolicyName)).toEqual(['noeviction', 'volatile-ttl', 'allkeys-random']);
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
