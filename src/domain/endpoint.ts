// What kind of endpoint a target is, and so what its answers can and cannot tell (recognised in src/redis/endpoint.ts).
import { z } from 'zod';

/**
 * The server software answering: open-source Redis, Valkey (which keeps `redis_version:7.2.4` whatever its release),
 * or a Redis Enterprise proxy (Azure Managed Redis, Azure Cache for Redis Enterprise, Redis Cloud).
 */
export const ServerKindSchema = z.enum(['redis', 'valkey', 'redis-enterprise']);
export type ServerKind = z.infer<typeof ServerKindSchema>;

/** The managed service the host name points at; a host name is a hint, ARM is proof (reference/amr-facts.md). */
export const ServiceSchema = z.enum(['azure-cache-for-redis', 'azure-cache-enterprise', 'azure-managed-redis']);
export type Service = z.infer<typeof ServiceSchema>;

/**
 * How keys are spread: `oss` (the client reads CLUSTER SLOTS/NODES and reaches every shard itself; open-source Redis
 * Cluster, AMR's OSSCluster policy), `proxy` (one endpoint routes every key to its shard; AMR's EnterpriseCluster, or
 * NoCluster: ARM's clusteringPolicy tells which), `none` (one server).
 */
export const ClusteringSchema = z.enum(['oss', 'proxy', 'none']);
export type Clustering = z.infer<typeof ClusteringSchema>;

export interface EndpointProfile {
  server: ServerKind;
  /** The server's own release: `valkey_version` for Valkey, `redis_version` otherwise; null when INFO does not say. */
  version: string | null;
  service: Service | null;
  clustering: Clustering;
  /**
   * The endpoint answers through a proxy in front of shards it does not name: its uptime and counter epoch are the
   * proxy's, never a node's, and a shard's restart or failover does not show in them.
   */
  proxy: boolean;
  /** Only db 0 exists (a cluster, or a Redis Enterprise endpoint, which refuses SELECT). */
  oneDatabase: boolean;
  /** How it was recognised, as clauses: "host name *.redis.azure.net", "INFO lru_clock:0 without master_replid". */
  because: string[];
}

export const EndpointProfileSchema: z.ZodType<EndpointProfile> = z.object({
  server: ServerKindSchema,
  version: z.string().nullable(),
  service: ServiceSchema.nullable(),
  clustering: ClusteringSchema,
  proxy: z.boolean(),
  oneDatabase: z.boolean(),
  because: z.array(z.string()),
});

/** Where a shard's restart or failover behind a proxy would show, said wherever the endpoint cannot show it. */
export const PROXY_EVIDENCE_ELSEWHERE = "Azure's activity log and metrics (errors by ErrorType, totalkeys), or a keyloss record of the cache";

/** "Valkey 8.0.1", "Redis 7.4.1", "Redis Enterprise (redis_version 6.2.6)", "Azure Managed Redis (Redis Enterprise …)". */
export function describeServer(profile: EndpointProfile): string {
  const server =
    profile.server === 'valkey'
      ? `Valkey${profile.version ? ` ${profile.version}` : ''}`
      : profile.server === 'redis-enterprise'
        ? `Redis Enterprise${profile.version ? ` (redis_version ${profile.version})` : ''}`
        : `Redis${profile.version ? ` ${profile.version}` : ''}`;
  const service =
    profile.service === 'azure-managed-redis'
      ? 'Azure Managed Redis'
      : profile.service === 'azure-cache-enterprise'
        ? 'Azure Cache for Redis Enterprise'
        : profile.service === 'azure-cache-for-redis'
          ? 'Azure Cache for Redis'
          : null;
  const clustering = profile.clustering === 'oss' ? ', OSS cluster' : profile.clustering === 'proxy' ? ', behind a proxy that routes keys to shards' : '';
  return service ? `${service}: ${server}${clustering}` : `${server}${clustering}`;
}
