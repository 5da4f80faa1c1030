// Who may diagnose which cache: the caches file's allow rules, applied to a user in a channel.
import type { CacheConfig } from '../config/caches.ts';

export interface Requester {
  userId: string;
  channelId: string;
  channelName: string | null;
  /** The user groups (ids) the user belongs to, among those the rules name. */
  usergroups: readonly string[];
}

export type Access = { ok: true } | { ok: false; reason: string };

function channelAllowed(cache: CacheConfig, who: Requester): boolean {
  const channels = cache.allow?.channels;
  if (!channels) return true;
  return channels.some((c) => c === who.channelId || (who.channelName !== null && c.replace(/^#/, '') === who.channelName));
}

/** Whether the user may act on this cache (start it, answer its questions), leaving the channel aside. */
export function userAllowed(cache: CacheConfig, who: Requester): boolean {
  const users = cache.allow?.users;
  const groups = cache.allow?.usergroups;
  if (!users && !groups) return true;
  return (users ?? []).includes(who.userId) || (groups ?? []).some((g) => who.usergroups.includes(g));
}

export function mayDiagnose(cache: CacheConfig, who: Requester): Access {
  if (!channelAllowed(cache, who)) {
    return { ok: false, reason: `${cache.name} may not be diagnosed from this channel. Ask in a channel the caches file allows for it.` };
  }
  if (!userAllowed(cache, who)) {
    return { ok: false, reason: `You are not on the list of people who may diagnose ${cache.name}. Ask its owners to add you to the caches file.` };
  }
  return { ok: true };
}

/** The user groups any of these caches name, so membership is looked up once. */
export function namedUsergroups(caches: readonly CacheConfig[]): string[] {
  return [...new Set(caches.flatMap((c) => c.allow?.usergroups ?? []))];
}
