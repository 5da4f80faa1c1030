// Answers the runbook's tier question from Azure (the cache's SKU) before anyone is asked, for caches with an Azure resource.
import type { Tier } from '../domain/query.ts';
import { armEndpoint } from './clients.ts';
import { explainAzureError, hostOf } from './errors.ts';
import { readResource } from './resource.ts';
import { parseCacheResourceId } from './resource-id.ts';
import { createAzureContext, type AzureAccess } from './context.ts';
import type { AzureContext, AzureTarget } from './types.ts';

/** Short: the question is asked instead when Azure is slow. */
const TIER_LOOKUP_TIMEOUT_MS = 3_000;

export async function tierFromAzure(
  azure: AzureContext,
  timeoutMs = TIER_LOOKUP_TIMEOUT_MS,
): Promise<{ ok: true; tier: Tier; sku: string } | { ok: false; reason: string }> {
  const parsed = parseCacheResourceId(azure.target.resourceId);
  if (!parsed.ok) return parsed;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const resource = await readResource(azure, parsed.resource, signal);
    if (!resource.tier) return { ok: false, reason: `Azure reports cache ${parsed.resource.name} with SKU ${resource.sku}, which is no tier keyloss knows` };
    return { ok: true, tier: resource.tier, sku: resource.sku };
  } catch (error) {
    const call = { what: `reading the tier of cache ${parsed.resource.name}`, role: 'Reader', host: hostOf(armEndpoint(azure)), resourceId: parsed.resource.id } as const;
    return { ok: false, reason: explainAzureError(error, call, signal) };
  }
}

/** The tier a named cache is known to have: from the caches file, else from its Azure resource; null when neither says. */
export async function knownTier(
  cache: { tier: Tier | null; azure: AzureTarget | null },
  access: AzureAccess,
): Promise<{ tier: Tier; source: 'the caches file' | 'Azure' } | null> {
  if (cache.tier) return { tier: cache.tier, source: 'the caches file' };
  // No resource or no credential, Azure slow or refusing: the question is asked, and the azure.resource check reports why.
  const azure = createAzureContext(cache.azure, access);
  if (!azure.ok) return null;
  const read = await tierFromAzure(azure.context);
  return read.ok ? { tier: read.tier, source: 'Azure' } : null;
}
