import { describe, expect, it } from 'vitest';
import { createAzureContext, NO_AZURE_ACCESS, NO_AZURE_TARGET } from '../../src/azure/context.ts';
import { loadConfig } from '../../src/config/env.ts';
import { azureAccessOf } from '../../src/config/deps.ts';
import { StaticTokenCredential } from '../support/azure-credential.ts';
import { parseCacheResourceId } from '../../src/azure/resource-id.ts';
import { redact } from '../../src/redact.ts';
import { summarizeCredentialFailure } from '../../src/azure/credential.ts';

const ID = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-cache/providers/Microsoft.Cache/Redis/cache-1';

describe('parseCacheResourceId', () => {
  it('reads subscription, group, kind and name, whatever the casing and slashes', () => {
    expect(parseCacheResourceId(`${ID.slice(1)}/`)).toEqual({
      ok: true,
      resource: { id: ID, subscriptionId: '11111111-2222-3333-4444-555555555555', resourceGroup: 'rg-cache', kind: 'redis', name: 'cache-1' },
    });
    const amr = parseCacheResourceId(ID.replace('Redis/cache-1', 'redisEnterprise/amr-1'));
    expect(amr.ok && amr.resource.kind).toBe('redisEnterprise');
  });

  it('says what is wrong with an id that is not a cache', () => {
    const storage = parseCacheResourceId(ID.replace('Microsoft.Cache/Redis', 'Microsoft.Storage/storageAccounts'));
    expect(storage).toMatchObject({ ok: false });
    expect(!storage.ok && storage.reason).toContain('expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Cache/redis/<name>');
    const badSub = parseCacheResourceId(ID.replace('11111111-2222-3333-4444-555555555555', 'my-sub'));
    expect(!badSub.ok && badSub.reason).toContain('subscription "my-sub" is not a GUID');
    const nested = parseCacheResourceId(`${ID}/firewallRules/office`);
    expect(nested.ok).toBe(false);
  });
});

/** Azure access as a command builds it from this environment, with a credential that must not be used. */
function accessFrom(env: NodeJS.ProcessEnv) {
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(loaded.reason);
  return azureAccessOf(loaded.config, { azureCredential: () => NO_AZURE_ACCESS.credential() });
}

describe('createAzureContext', () => {
  it('explains how to configure Azure when there is no target', () => {
    expect(createAzureContext(null, NO_AZURE_ACCESS)).toEqual({ ok: false, reason: NO_AZURE_TARGET });
    expect(NO_AZURE_TARGET).toBe(
      'no Azure resource configured (set azure.resourceId/region for the cache, or pass --azure-resource and --azure-region)',
    );
  });

  it('rejects a bad resource id, a missing or bad region, and a non-https endpoint', () => {
    expect(createAzureContext({ resourceId: 'cache-1', region: 'westeurope' }, NO_AZURE_ACCESS)).toMatchObject({ ok: false });
    expect(createAzureContext({ resourceId: ID, region: '' }, NO_AZURE_ACCESS)).toEqual({
      ok: false,
      reason: 'no Azure region configured for cache-1 (set azure.region, or pass --azure-region)',
    });
    const region = createAzureContext({ resourceId: ID, region: 'west europe!' }, NO_AZURE_ACCESS);
    expect(!region.ok && region.reason).toContain('expected an Azure region name such as westeurope');
    // A non-https endpoint stops the start, naming the variable (the configuration is parsed once, in src/config/env.ts).
    const http = loadConfig({ KEYLOSS_AZURE_ARM_ENDPOINT: 'http://127.0.0.1:1' });
    expect(http).toEqual({ ok: false, reason: 'the environment is invalid: KEYLOSS_AZURE_ARM_ENDPOINT: expected an https:// URL, got "http://127.0.0.1:1".' });
  });

  it('uses Azure public cloud endpoints by default, and the overrides when set', () => {
    const plain = createAzureContext({ resourceId: ID, region: 'WestEurope' }, NO_AZURE_ACCESS);
    expect(plain.ok && plain.context.target).toEqual({ resourceId: ID, region: 'westeurope' });
    expect(plain.ok && plain.context.endpoints).toBeUndefined();
    const sovereign = createAzureContext(
      { resourceId: ID, region: 'chinanorth3' },
      accessFrom({ KEYLOSS_AZURE_ARM_ENDPOINT: 'https://management.chinacloudapi.cn/', KEYLOSS_AZURE_METRICS_ENDPOINT: 'https://chinanorth3.metrics.monitor.azure.cn' }),
    );
    expect(sovereign.ok && sovereign.context.endpoints).toEqual({ arm: 'https://management.chinacloudapi.cn', metrics: 'https://chinanorth3.metrics.monitor.azure.cn' });
  });

  it('answers with the injected credential, made once and shared, and masks its tokens everywhere', async () => {
    const token = 'fixed-test-token-8c2d1e55';
    let made = 0;
    const access = azureAccessOf({ azureEndpoints: { metrics: null, arm: null } }, {
      azureCredential: () => {
        made += 1;
        return new StaticTokenCredential(token);
      },
    });
    createAzureContext({ resourceId: ID, region: 'westeurope' }, access);
    const created = createAzureContext({ resourceId: ID, region: 'westeurope' }, access);
    expect(made).toBe(1);
    if (!created.ok) throw new Error(created.reason);
    expect((await created.context.credential.getToken('https://management.azure.com/.default'))?.token).toBe(token);
    expect(redact(`Authorization: ${token}`)).toBe('Authorization: ***');
  });
});

describe('summarizeCredentialFailure', () => {
  it("keeps one short clause per credential DefaultAzureCredential tried", () => {
    const message = [
      'ChainedTokenCredential authentication failed.',
      'CredentialUnavailableError: EnvironmentCredential is unavailable. No underlying credential could be used. To troubleshoot, visit https://aka.ms/x.',
      'CredentialUnavailableError: ManagedIdentityCredential: Network unreachable. Message: network_error',
      "CredentialUnavailableError: Azure CLI could not be found. Please visit https://aka.ms/azure-cli and run 'az login'.",
    ].join('\n');
    expect(summarizeCredentialFailure(message)).toBe(
      'EnvironmentCredential is unavailable; ManagedIdentityCredential: Network unreachable; Azure CLI could not be found',
    );
    expect(summarizeCredentialFailure('Please run az login to set up an account')).toBe('Please run az login to set up an account');
  });
});
