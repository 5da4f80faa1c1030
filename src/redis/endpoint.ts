// Recognises the kind of endpoint from its host name and its INFO (pure): the one place that knows what it can tell.
import type { Clustering, EndpointProfile, ServerKind, Service } from '../domain/endpoint.ts';
import type { Info } from '../domain/info.ts';

/** Host-name suffixes of Azure's Redis services (reference/amr-facts.md); sovereign clouds change the suffix. */
const SERVICE_SUFFIXES: Array<[string, Service]> = [
  ['.redis.azure.net', 'azure-managed-redis'],
  ['.redisenterprise.cache.azure.net', 'azure-cache-enterprise'],
  ['.redis.cache.windows.net', 'azure-cache-for-redis'],
  ['.redis.cache.chinacloudapi.cn', 'azure-cache-for-redis'],
  ['.redis.cache.usgovcloudapi.net', 'azure-cache-for-redis'],
];

export function serviceOfHost(host: string): Service | null {
  const name = host.toLowerCase().replace(/\.$/, '');
  return SERVICE_SUFFIXES.find(([suffix]) => name.endsWith(suffix) && name.length > suffix.length)?.[1] ?? null;
}

/**
 * A Redis Enterprise proxy's INFO: no `master_replid` (every open-source Redis and Valkey since 4.0 has one) and a
 * stopped LRU clock or an all-zero build id (test/fixtures/enterprise/README.md).
 */
export function hasEnterpriseShape(info: Info): boolean {
  if (info.replication.master_replid !== undefined) return false;
  const server = info.server as Record<string, string | number | undefined>;
  // The parser keeps untyped fields as numbers when they look like one: an all-zero build id reads as 0.
  return server.lru_clock === 0 || server.redis_build_id === 0;
}

export function recogniseEndpoint(host: string, info: Info, clusterEnabled: boolean): EndpointProfile {
  const because: string[] = [];
  const service = serviceOfHost(host);
  if (service) because.push(`host name ${host}`);
  const server = info.server as Record<string, string | number | undefined>;
  let kind: ServerKind = 'redis';
  let version: string | null = info.server.redis_version ?? null;
  const valkeyVersion = server.valkey_version;
  if (server.server_name === 'valkey' || valkeyVersion !== undefined) {
    kind = 'valkey';
    version = valkeyVersion !== undefined ? String(valkeyVersion) : null;
    because.push(valkeyVersion !== undefined ? `INFO valkey_version:${valkeyVersion}` : 'INFO server_name:valkey');
  } else if (hasEnterpriseShape(info)) {
    kind = 'redis-enterprise';
    because.push(`INFO in Redis Enterprise's shape (${server.lru_clock === 0 ? 'lru_clock:0' : 'an all-zero redis_build_id'}, no master_replid)`);
  } else if (service === 'azure-managed-redis' || service === 'azure-cache-enterprise') {
    kind = 'redis-enterprise';
  }
  const clustering: Clustering = clusterEnabled ? 'oss' : kind === 'redis-enterprise' ? 'proxy' : 'none';
  if (clusterEnabled) because.push('INFO cluster_enabled:1');
  return {
    server: kind,
    version,
    service,
    clustering,
    proxy: kind === 'redis-enterprise',
    oneDatabase: clusterEnabled || kind === 'redis-enterprise',
    because,
  };
}
