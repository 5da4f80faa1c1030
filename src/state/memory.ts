// In-process state store: the default for a single instance (Socket Mode, or tests).
import type { PutResult, StateStore, Versioned } from './store.ts';

interface Entry {
  json: string;
  version: number;
  expiresAt: number;
}

export class MemoryStateStore implements StateStore {
  private readonly entries = new Map<string, Entry>();
  private readonly claims = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  async get<T>(key: string): Promise<Versioned<T> | null> {
    const entry = this.live(key);
    // Parsed afresh on every read, as from Redis: callers never share a mutable object.
    return entry ? { value: JSON.parse(entry.json) as T, version: entry.version } : null;
  }

  async put<T>(key: string, value: T, expectedVersion: number | null, ttlMs: number): Promise<PutResult> {
    const entry = this.live(key);
    if ((entry?.version ?? null) !== expectedVersion) return { ok: false, reason: 'conflict' };
    const version = (entry?.version ?? 0) + 1;
    this.entries.set(key, { json: JSON.stringify(value), version, expiresAt: this.clock() + ttlMs });
    return { ok: true, version };
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
