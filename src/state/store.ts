// The one small interface behind which investigation state lives, so any process (or replica) can handle the next click.
// Every record read back is untrusted input (the state Redis is shared): it is read as a kind, checked before use.
import type { z } from 'zod';
import { logLine } from '../redact.ts';

/** A stored value with the version it was written at; `put` with that version fails if someone wrote in between. */
export interface Versioned<T> {
  value: T;
  version: number;
}

/**
 * What a stored record is: its name for the log line, its schema (annotated `z.ZodType<ThatInterface>` by the module
 * that owns the record, so the compiler proves the two agree), and the JSON length past which it is not one keyloss wrote.
 */
export interface RecordKind<T> {
  what: string;
  schema: z.ZodType<T>;
  maxChars: number;
}

/** Told once per record that is malformed or oversized; the record is then removed and read as absent. */
export type OnUnreadable = (key: string, reason: string) => void;

export const reportOnStderr: OnUnreadable = (key, reason) => logLine(`keyloss: skipped the state record ${key}: ${reason}`);

/** A value that a record of its kind may not hold: refused before it is written, since no read could take it back. */
export class RecordTooLarge extends Error {
  constructor(key: string, what: string, chars: number, maxChars: number) {
    super(`the ${what} record under ${key} is ${chars} characters, more than the ${maxChars} it may hold`);
    this.name = 'RecordTooLarge';
  }
}

export type PutResult = { ok: true; version: number } | { ok: false; reason: 'conflict' };

export interface StateStore {
  /**
   * The value under `key` as a record of `kind`, or null when absent or expired. A stored value that is too long,
   * not JSON or not of that kind is reported once (the store's OnUnreadable), removed and read as null.
   */
  get<T>(key: string, kind: RecordKind<T>): Promise<Versioned<T> | null>;
  /**
   * Writes `value` when the stored version is still `expectedVersion` (null: the key must not exist); a value longer
   * than its kind's `maxChars` throws RecordTooLarge. `ttlMs` restarts at every write.
   */
  put<T>(key: string, kind: RecordKind<T>, value: T, expectedVersion: number | null, ttlMs: number): Promise<PutResult>;
  /** True for the first caller only, until `ttlMs` passes: the idempotency gate for clicks and retries. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Gives a claim back (its work failed before it was done), so the next click or retry may take it. */
  release(key: string): Promise<void>;
  /**
   * A counted lease (a semaphore place): `holder` takes one of `limit` places under `key` until `ttlMs` passes, and
   * taking it again renews it; false when every place is held. A place of a process that died expires with its lease.
   */
  lease(key: string, holder: string, limit: number, ttlMs: number): Promise<boolean>;
  /** Gives `holder`'s place under `key` back. */
  unlease(key: string, holder: string): Promise<void>;
  /** Removes the value under `key`. */
  delete(key: string): Promise<void>;
  /** The keys of the live values that start with `prefix`, in no order (for sweeps over a few hundred records). */
  keys(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Keys already reported are remembered up to this many, so a record whose removal fails is not reported per click. */
const REPORTED_KEPT = 10_000;

/** The one way a stored record is read: its length first (a huge value is never parsed), then JSON, then its kind's schema. */
export function parseRecord<T>(json: string, kind: RecordKind<T>): { ok: true; value: T } | { ok: false; reason: string } {
  if (json.length > kind.maxChars) return { ok: false, reason: `${kind.what} record: ${json.length} characters, more than the ${kind.maxChars} it may hold` };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { ok: false, reason: `${kind.what} record: not JSON` };
  }
  const parsed = kind.schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `${kind.what} record: ${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'}` };
}

/**
 * The check every store applies to what it reads (parseRecord): a record that fails is reported once, removed (the
 * store reads only under its own prefix, and no reader could use it) and read as absent, so it never stops a sweep
 * or a click.
 */
export class RecordCheck {
  private readonly reported = new Set<string>();

  constructor(private readonly onUnreadable: OnUnreadable = reportOnStderr) {}

  /** `stored` may be what the store already knows is no record of `kind` (`unreadable`: why), without reading it. */
  async read<T>(key: string, kind: RecordKind<T>, stored: { json: string; version: number } | { unreadable: string } | null, remove: () => Promise<void>): Promise<Versioned<T> | null> {
    if (stored === null) return null;
    let reason: string;
    if ('unreadable' in stored) reason = `${kind.what} record: ${stored.unreadable}`;
    else {
      const value = parseRecord(stored.json, kind);
      if (value.ok) return { value: value.value, version: stored.version };
      reason = value.reason;
    }
    const removed = await remove().then(
      () => true,
      () => false,
    );
    if (!this.reported.has(key)) {
      if (this.reported.size >= REPORTED_KEPT) this.reported.clear();
      this.reported.add(key);
      this.onUnreadable(key, `${reason}; ${removed ? 'removed' : 'could not be removed'}`);
    }
    return null;
  }

  /** The JSON of `value`, refused when its kind may not hold that much. */
  write<T>(key: string, kind: RecordKind<T>, value: T): string {
    const json = JSON.stringify(value);
    if (json.length > kind.maxChars) throw new RecordTooLarge(key, kind.what, json.length, kind.maxChars);
    return json;
  }
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

/** Writes `value` whatever is stored under `key` (the last writer wins); false when others kept writing in between. */
export async function replaceState<T>(store: StateStore, key: string, kind: RecordKind<T>, value: T, ttlMs: number, attempts = 5): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await store.get(key, kind);
    if ((await store.put(key, kind, value, current?.version ?? null, ttlMs)).ok) return true;
  }
  return false;
}

/**
 * Reads, changes and writes back, retrying when another process wrote in between.
 * `change` returns the new value, or null to leave the stored one as it is.
 */
export async function updateState<T>(
  store: StateStore,
  key: string,
  kind: RecordKind<T>,
  ttlMs: number,
  change: (current: T) => T | null,
  attempts = 12,
): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await store.get(key, kind);
    if (!current) return { ok: false, reason: `no state under ${key} (expired or never written)` };
    const next = change(current.value);
    if (next === null) return { ok: true, value: current.value };
    const written = await store.put(key, kind, next, current.version, ttlMs);
    if (written.ok) return { ok: true, value: next };
    // Writers that lost together would collide again at once: a random, growing pause spreads them out.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 10 * 2 ** attempt)));
  }
  return { ok: false, reason: `state under ${key} kept changing; gave up after ${attempts} attempts` };
}
