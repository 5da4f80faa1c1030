// The connection budget per cache: however many investigations run on however many replicas, keyloss holds at most a
// few connections to one cache. Each running investigation holds a lease (a place of a counted semaphore in the state
// store: the state Redis, shared by every replica, or this process's memory without one); the rest wait their turn.
import { randomUUID } from 'node:crypto';
import type { StateStore } from './store.ts';

/** What one investigation opens to a node at most: db 0 and one connection that SELECTs the other dbs in turn. */
export const CONNECTIONS_PER_INVESTIGATION = 2;
/** KEYLOSS_CACHE_CONNECTIONS' default: two investigations of one cache at a time. */
export const DEFAULT_CACHE_CONNECTIONS = 4;

export interface BudgetSettings {
  /** Connections keyloss may hold to one cache, across every replica (KEYLOSS_CACHE_CONNECTIONS). */
  connections: number;
  /** A lease not renewed for this long is free again (its process died); renewed every third of it. */
  leaseMs: number;
  /** How often a waiting investigation asks again. */
  pollMs: number;
}

export const DEFAULT_BUDGET: BudgetSettings = { connections: DEFAULT_CACHE_CONNECTIONS, leaseMs: 30_000, pollMs: 400 };

export interface ConnectionLease {
  /** Gives the place back; the next waiting investigation takes it. */
  release(): Promise<void>;
}

/** How many investigations of one cache run at once within `connections`: at least one. */
export function investigationsWithin(connections: number): number {
  return Math.max(1, Math.floor(connections / CONNECTIONS_PER_INVESTIGATION));
}

function budgetKey(cache: string): string {
  return `budget:${cache.replace(/[{}]/g, '_')}`;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Waits for a place in `cache`'s budget and holds it (renewed in the background) until released. `onQueued` is
 * called once, when the first attempt finds every place taken. Null when `signal` aborts before a place is free.
 */
export async function acquireConnections(
  store: StateStore,
  cache: string,
  settings: BudgetSettings,
  options: { signal?: AbortSignal; onQueued?: () => Promise<void> } = {},
): Promise<ConnectionLease | null> {
  const key = budgetKey(cache);
  const holder = randomUUID();
  const limit = investigationsWithin(settings.connections);
  let queued = false;
  let failingSince: number | null = null;
  for (;;) {
    if (options.signal?.aborted) return null;
    let held: boolean;
    try {
      held = await store.lease(key, holder, limit, settings.leaseMs);
      failingSince = null;
    } catch (error) {
      // A state Redis slow to answer under load (a command time-out) is asked again; one that stays unreachable for a
      // whole lease fails the investigation, with its reason. The holder id is kept, so a place the lost reply took is
      // this investigation's on the next attempt.
      failingSince ??= Date.now();
      if (Date.now() - failingSince > settings.leaseMs) throw error;
      held = false;
    }
    if (held) break;
    if (!queued) {
      queued = true;
      await options.onQueued?.();
    }
    // Jittered, so replicas that wait for the same cache do not ask in lockstep.
    await pause(settings.pollMs * (0.5 + Math.random()), options.signal);
  }
  const renew = setInterval(() => {
    store.lease(key, holder, limit, settings.leaseMs).catch(() => undefined);
  }, Math.max(50, Math.floor(settings.leaseMs / 3)));
  renew.unref();
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(renew);
      await store.unlease(key, holder).catch(() => undefined);
    },
  };
}
