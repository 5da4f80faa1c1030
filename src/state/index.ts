// Chooses where state lives from the environment: keyloss's own Redis when STATE_REDIS_URL is set, memory otherwise.
import { hostname } from 'node:os';
import { MemoryStateStore } from './memory.ts';
import { DEFAULT_STATE_PREFIX, openRedisStateStore } from './redis.ts';
import type { StateStore } from './store.ts';

export type { StateStore } from './store.ts';

export interface OpenedState {
  store: StateStore;
  /** One line for the start-up log, without secrets: "memory (this process only)" or "Redis at host:port, prefix keyloss:". */
  description: string;
  shared: boolean;
}

export type OpenStateResult = { ok: true; state: OpenedState } | { ok: false; reason: string };

/**
 * STATE_REDIS_URL: redis:// or rediss:// URL of a Redis that keyloss owns (never a diagnosed cache).
 * KEYLOSS_STATE_PREFIX: key prefix in that Redis, default `keyloss:`.
 */
export async function openStateStore(env: NodeJS.ProcessEnv = process.env): Promise<OpenStateResult> {
  const url = env.STATE_REDIS_URL?.trim();
  if (!url) return { ok: true, state: { store: new MemoryStateStore(), description: 'memory (this process only)', shared: false } };
  const prefix = env.KEYLOSS_STATE_PREFIX?.trim() || DEFAULT_STATE_PREFIX;
  const opened = await openRedisStateStore(url, { prefix });
  if (!opened.ok) return opened;
  return {
    ok: true,
    state: { store: opened.store, description: `Redis at ${opened.store.address}, prefix ${prefix}`, shared: true },
  };
}

/** This replica's name in run records: KEYLOSS_REPLICA_ID (e.g. the pod name), else host:pid. */
export function replicaId(env: NodeJS.ProcessEnv = process.env): string {
  return env.KEYLOSS_REPLICA_ID?.trim() || `${hostname()}:${process.pid}`;
}

/** Heartbeat interval of running checks: KEYLOSS_HEARTBEAT_MS, default 5000; a run silent for three intervals is lost. */
export function heartbeatMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.KEYLOSS_HEARTBEAT_MS);
  return Number.isInteger(value) && value >= 50 ? value : 5_000;
}
