// SCAN MATCH bounded by keys visited and milliseconds, the only way keyloss walks a keyspace (never KEYS), paced
// so that a production cache spends only a small share of its time on keyloss.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Gateway } from './gateway.ts';

export interface ScanBounds {
  /** COUNT hint per SCAN call. */
  count: number;
  /** Stop after visiting about this many keys. */
  keyBudget: number;
  /** Stop after this many milliseconds. */
  msBudget: number;
  signal?: AbortSignal;
  /** Keys in the db (INFO keyspace), so a small db reports what was really visited. */
  dbKeys?: number;
  /** Collect up to this many matching key names. */
  sampleLimit?: number;
  /** Stop as soon as this many distinct matches were seen (presence proven, or a sample full); `complete` stays false. */
  stopAfterMatches?: number;
  /**
   * Target share of wall time the server spends on this scan (0 < d <= 1, default 1: unpaced). Each SCAN's own
   * round trip is measured and followed by a pause of roundTrip × (1 - d) / d.
   */
  dutyCycle?: number;
}

export interface ScanOutcome {
  /** Distinct matching keys seen. */
  matched: number;
  /** Keys visited, estimated as COUNT per call (SCAN does not say), capped by the db size when known. */
  visited: number;
  /** True when the cursor came back to 0: `matched` is the full count. */
  complete: boolean;
  ms: number;
  sample: string[];
}

// Beyond this many distinct matches, count without remembering names (SCAN may repeat a key during a rehash).
const DISTINCT_LIMIT = 200_000;

export async function boundedScan(gateway: Gateway, match: string, bounds: ScanBounds): Promise<ScanOutcome> {
  const started = performance.now();
  const seen = new Set<string>();
  let extra = 0;
  const sample: string[] = [];
  let cursor = '0';
  let calls = 0;
  let complete = false;
  for (;;) {
    bounds.signal?.throwIfAborted();
    const sent = performance.now();
    const reply = (await gateway.call('SCAN', cursor, 'MATCH', match, 'COUNT', bounds.count)) as [string, string[]];
    const roundTripMs = performance.now() - sent;
    calls += 1;
    cursor = String(reply[0]);
    for (const key of reply[1]) {
      if (seen.has(key)) continue;
      if (seen.size < DISTINCT_LIMIT) seen.add(key);
      else extra += 1;
      if (sample.length < (bounds.sampleLimit ?? 0)) sample.push(key);
    }
    if (cursor === '0') {
      complete = true;
      break;
    }
    if (bounds.stopAfterMatches !== undefined && seen.size + extra >= bounds.stopAfterMatches) break;
    if (calls * bounds.count >= bounds.keyBudget || performance.now() - started >= bounds.msBudget) break;
    const duty = Math.min(1, Math.max(0.01, bounds.dutyCycle ?? 1));
    if (duty < 1) await sleep((roundTripMs * (1 - duty)) / duty, undefined, bounds.signal ? { signal: bounds.signal } : {});
  }
  const estimated = calls * bounds.count;
  return {
    matched: seen.size + extra,
    visited: bounds.dbKeys !== undefined ? Math.min(estimated, bounds.dbKeys) : estimated,
    complete,
    ms: Math.round(performance.now() - started),
    sample,
  };
}
