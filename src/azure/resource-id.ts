// Parses and validates an Azure cache resource id: which subscription, group, kind and name it names.
import { z } from 'zod';
import type { AzureResourceKind } from '../domain/azure-evidence.ts';

export interface CacheResourceId {
  /** The id as given, normalised to start with a slash and without a trailing one. */
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  kind: AzureResourceKind;
  name: string;
}

const SUBSCRIPTION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Resource group names: letters, digits, underscores, hyphens, periods and parentheses, up to 90 characters.
const RESOURCE_GROUP = /^[-\w.()]{1,90}$/;
// Cache names: 1–63 letters, digits and hyphens (Azure Managed Redis allows up to 60).
const CACHE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;

const ResourceIdSchema = z
  .string()
  .trim()
  .transform((value, ctx): CacheResourceId => {
    const id = `/${value.replace(/^\/+|\/+$/g, '')}`;
    const parts = id.split('/').slice(1);
    const [subscriptions, subscriptionId, resourceGroups, resourceGroup, providers, namespace, type, name, ...rest] =
      parts;
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (
      subscriptions?.toLowerCase() !== 'subscriptions' ||
      resourceGroups?.toLowerCase() !== 'resourcegroups' ||
      providers?.toLowerCase() !== 'providers' ||
      namespace?.toLowerCase() !== 'microsoft.cache' ||
      rest.length > 0
    ) {
      return fail(
        'expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Cache/redis/<name> (or redisEnterprise/<name>)',
      );
    }
    const kind = type?.toLowerCase() === 'redis' ? 'redis' : type?.toLowerCase() === 'redisenterprise' ? 'redisEnterprise' : null;
    if (!kind) return fail(`resource type "Microsoft.Cache/${type ?? ''}" is not a cache: use redis or redisEnterprise`);
    if (!subscriptionId || !SUBSCRIPTION.test(subscriptionId)) return fail(`subscription "${subscriptionId ?? ''}" is not a GUID`);
    if (!resourceGroup || !RESOURCE_GROUP.test(resourceGroup)) return fail(`resource group "${resourceGroup ?? ''}" is not a valid name`);
    if (!name || !CACHE_NAME.test(name)) return fail(`cache name "${name ?? ''}" is not a valid name`);
    return { id, subscriptionId, resourceGroup, kind, name };
  });

// Lower-case words with digits, as ARM spells regions (westeurope, eastus2, usgovvirginia).
const RegionSchema = z
  .string()
  .trim()
  .transform((r) => r.toLowerCase().replace(/\s+/g, ''))
  .pipe(z.string().regex(/^[a-z][a-z0-9]{2,40}$/, 'expected an Azure region name such as westeurope or eastus2'));

export function parseCacheResourceId(value: string): { ok: true; resource: CacheResourceId } | { ok: false; reason: string } {
  const parsed = ResourceIdSchema.safeParse(value);
  if (parsed.success) return { ok: true, resource: parsed.data };
  return { ok: false, reason: `Azure resource id "${value}" is not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}` };
}

export function parseRegion(value: string): { ok: true; region: string } | { ok: false; reason: string } {
  const parsed = RegionSchema.safeParse(value);
  if (parsed.success) return { ok: true, region: parsed.data };
  return { ok: false, reason: `Azure region "${value}" is not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}` };
}
