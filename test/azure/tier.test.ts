// The tier question answered from Azure: the real ARM client against the HTTPS fake; refusals and silence become reasons.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tierFromAzure } from '../../src/azure/tier.ts';
import { redisResourceId, redisResourceJson } from '../support/fake-azure.ts';
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
