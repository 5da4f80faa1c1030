// Turns the answer to "which cache?" into what the checks connect to: a URL as typed, or a cache from the caches file.
// Every surface and command resolves its target here (walk, diagnose, Slack, watch, record).
import { createAzureContext, type AzureAccess } from '../azure/context.ts';
import { loginEndpoint, type RedisAuth } from '../azure/redis-login.ts';
import type { AzureContext, AzureTarget } from '../azure/types.ts';
import type { Tier } from '../domain/query.ts';
import { findCache, loadCaches, resolveCacheUrl, type CacheConfig, type CachesResult } from '../config/caches.ts';
import type { Config } from '../config/env.ts';
import { redact } from '../redact.ts';
import { openGateway } from '../redis/connection.ts';
import { describeEndpoint, parseRedisUrl, type RedisEndpoint } from '../redis/url.ts';
import { parseTarget } from '../runbook/formats.ts';

export interface ResolvedTarget {
  redisUrl: string;
  /** The caches file's `auth` for a named cache; for a typed URL, `entra` when the command was started with --entra. */
  auth: RedisAuth;
  /** The cache's name when it came from the caches file. */
  cache: string | null;
  azure: AzureTarget | null;
  /** The tier the caches file gives the cache, when it does. */
  tier: Tier | null;
  /** The application's db the caches file gives the cache; null for a typed URL. */
  db: number | null;
  /** The caches file's `cluster.hosts` for the cache; empty for a typed URL. */
  clusterHosts: readonly string[];
}

export type TargetResult = { ok: true; target: ResolvedTarget } | { ok: false; reason: string };

/** Where a cache name is looked up, and how a typed URL signs in. */
export interface TargetSource extends Pick<Config, 'cachesPath' | 'secrets'> {
  /** The caches file as already loaded (Slack loads it at start); read from `cachesPath` when absent. */
  caches?: CachesResult;
  /** How to sign in to a typed URL (`--entra`); null where only named caches are accepted (Slack: no URL in a channel). */
  urlAuth?: RedisAuth | null;
}

/** A cache of the caches file as a target: its URL read from its environment variable when it has one. */
export function targetOfCache(cache: CacheConfig, secrets: NodeJS.ProcessEnv): TargetResult {
  const url = resolveCacheUrl(cache, secrets);
  if (!url.ok) return { ok: false, reason: url.reason };
  return {
    ok: true,
    target: { redisUrl: url.url, auth: cache.auth, cache: cache.name, azure: cache.azure, tier: cache.tier, db: cache.db, clusterHosts: cache.clusterHosts },
  };
}

export async function resolveTarget(answer: string, source: TargetSource): Promise<TargetResult> {
  const parsed = parseTarget(answer);
  if (!parsed.ok) return { ok: false, reason: parsed.message };
  const urlAuth = source.urlAuth === undefined ? 'key' : source.urlAuth;
  if (parsed.target.kind === 'url') {
    if (urlAuth === null) return { ok: false, reason: 'Give the name of a cache from the caches file; an address with its key stays out of the channel.' };
    return { ok: true, target: { redisUrl: parsed.target.url, auth: urlAuth, cache: null, azure: null, tier: null, db: null, clusterHosts: [] } };
  }
  const name = parsed.target.name;
  const path = source.cachesPath;
  const caches = source.caches ?? (await loadCaches(path));
  const orUrl = urlAuth === null ? '' : ', or a redis:// URL';
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
    return { ok: false, reason: `No cache named “${name}” in ${path} (it has: ${known}). Give one of those${orUrl}.` };
  }
  return targetOfCache(cache, source.secrets);
}

/**
 * The cache of the caches file at this host:port, when one is: a URL someone typed is the same cache as the name the
 * file gives it (one identity: its record, its alerts). Caches whose URL cannot be read here are passed over.
 */
export function cacheAtAddress(caches: readonly CacheConfig[], secrets: NodeJS.ProcessEnv, address: string): CacheConfig | undefined {
  const wanted = address.toLowerCase();
  return caches.find((cache) => cacheAddress(cache, secrets)?.toLowerCase() === wanted);
}

/** A cache's host:port from its URL; null when the URL cannot be read here. */
export function cacheAddress(cache: CacheConfig, secrets: NodeJS.ProcessEnv): string | null {
  const url = resolveCacheUrl(cache, secrets);
  if (!url.ok) return null;
  const parsed = parseRedisUrl(url.url);
  return parsed.ok ? describeEndpoint(parsed.endpoint) : null;
}

/** The failure of a connection to the cache, in the one wording every surface uses. */
export type TargetFailure =
  | { kind: 'invalid-url'; endpoint: null; reason: string }
  | { kind: 'unreachable' | 'auth'; endpoint: string; reason: string };

/**
 * "The cache orders at host:6380 could not be reached: …": the one sentence for a cache that does not answer, refuses
 * the credentials or has a URL that cannot be used; `cache` is the caches file's name when there is one.
 */
export function targetFailureSentence(failure: TargetFailure, cache: string | null): string {
  const reason = redact(failure.reason);
  if (failure.kind === 'invalid-url') return `${cache ? `The URL configured for ${cache}` : 'The cache URL'} cannot be used: ${reason}`;
  const what = failure.kind === 'auth' ? 'refused the credentials' : 'could not be reached';
  return `The cache ${cache ? `${cache} ` : ''}at ${failure.endpoint} ${what}: ${reason}`;
}

export type SignedIn =
  | { ok: true; endpoint: RedisEndpoint; azure: AzureContext | null }
  | { ok: false; kind: 'invalid-url' | 'auth'; sentence: string };

/**
 * The endpoint to connect to with its sign-in done (a Microsoft Entra token fetched for `entra`), and the Azure
 * context of its resource when it has one that can be read; a failure is the one sentence.
 */
export async function signIn(target: ResolvedTarget, azure: AzureAccess): Promise<SignedIn> {
  const login = await loginEndpoint(target.redisUrl, target.auth, () => azure.credential());
  if (!login.ok) return { ok: false, kind: login.kind, sentence: targetFailureSentence(login, target.cache) };
  const context = target.azure ? createAzureContext(target.azure, azure) : null;
  return { ok: true, endpoint: login.endpoint, azure: context?.ok ? context.context : null };
}

/**
 * The target an answer names, and whether it answers, asked the moment the answer is given (resolve, sign in,
 * connect, PING): a typo in the port is said at the first question, in the words the checks would use, not six
 * answers later. The walkthrough asks it of a typed answer, walk of a flag.
 */
export async function reachTarget(answer: string, source: TargetSource, azure: AzureAccess): Promise<ReachResult> {
  const resolved = await resolveTarget(answer, source);
  if (!resolved.ok) return { ok: false, kind: 'target', reason: redact(resolved.reason) };
  const signed = await signIn(resolved.target, azure);
  if (!signed.ok) return { ok: false, kind: signed.kind, reason: signed.sentence };
  const opened = await openGateway(signed.endpoint, { connectTimeoutMs: REACH_TIMEOUT_MS });
  if (!opened.ok) return { ok: false, kind: opened.kind, reason: targetFailureSentence(opened, resolved.target.cache) };
  opened.gateway.close();
  return resolved;
}

/**
 * Whether the target answers; on failure, what failed: the answer names no usable target (`target`, `invalid-url`:
 * the input is wrong), or the cache did not answer or refused the credentials (`unreachable`, `auth`).
 */
export type ReachResult = { ok: true; target: ResolvedTarget } | { ok: false; kind: 'target' | 'invalid-url' | 'unreachable' | 'auth'; reason: string };

const REACH_TIMEOUT_MS = 5_000;
