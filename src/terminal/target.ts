// Turns the answer to "which cache?" into what the checks connect to: a URL as typed, or a cache from the caches file.
import type { AzureAccess } from '../azure/context.ts';
import { loginEndpoint, type RedisAuth } from '../azure/redis-login.ts';
import type { AzureTarget } from '../azure/types.ts';
import type { Tier } from '../domain/query.ts';
import { findCache, loadCaches, resolveCacheUrl } from '../config/caches.ts';
import { redact } from '../redact.ts';
import { openGateway } from '../redis/connection.ts';
import type { Config } from '../config/env.ts';
import { parseTarget } from '../runbook/formats.ts';

export interface ResolvedTarget {
  redisUrl: string;
  /** The caches file's `auth` for a named cache; for a typed URL, `entra` when the walkthrough was started with --entra. */
  auth: RedisAuth;
  /** The cache's name when it came from the caches file. */
  cache: string | null;
  azure: AzureTarget | null;
  /** The tier the caches file gives the cache, when it does. */
  tier: Tier | null;
  /** The caches file's `cluster.hosts` for the cache; empty for a typed URL. */
  clusterHosts: readonly string[];
}

export type TargetResult = { ok: true; target: ResolvedTarget } | { ok: false; reason: string };

/** Where the caches file is, and the environment its secret references (`urlEnv`) are read from. */
export type TargetConfig = Pick<Config, 'cachesPath' | 'secrets'>;

export async function resolveTarget(answer: string, config: TargetConfig, urlAuth: RedisAuth = 'key'): Promise<TargetResult> {
  const parsed = parseTarget(answer);
  if (!parsed.ok) return { ok: false, reason: parsed.message };
  if (parsed.target.kind === 'url') return { ok: true, target: { redisUrl: parsed.target.url, auth: urlAuth, cache: null, azure: null, tier: null, clusterHosts: [] } };
  const name = parsed.target.name;
  const path = config.cachesPath;
  const caches = await loadCaches(path);
  if (!caches.ok) {
    return {
      ok: false,
      reason: caches.missing
        ? `“${name}” is not a URL, and there is no caches file (${path}) to look it up in. Give a redis:// or rediss:// URL.`
        : caches.reason,
    };
  }
  const cache = findCache(caches.caches, name);
  if (!cache) {
    const known = caches.caches.map((c) => c.name).join(', ') || 'none';
    return { ok: false, reason: `No cache named “${name}” in ${path} (it has: ${known}). Give one of those, or a redis:// URL.` };
  }
  const url = resolveCacheUrl(cache, config.secrets);
  if (!url.ok) return { ok: false, reason: url.reason };
  return { ok: true, target: { redisUrl: url.url, auth: cache.auth, cache: cache.name, azure: cache.azure, tier: cache.tier, clusterHosts: cache.clusterHosts } };
}

/**
 * Whether the cache answers, asked the moment its address is given (connect, sign in, PING): a typo in the port is
 * said at the first question, in the words the checks would use, not six answers later.
 */
export async function reachTarget(target: ResolvedTarget, azure: AzureAccess): Promise<{ ok: true } | { ok: false; reason: string }> {
  const login = await loginEndpoint(target.redisUrl, target.auth, () => azure.credential());
  if (!login.ok) return { ok: false, reason: `The cache URL cannot be used: ${redact(login.reason)}` };
  const opened = await openGateway(login.endpoint, { connectTimeoutMs: REACH_TIMEOUT_MS });
  if (!opened.ok) {
    const what = opened.kind === 'auth' ? 'refused the credentials' : 'could not be reached';
    return { ok: false, reason: `The cache at ${opened.endpoint} ${what}: ${redact(opened.reason)}` };
  }
  opened.gateway.close();
  return { ok: true };
}

const REACH_TIMEOUT_MS = 5_000;
