// Opens where state lives, as the configuration says: keyloss's own Redis when STATE_REDIS_URL is set, memory otherwise.
import { MemoryStateStore } from './memory.ts';
import { openRedisStateStore } from './redis.ts';
import type { OnUnreadable, StateStore } from './store.ts';

export type { StateStore } from './store.ts';

export interface OpenedState {
  store: StateStore;
  /** One line for the start-up log, without secrets: "memory (this process only)" or "Redis at host:port, prefix keyloss:" ("Redis Cluster at …"). */
  description: string;
  shared: boolean;
}

/** STATE_REDIS_URL and KEYLOSS_STATE_PREFIX, as parsed in src/config/env.ts. */
export interface StateSettings {
  url: string | null;
  prefix: string;
  /** Where the URL came from when not STATE_REDIS_URL (`--state`), to name it in a failure. */
  source?: string;
}

export type OpenStateResult = { ok: true; state: OpenedState } | { ok: false; reason: string };

/**
 * keyloss's own Redis when the configuration names one (STATE_REDIS_URL, never a diagnosed cache), memory otherwise.
 * `onUnreadable` hears once of each stored record that is malformed or oversized (removed, read as absent); default stderr.
 */
export async function openStateStore(settings: StateSettings, onUnreadable?: OnUnreadable): Promise<OpenStateResult> {
  if (!settings.url) return { ok: true, state: { store: new MemoryStateStore(Date.now, onUnreadable), description: 'memory (this process only)', shared: false } };
  const opened = await openRedisStateStore(settings.url, { prefix: settings.prefix, ...(onUnreadable ? { onUnreadable } : {}) });
  if (!opened.ok) return opened;
  return {
    ok: true,
    state: { store: opened.store, description: `${opened.store.cluster ? 'Redis Cluster' : 'Redis'} at ${opened.store.address}, prefix ${settings.prefix}`, shared: true },
  };
}
