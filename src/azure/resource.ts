// Reads the cache's own settings from Resource Manager: tier, shards, replicas, eviction policy, persistence, geo-replication.
import { z } from 'zod';
import { tierOfName, type Tier } from '../domain/query.ts';
import type { AzureContext } from './types.ts';
import type { AzureResourceData } from '../domain/azure-evidence.ts';
import type { CacheResourceId } from './resource-id.ts';
import { armEndpoint, createRedisClient } from './clients.ts';
import { shapeProblem } from './errors.ts';

/** Azure's documented default when a cache's configuration does not name a policy. */
export const AZURE_DEFAULT_POLICY = 'volatile-lru';

export async function readResource(azure: AzureContext, resource: CacheResourceId, signal: AbortSignal): Promise<AzureResourceData> {
  return resource.kind === 'redis' ? readRedis(azure, resource, signal) : readRedisEnterprise(azure, resource, signal);
}

// ---- Azure Cache for Redis (Microsoft.Cache/redis), through @azure/arm-rediscache ----

const boolString = z
  .union([z.string(), z.boolean()])
  .nullish()
  .transform((v) => v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true'));

const RedisResourceSchema = z.object({
  sku: z.object({ name: z.string(), family: z.string().nullish(), capacity: z.number().nullish() }),
  provisioningState: z.string().nullish(),
  zones: z.array(z.string()).nullish(),
  shardCount: z.number().int().nonnegative().nullish(),
  replicasPerPrimary: z.number().int().nonnegative().nullish(),
  replicasPerMaster: z.number().int().nonnegative().nullish(),
  redisVersion: z.string().nullish(),
  redisConfiguration: z
    .object({
      maxmemoryPolicy: z.string().nullish(),
      maxmemoryReserved: z.string().nullish(),
      rdbBackupEnabled: boolString,
      aofBackupEnabled: boolString,
      notifyKeyspaceEvents: z.string().nullish(),
    })
    .nullish(),
  linkedServers: z.array(z.object({ id: z.string().nullish() })).nullish(),
  // Every node of the cache: its shard (absent when not clustered), zone and role.
  instances: z
    .array(
      z.object({
        shardId: z.number().int().nonnegative().nullish(),
        zone: z.string().nullish(),
        isPrimary: z.boolean().nullish(),
        isMaster: z.boolean().nullish(),
      }),
    )
    .nullish(),
});

type RedisInstance = NonNullable<z.infer<typeof RedisResourceSchema>['instances']>[number];

async function readRedis(azure: AzureContext, resource: CacheResourceId, signal: AbortSignal): Promise<AzureResourceData> {
  const client = await createRedisClient(azure, resource.subscriptionId);
  const answer = await client.redis.get(resource.resourceGroup, resource.name, { abortSignal: signal });
  return redisSettings(resource.name, answer);
}

/**
 * Shards: `shardCount` is left out by Azure on some answers of clustered caches (a create's 200), so the
 * shard ids of `instances` count too; instances without a shard id belong to a cache that is not clustered.
 */
export function shardsOf(shardCount: number | null | undefined, instances: RedisInstance[]): number {
  const ids = new Set(instances.flatMap((i) => (i.shardId == null ? [] : [i.shardId])));
  return Math.max(shardCount ?? 0, ids.size);
}

/** Replicas per primary counted from the nodes: the fewest any shard has, since that shard is the one a failover can empty. */
export function replicasFromInstances(instances: RedisInstance[]): number | null {
  const byShard = new Map<number, { primaries: number; replicas: number }>();
  for (const i of instances) {
    const primary = i.isPrimary ?? i.isMaster;
    if (primary == null) return null;
    const shard = byShard.get(i.shardId ?? 0) ?? { primaries: 0, replicas: 0 };
    if (primary) shard.primaries += 1;
    else shard.replicas += 1;
    byShard.set(i.shardId ?? 0, shard);
  }
  const shards = [...byShard.values()].filter((s) => s.primaries > 0);
  return shards.length ? Math.min(...shards.map((s) => s.replicas)) : null;
}

function distinct(values: Array<string | null | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))].sort();
}

/** Pure: the SDK's RedisResource as the settings the diagnosis reads. */
export function redisSettings(name: string, answer: unknown): AzureResourceData {
  const parsed = RedisResourceSchema.safeParse(answer);
  if (!parsed.success) throw shapeProblem(`reading cache ${name}`, parsed.error);
  const r = parsed.data;
  const tier = tierOfSku(r.sku.name);
  const config = r.redisConfiguration ?? null;
  const instances = r.instances ?? [];
  const unknown: string[] = [];
  const unknownReasons: Record<string, string> = {};
  // The configured count first; else what the nodes show; else what the tier is by design (Basic: one node, Standard: a primary and a replica).
  const replicas =
    r.replicasPerPrimary ?? r.replicasPerMaster ?? replicasFromInstances(instances) ?? (tier === 'basic' ? 0 : tier === 'standard' ? 1 : null);
  if (replicas === null) {
    unknown.push('replicasPerPrimary');
    unknownReasons.replicasPerPrimary = 'Azure reported neither replicasPerPrimary nor the roles of the cache\'s nodes';
  }
  const instanceZones = distinct(instances.map((i) => i.zone));
  return {
    kind: 'redis',
    name,
    sku: [r.sku.name, r.sku.family && r.sku.capacity != null ? `${r.sku.family}${r.sku.capacity}` : null].filter(Boolean).join(' '),
    tier,
    shardCount: shardsOf(r.shardCount, instances),
    replicasPerPrimary: replicas ?? 0,
    redisVersion: r.redisVersion ?? null,
    maxmemoryPolicy: config?.maxmemoryPolicy ?? AZURE_DEFAULT_POLICY,
    maxmemoryReserved: config?.maxmemoryReserved ?? null,
    rdbBackupEnabled: config?.rdbBackupEnabled ?? false,
    aofBackupEnabled: config?.aofBackupEnabled ?? false,
    notifyKeyspaceEvents: config?.notifyKeyspaceEvents ?? null,
    geoReplicated: (r.linkedServers ?? []).length > 0,
    unknown,
    ...(unknown.length ? { unknownReasons } : {}),
    provisioningState: r.provisioningState ?? null,
    zones: instanceZones.length ? instanceZones : distinct(r.zones ?? []),
    clusteringPolicy: null,
  };
}

/**
 * The tier of an ARM SKU name: Basic, Standard, Premium (Microsoft.Cache/redis); Enterprise_E*, EnterpriseFlash_F*
 * and Azure Managed Redis's Balanced_B*, MemoryOptimized_M*, ComputeOptimized_X*, FlashOptimized_A*
 * (Microsoft.Cache/redisEnterprise). A SKU Azure adds later is no tier keyloss knows: null, never a guess.
 */
export function tierOfSku(sku: string): Tier | null {
  return tierOfName(sku);
}

// ---- Azure Managed Redis (Microsoft.Cache/redisEnterprise): the ARM REST shape, through the same pipeline ----

/**
 * The newest stable redisEnterprise api-version in Azure/azure-rest-api-specs; the first with
 * `highAvailability` on the cluster was 2025-04-01 (2024-10-01 has none). The npm SDK
 * (@azure/arm-redisenterprisecache 2.2.0) is pinned to 2022-01-01, so the REST shape is read directly.
 */
export const REDIS_ENTERPRISE_API_VERSION = '2026-09-01';

const EnterpriseClusterSchema = z.object({
  sku: z.object({ name: z.string(), capacity: z.number().nullish() }),
  zones: z.array(z.string()).nullish(),
  properties: z
    .object({
      highAvailability: z.string().nullish(),
      provisioningState: z.string().nullish(),
      redisVersion: z.string().nullish(),
    })
    .nullish(),
});

const EnterpriseDatabaseSchema = z.object({
  properties: z
    .object({
      clusteringPolicy: z.string().nullish(),
      provisioningState: z.string().nullish(),
      evictionPolicy: z.string().nullish(),
      notifyKeyspaceEvents: z.string().nullish(),
      persistence: z.object({ aofEnabled: z.boolean().nullish(), rdbEnabled: z.boolean().nullish() }).nullish(),
      geoReplication: z
        .object({ linkedDatabases: z.array(z.object({ id: z.string().nullish() })).nullish() })
        .nullish(),
    })
    .nullish(),
});

/**
 * The cluster and its one database (`default`) are read as documented ARM JSON, through the Redis
 * client's pipeline (same credential, scope, retries, http client). What that shape does not carry
 * (shard count, reserved memory) is reported unknown, with the reason.
 * A cloud or region that does not serve REDIS_ENTERPRISE_API_VERSION yet (sovereign clouds lag) says so
 * with a 400 listing the versions it does serve: the newest stable one of those is asked once instead.
 */
async function readRedisEnterprise(azure: AzureContext, resource: CacheResourceId, signal: AbortSignal): Promise<AzureResourceData> {
  const client = await createRedisClient(azure, resource.subscriptionId);
  const { createPipelineRequest, RestError } = await import('@azure/core-rest-pipeline');
  const get = async (path: string, apiVersion: string): Promise<unknown> => {
    const url = `${armEndpoint(azure)}${path}?api-version=${apiVersion}`;
    const response = await client.sendRequest(createPipelineRequest({ url, method: 'GET', abortSignal: signal }));
    if (response.status !== 200) {
      const body = response.bodyAsText ?? '';
      const error = armError(body);
      const message = [error.code, error.message].filter(Boolean).join(': ') || `HTTP ${response.status}`;
      throw new RestError(message, { statusCode: response.status, response, ...(error.code ? { code: error.code } : {}) });
    }
    try {
      return JSON.parse(response.bodyAsText ?? '');
    } catch {
      throw new RestError('the answer was not valid JSON', { statusCode: response.status, code: 'PARSE_ERROR' });
    }
  };
  const read = (apiVersion: string) => Promise.all([get(resource.id, apiVersion), get(`${resource.id}/databases/default`, apiVersion)]);
  let apiVersion = REDIS_ENTERPRISE_API_VERSION;
  let answers: unknown[];
  try {
    answers = await read(apiVersion);
  } catch (error) {
    const older = error instanceof RestError && error.statusCode === 400 ? servedApiVersion(error.message, REDIS_ENTERPRISE_API_VERSION) : null;
    if (!older) throw error;
    apiVersion = older;
    answers = await read(apiVersion);
  }
  return redisEnterpriseSettings(resource.name, answers[0], answers[1], apiVersion);
}

/**
 * The api-version to ask instead, from ARM's refusal of ours (NoRegisteredProviderFound: "… The supported
 * api-versions are '2021-03-01, …'", InvalidApiVersionParameter: "… The supported versions are '…'"):
 * the newest stable version older than `wanted`; null when the refusal is not about the api-version.
 */
export function servedApiVersion(message: string, wanted: string): string | null {
  if (!/NoRegisteredProviderFound|InvalidApiVersionParameter|InvalidResourceType/i.test(message)) return null;
  const listed = /supported (?:api-)?versions are '([^']+)'/i.exec(message)?.[1] ?? '';
  const stable = listed
    .split(',')
    .map((v) => v.trim())
    .filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && v < wanted)
    .sort();
  return stable.pop() ?? null;
}

/** Pure: the redisEnterprise cluster and database JSON as settings. */
export function redisEnterpriseSettings(name: string, clusterJson: unknown, databaseJson: unknown, apiVersion = REDIS_ENTERPRISE_API_VERSION): AzureResourceData {
  const cluster = EnterpriseClusterSchema.safeParse(clusterJson);
  if (!cluster.success) throw shapeProblem(`reading cache ${name}`, cluster.error);
  const database = EnterpriseDatabaseSchema.safeParse(databaseJson);
  if (!database.success) throw shapeProblem(`reading the database of cache ${name}`, database.error);
  const c = cluster.data;
  const db = database.data.properties ?? {};
  const ha = c.properties?.highAvailability?.toLowerCase() ?? null;
  const unknownReasons: Record<string, string> = {
    shardCount: 'Azure Managed Redis does not report its shard count',
    maxmemoryReserved: 'Azure Managed Redis has no maxmemory-reserved setting',
  };
  if (ha !== 'enabled' && ha !== 'disabled') {
    unknownReasons.replicasPerPrimary = `Azure did not report highAvailability for the cluster (api-version ${apiVersion})${c.properties?.highAvailability ? `: "${c.properties.highAvailability}"` : ''}`;
  }
  if (!db.evictionPolicy) unknownReasons.maxmemoryPolicy = 'Azure did not report the database\'s evictionPolicy';
  if (db.notifyKeyspaceEvents == null) unknownReasons.notifyKeyspaceEvents = 'Azure did not report the database\'s notifyKeyspaceEvents';
  const unknown = Object.keys(unknownReasons);
  const policy = db.clusteringPolicy ?? null;
  return {
    kind: 'redisEnterprise',
    name,
    sku: c.sku.capacity != null ? `${c.sku.name} (capacity ${c.sku.capacity})` : c.sku.name,
    tier: tierOfSku(c.sku.name),
    shardCount: 0,
    // High availability keeps one replica of every shard; without it there is none. Unknown reads as 1 only where `unknown` says so.
    replicasPerPrimary: ha === 'disabled' ? 0 : 1,
    redisVersion: c.properties?.redisVersion ?? null,
    maxmemoryPolicy: db.evictionPolicy ? redisPolicyName(db.evictionPolicy) : null,
    maxmemoryReserved: null,
    rdbBackupEnabled: db.persistence?.rdbEnabled ?? false,
    aofBackupEnabled: db.persistence?.aofEnabled ?? false,
    notifyKeyspaceEvents: db.notifyKeyspaceEvents ?? null,
    // The database lists itself among its linked databases.
    geoReplicated: (db.geoReplication?.linkedDatabases ?? []).length > 1,
    unknown,
    unknownReasons,
    // The cluster and its database each have a state; whichever is not Succeeded says what is going on.
    provisioningState: [c.properties?.provisioningState, db.provisioningState].find((p) => p && p.toLowerCase() !== 'succeeded') ?? c.properties?.provisioningState ?? null,
    zones: distinct(c.zones ?? []),
    clusteringPolicy: policy,
  };
}

/** `VolatileLRU` → `volatile-lru`, `NoEviction` → `noeviction`: the names INFO and the runbooks use. */
export function redisPolicyName(armPolicy: string): string {
  const lower = armPolicy.toLowerCase();
  if (lower === 'noeviction') return 'noeviction';
  const match = /^(allkeys|volatile)[-_]?(.+)$/.exec(lower);
  return match ? `${match[1]}-${match[2]}` : lower;
}

/** ARM's error code and message from a refusal's body; empty when the body is not ARM's error JSON. */
function armError(body: string): { code: string | null; message: string | null } {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    return {
      code: typeof parsed.error?.code === 'string' ? parsed.error.code : null,
      message: typeof parsed.error?.message === 'string' ? parsed.error.message : null,
    };
  } catch {
    return { code: null, message: null };
  }
}
