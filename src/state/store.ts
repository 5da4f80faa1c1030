// The one small interface behind which investigation state lives, so any process (or replica) can handle the next click.

/** A stored value with the version it was written at; `put` with that version fails if someone wrote in between. */
export interface Versioned<T> {
  value: T;
  version: number;
}

/** A stored value that is not JSON: written by something other than keyloss, or damaged. */
export class UnreadableRecord extends Error {
  constructor(readonly key: string) {
    super(`the record under ${key} is not readable JSON`);
    this.name = 'UnreadableRecord';
  }
}

export type PutResult = { ok: true; version: number } | { ok: false; reason: 'conflict' };

export interface StateStore {
  /** The value under `key`, or null when absent or expired. */
  get<T>(key: string): Promise<Versioned<T> | null>;
  /**
   * Writes `value` when the stored version is still `expectedVersion` (null: the key must not exist).
   * Values must survive a JSON round trip; `ttlMs` restarts at every write.
   */
  put<T>(key: string, value: T, expectedVersion: number | null, ttlMs: number): Promise<PutResult>;
  /** True for the first caller only, until `ttlMs` passes: the idempotency gate for clicks and retries. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Gives a claim back (its work failed before it was done), so the next click or retry may take it. */
  release(key: string): Promise<void>;
  /** Removes the value under `key` (an unreadable record). */
  delete(key: string): Promise<void>;
  /** The keys of the live values that start with `prefix`, in no order (for sweeps over a few hundred records). */
  keys(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Runs `work` under the one-time claim `key`: false (and nothing run) when another caller holds it. A `work` that
 * throws gives the claim back, so a failed state write never blocks the next click; a claim whose release also
 * fails expires with its TTL.
 */
export async function withClaim(store: StateStore, key: string, ttlMs: number, work: () => Promise<void>): Promise<boolean> {
  if (!(await store.claim(key, ttlMs))) return false;
  try {
    await work();
    return true;
  } catch (error) {
    await store.release(key).catch(() => undefined);
    throw error;
  }
}

/**
 * Reads, changes and writes back, retrying when another process wrote in between.
 * `change` returns the new value, or null to leave the stored one as it is.
 */
export async function updateState<T>(
  store: StateStore,
  key: string,
  ttlMs: number,
  change: (current: T) => T | null,
  attempts = 12,
): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await store.get<T>(key);
    if (!current) return { ok: false, reason: `no state under ${key} (expired or never written)` };
    const next = change(current.value);
    if (next === null) return { ok: true, value: current.value };
    const written = await store.put(key, next, current.version, ttlMs);
    if (written.ok) return { ok: true, value: next };
    // Writers that lost together would collide again at once: a random, growing pause spreads them out.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 10 * 2 ** attempt)));
  }
  return { ok: false, reason: `state under ${key} kept changing; gave up after ${attempts} attempts` };
}
