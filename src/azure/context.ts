// Builds what the Azure checks need from a cache's Azure target and the environment.
import type { AzureContext, AzureTarget } from './types.ts';
import { parseCacheResourceId, parseRegion } from './resource-id.ts';
import { azureCredential } from './credential.ts';

export const NO_AZURE_TARGET =
  'no Azure resource configured (set azure.resourceId/region for the cache, or pass --azure-resource and --azure-region)';

/**
 * Env overrides, for sovereign clouds and tests (production leaves them unset):
 * - KEYLOSS_AZURE_METRICS_ENDPOINT: metrics endpoint instead of https://<region>.metrics.monitor.azure.com
 * - KEYLOSS_AZURE_ARM_ENDPOINT: Resource Manager endpoint (and token audience) instead of https://management.azure.com
 * - KEYLOSS_AZURE_TEST_TOKEN: FOR TESTS ONLY, a fixed bearer token instead of DefaultAzureCredential
 */
export function createAzureContext(
  target: AzureTarget | null,
  env: NodeJS.ProcessEnv = process.env,
): { ok: true; context: AzureContext } | { ok: false; reason: string } {
  if (!target || (!target.resourceId && !target.region)) return { ok: false, reason: NO_AZURE_TARGET };
  const resource = parseCacheResourceId(target.resourceId ?? '');
  if (!resource.ok) return resource;
  if (!target.region) return { ok: false, reason: `no Azure region configured for ${resource.resource.name} (set azure.region, or pass --azure-region)` };
  const region = parseRegion(target.region);
  if (!region.ok) return region;

  const endpoints: { metrics?: string; arm?: string } = {};
  for (const [name, key] of [
    ['KEYLOSS_AZURE_METRICS_ENDPOINT', 'metrics'],
    ['KEYLOSS_AZURE_ARM_ENDPOINT', 'arm'],
  ] as const) {
    const value = env[name]?.trim();
    if (!value) continue;
    const url = parseHttpsUrl(value);
    if (!url) return { ok: false, reason: `${name} "${value}" is not an https:// URL` };
    endpoints[key] = url;
  }

  const credential = azureCredential(env);
  return {
    ok: true,
    context: {
      target: { resourceId: resource.resource.id, region: region.region },
      credential,
      ...(Object.keys(endpoints).length ? { endpoints } : {}),
    },
  };
}

function parseHttpsUrl(value: string): string | null {
  try {
    const url = new URL(value);
    // Bearer tokens go only over TLS; the SDK refuses plain http anyway.
    return url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}
