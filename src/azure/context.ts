// Builds what the Azure checks need from a cache's Azure target and the process's Azure access.
import type { TokenCredential } from '@azure/core-auth';
import { sharedTokenCredential } from './credential.ts';
import { parseCacheResourceId, parseRegion } from './resource-id.ts';
import type { AzureContext, AzureTarget } from './types.ts';

export const NO_AZURE_TARGET =
  'no Azure resource configured (set azure.resourceId/region for the cache, or pass --azure-resource and --azure-region)';

/**
 * How this process reaches Azure, built once at start from the configuration and passed down: the credential (made
 * on first use, shared by every investigation so tokens are fetched once) and the endpoint overrides for sovereign
 * clouds and tests (KEYLOSS_AZURE_METRICS_ENDPOINT, KEYLOSS_AZURE_ARM_ENDPOINT; null in production).
 */
export interface AzureAccess {
  credential(): TokenCredential;
  endpoints: { metrics: string | null; arm: string | null };
}

export function azureAccess(endpoints: AzureAccess['endpoints'], makeCredential: () => TokenCredential): AzureAccess {
  let credential: TokenCredential | null = null;
  return {
    credential: () => {
      credential ??= sharedTokenCredential(makeCredential());
      return credential;
    },
    endpoints,
  };
}

/** For callers that reach no Azure (benchmarks, tests of the Redis checks): any token request fails, saying why. */
export const NO_AZURE_ACCESS: AzureAccess = azureAccess({ metrics: null, arm: null }, () => ({
  getToken: async () => {
    throw new Error('no Azure credential was given to this process');
  },
}));

/** What the Azure checks need for one cache, or why they cannot run (no resource, a bad id or region). */
export function createAzureContext(
  target: AzureTarget | null,
  access: AzureAccess,
): { ok: true; context: AzureContext } | { ok: false; reason: string } {
  if (!target || (!target.resourceId && !target.region)) return { ok: false, reason: NO_AZURE_TARGET };
  const resource = parseCacheResourceId(target.resourceId ?? '');
  if (!resource.ok) return resource;
  if (!target.region) return { ok: false, reason: `no Azure region configured for ${resource.resource.name} (set azure.region, or pass --azure-region)` };
  const region = parseRegion(target.region);
  if (!region.ok) return region;
  const endpoints = {
    ...(access.endpoints.metrics ? { metrics: access.endpoints.metrics } : {}),
    ...(access.endpoints.arm ? { arm: access.endpoints.arm } : {}),
  };
  return {
    ok: true,
    context: {
      target: { resourceId: resource.resource.id, region: region.region },
      credential: access.credential(),
      ...(Object.keys(endpoints).length ? { endpoints } : {}),
    },
  };
}
