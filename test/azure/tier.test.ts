// The tier question answered from Azure: the real ARM client against the HTTPS fake; refusals and silence become reasons.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tierFromAzure } from '../../src/azure/tier.ts';
import { redisResourceId, redisResourceJson, SUBSCRIPTION } from '../support/fake-azure.ts';
import { contextFor, startAzureRig, TEST_TOKEN, type AzureRig } from './support.ts';

const CACHE = redisResourceId('tiered');
let rig: AzureRig;

beforeAll(async () => {
  rig = await startAzureRig();
});

afterAll(async () => {
  await rig?.close();
});

beforeEach(() => {
  rig.fake.faults.arm.length = 0;
  rig.fake.resources.set(CACHE, redisResourceJson(CACHE, { sku: 'Premium' }));
});

describe('tierFromAzure', () => {
  it('reads the tier from the SKU with the test credential', async () => {
    expect(await tierFromAzure(contextFor(rig.fake, CACHE))).toMatchObject({ ok: true, tier: 'premium', sku: expect.stringMatching(/^Premium/) });
    const request = rig.fake.requests.find((r) => r.path.toLowerCase().startsWith(CACHE.toLowerCase()));
    expect(request?.authorization).toBe(`Bearer ${TEST_TOKEN}`);
  });

  it('reads an Azure Managed Redis tier from its redisEnterprise SKU, and names a SKU it does not know instead of guessing', async () => {
    const amr = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-cache/providers/Microsoft.Cache/redisEnterprise/amr-tier`;
    // Our own bodies in the spec's shape: the SKU is the only field the tier is read from.
    rig.fake.resources.set(`${amr}/databases/default`, { properties: { clusteringPolicy: 'EnterpriseCluster' } });
    rig.fake.resources.set(amr, { id: amr, name: 'amr-tier', sku: { name: 'MemoryOptimized_M10' }, properties: { highAvailability: 'Enabled' } });
    expect(await tierFromAzure(contextFor(rig.fake, amr))).toEqual({ ok: true, tier: 'memory-optimized', sku: 'MemoryOptimized_M10' });
    rig.fake.resources.set(amr, { id: amr, name: 'amr-tier', sku: { name: 'ComputeOptimized_X5' } });
    expect(await tierFromAzure(contextFor(rig.fake, amr))).toMatchObject({ ok: true, tier: 'compute-optimized' });
    rig.fake.resources.set(amr, { id: amr, name: 'amr-tier', sku: { name: 'Quantum_Q5' } });
    expect(await tierFromAzure(contextFor(rig.fake, amr))).toEqual({ ok: false, reason: 'Azure reports cache amr-tier with SKU Quantum_Q5, which is no tier keyloss knows' });
  });

  it('names the Reader role on a 403, without the token', async () => {
    rig.fake.faults.arm.push({ status: 403, body: JSON.stringify({ error: { code: 'AuthorizationFailed', message: 'no' } }) });
    const read = await tierFromAzure(contextFor(rig.fake, CACHE));
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.reason).toMatch(/reading the tier of cache tiered .*access denied \(403\).*"Reader" role/);
    expect(read.reason).not.toContain(TEST_TOKEN);
  });

  it('gives up within its timeout when Azure does not answer', async () => {
    rig.fake.faults.arm.push('hang');
    const read = await tierFromAzure(contextFor(rig.fake, CACHE), 300);
    expect(read).toMatchObject({ ok: false, reason: expect.stringMatching(/timed out/) });
  });
});
