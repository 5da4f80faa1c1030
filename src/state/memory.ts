// In-process state store: the default for a single instance (Socket Mode, or tests).
import { RecordCheck, type OnUnreadable, type PutResult, type RecordKind, type StateStore, type Versioned } from './store.ts';

interface Entry {
  json: string;
  version: number;
  expiresAt: number;
}

export class MemoryStateStore implements StateStore {
  private readonly entries = new Map<string, Entry>();
  private readonly claims = new Map<string, number>();
  /** key → holder → when its lease ends. */
  private readonly leases = new Map<string, Map<string, number>>();
  private readonly check: RecordCheck;

  constructor(
    private readonly clock: () => number = Date.now,
    onUnreadable?: OnUnreadable,
  ) {
    this.check = new RecordCheck(onUnreadable);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  async get<T>(key: string, kind: RecordKind<T>): Promise<Versioned<T> | null> {
    // Parsed and checked afresh on every read, as from Redis: callers never share a mutable object.
    return this.check.read(key, kind, this.live(key) ?? null, () => this.delete(key));
  }

  async put<T>(key: string, kind: RecordKind<T>, value: T, expectedVersion: number | null, ttlMs: number): Promise<PutResult> {
    const json = this.check.write(key, kind, value);
    const entry = this.live(key);
    if ((entry?.version ?? null) !== expectedVersion) return { ok: false, reason: 'conflict' };
    const version = (entry?.version ?? 0) + 1;
    this.entries.set(key, { json, version, expiresAt: this.clock() + ttlMs });
    return { ok: true, version };
  }

  async lease(key: string, holder: string, limit: number, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    const held = this.leases.get(key) ?? new Map<string, number>();
    for (const [h, until] of held) if (until <= now) held.delete(h);
    if (!held.has(holder) && held.size >= limit) return false;
    held.set(holder, now + ttlMs);
    this.leases.set(key, held);
    return true;
  }

  async unlease(key: string, holder: string): Promise<void> {
    const held = this.leases.get(key);
    held?.delete(holder);
    if (held?.size === 0) this.leases.delete(key);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    const until = this.claims.get(key);
    if (until !== undefined && until > now) return false;
    this.claims.set(key, now + ttlMs);
    if (this.claims.size > 10_000) {
      for (const [k, expiry] of this.claims) if (expiry <= now) this.claims.delete(k);
    }
    return true;
  }

  async release(key: string): Promise<void> {
    this.claims.delete(key);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.entries.keys()].filter((key) => key.startsWith(prefix) && this.live(key));
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.claims.clear();
  }
}
