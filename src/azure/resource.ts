// Reads the cache's own settings from Resource Manager: tier, shards, replicas, eviction policy, persistence, geo-replication.
import { z } from 'zod';
import { createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import type { Tier } from '../domain/query.ts';
import type { AzureContext } from './types.ts';
import type { AzureResourceData } from '../domain/azure-evidence.ts';
import type { CacheResourceId } from './resource-id.ts';
import { armEndpoint, createRedisClient } from './clients.ts';
import { shapeProblem } from './errors.ts';

/** Azure's documented default when a cache's configuration does not name a policy. */
export const AZURE_DEFAULT_POLICY = 'volatile-lru';
/** Resource Manager API version for Microsoft.Cache/redisEnterprise (no SDK for it is installed). */
export const REDIS_ENTERPRISE_API_VERSION = '2024-10-01';

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
});

async function readRedis(azure: AzureContext, resource: CacheResourceId, signal: AbortSignal): Promise<AzureResourceData> {
  const client = createRedisClient(azure, resource.subscriptionId);
  const answer = await client.redis.get(resource.resourceGroup, resource.name, { abortSignal: signal });
  return redisSettings(resource.name, answer);
}

/** Pure: the SDK's RedisResource as the settings the diagnosis reads. */
export function redisSettings(name: string, answer: unknown): AzureResourceData {
  const parsed = RedisResourceSchema.safeParse(answer);
  if (!parsed.success) throw shapeProblem(`reading cache ${name}`, parsed.error);
  const r = parsed.data;
  const tier = tierOfSku(r.sku.name);
  const config = r.redisConfiguration ?? null;
  return {
    kind: 'redis',
    name,
    sku: [r.sku.name, r.sku.family && r.sku.capacity != null ? `${r.sku.family}${r.sku.capacity}` : null].filter(Boolean).join(' '),
    tier,
    // Absent when clustering is off.
    shardCount: r.shardCount ?? 0,
    replicasPerPrimary: r.replicasPerPrimary ?? r.replicasPerMaster ?? (tier === 'basic' ? 0 : 1),
    redisVersion: r.redisVersion ?? null,
    maxmemoryPolicy: config?.maxmemoryPolicy ?? AZURE_DEFAULT_POLICY,
    maxmemoryReserved: config?.maxmemoryReserved ?? null,
    rdbBackupEnabled: config?.rdbBackupEnabled ?? false,
    aofBackupEnabled: config?.aofBackupEnabled ?? false,
    notifyKeyspaceEvents: config?.notifyKeyspaceEvents ?? null,
    geoReplicated: (r.linkedServers ?? []).length > 0,
    unknown: [],
  };
}

export function tierOfSku(sku: string): Tier {
  const name = sku.toLowerCase();
  if (name === 'basic') return 'basic';
  if (name === 'standard') return 'standard';
  if (name === 'premium') return 'premium';
  // Azure Managed Redis (Balanced_B*, MemoryOptimized_M*, ComputeOptimized_X*, FlashOptimized_A*) and Enterprise_E*/EnterpriseFlash_F*.
  return 'enterprise';
}

// ---- Azure Managed Redis (Microsoft.Cache/redisEnterprise): the ARM REST shape, through the same pipeline ----

const EnterpriseClusterSchema = z.object({
  sku: z.object({ name: z.string(), capacity: z.number().nullish() }),
  properties: z
    .object({
      highAvailability: z.string().nullish(),
      redisVersion: z.string().nullish(),
    })
    .nullish(),
});

const EnterpriseDatabaseSchema = z.object({
  properties: z
    .object({
      clusteringPolicy: z.string().nullish(),
      evictionPolicy: z.string().nullish(),
      persistence: z.object({ aofEnabled: z.boolean().nullish(), rdbEnabled: z.boolean().nullish() }).nullish(),
      geoReplication: z
        .object({ linkedDatabases: z.array(z.object({ id: z.string().nullish() })).nullish() })
        .nullish(),
    })
    .nullish(),
});

/**
 * No SDK for redisEnterprise is installed, so the cluster and its one database (`default`) are read as
 * documented ARM JSON, through the Redis client's pipeline (same credential, scope, retries, http client).
 * What that shape does not carry (shard count, reserved memory, keyspace notifications) is reported unknown.
 */
async function readRedisEnterprise(azure: AzureContext, resource: CacheResourceId, signal: AbortSignal): Promise<AzureResourceData> {
  const client = createRedisClient(azure, resource.subscriptionId);
  const get = async (path: string): Promise<unknown> => {
    const url = `${armEndpoint(azure)}${path}?api-version=${REDIS_ENTERPRISE_API_VERSION}`;
    const response = await client.sendRequest(createPipelineRequest({ url, method: 'GET', abortSignal: signal }));
    if (response.status !== 200) {
      const body = response.bodyAsText ?? '';
      const message = safeErrorMessage(body) ?? `HTTP ${response.status}`;
      throw new RestError(message, { statusCode: response.status, response });
    }
    try {
      return JSON.parse(response.bodyAsText ?? '');
    } catch {
      throw new RestError('the answer was not valid JSON', { statusCode: response.status, code: 'PARSE_ERROR' });
    }
  };
  const [cluster, database] = await Promise.all([get(resource.id), get(`${resource.id}/databases/default`)]);
  return redisEnterpriseSettings(resource.name, cluster, database);
}

/** Pure: the redisEnterprise cluster and database JSON as settings. */
export function redisEnterpriseSettings(name: string, clusterJson: unknown, databaseJson: unknown): AzureResourceData {
  const cluster = EnterpriseClusterSchema.safeParse(clusterJson);
  if (!cluster.success) throw shapeProblem(`reading cache ${name}`, cluster.error);
  const database = EnterpriseDatabaseSchema.safeParse(databaseJson);
  if (!database.success) throw shapeProblem(`reading the database of cache ${name}`, database.error);
  const c = cluster.data;
  const db = database.data.properties ?? {};
  const ha = c.properties?.highAvailability;
  const unknown = ['shardCount', 'maxmemoryReserved', 'notifyKeyspaceEvents'];
  if (!ha) unknown.push('replicasPerPrimary');
  if (!db.evictionPolicy) unknown.push('maxmemoryPolicy');
  return {
    kind: 'redisEnterprise',
    name,
    sku: c.sku.capacity != null ? `${c.sku.name} (capacity ${c.sku.capacity})` : c.sku.name,
    tier: 'enterprise',
    shardCount: 0,
    // High availability keeps one replica of every shard; without it there is none.
    replicasPerPrimary: ha && ha.toLowerCase() === 'disabled' ? 0 : 1,
    redisVersion: c.properties?.redisVersion ?? null,
    maxmemoryPolicy: db.evictionPolicy ? redisPolicyName(db.evictionPolicy) : null,
    maxmemoryReserved: null,
    rdbBackupEnabled: db.persistence?.rdbEnabled ?? false,
    aofBackupEnabled: db.persistence?.aofEnabled ?? false,
    notifyKeyspaceEvents: null,
    geoReplicated: (db.geoReplication?.linkedDatabases ?? []).length > 1,
    unknown,
  };
}

/** `VolatileLRU` → `volatile-lru`, `NoEviction` → `noeviction`: the names INFO and the runbooks use. */
export function redisPolicyName(armPolicy: string): string {
  const lower = armPolicy.toLowerCase();
  if (lower === 'noeviction') return 'noeviction';
  const match = /^(allkeys|volatile)[-_]?(.+)$/.exec(lower);
  return match ? `${match[1]}-${match[2]}` : lower;
}

function safeErrorMessage(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof parsed.error?.code === 'string' ? parsed.error.code : null;
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : null;
    return [code, message].filter(Boolean).join(': ') || null;
  } catch {
    return null;
  }
}
