// SCAN MATCH bounded by keys visited and milliseconds, the only way keyloss walks a keyspace (never KEYS), paced
// (src/redis/pacer.ts) so that a production cache spends only a small share of its time on keyloss.
import { setTimeout as sleep } from 'node:timers/promises';
import { bulkBytes, type Gateway } from './gateway.ts';
import type { ScanPacing } from './pacer.ts';

export interface ScanBounds {
  /** Each SCAN's COUNT, and the pause after it: the node's adaptive pacer, or a fixed one (`fixedPacing`). */
  pacing: ScanPacing;
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
}

export interface ScanOutcome {
  /** Distinct matching keys seen. */
  matched: number;
  /** Keys visited, estimated as the sum of the calls' COUNTs (SCAN does not say), capped by the db size when known. */
  visited: number;
  /** True when the cursor came back to 0: `matched` is the full count. */
  complete: boolean;
  ms: number;
  sample: string[];
}

// Beyond this many distinct matches, or this many bytes of their names, count without remembering names (SCAN may
// repeat a key during a rehash): what a scan keeps stays small whatever the keys are.
const DISTINCT_LIMIT = 200_000;
const DISTINCT_BYTES = 262_144;

/**
 * What one SCAN reply may weigh on the server. Redis writes a reply into the client's own 16 KB buffer and allocates
 * more only beyond it, and that memory counts against maxmemory: on a full cache a large page makes the server evict
 * keys to hold keyloss's reply. So COUNT is also bounded by the matches a page is expected to carry (the share of
 * visited keys that matched so far, and their size), keeping every page under this many bytes.
 */
export const SCAN_REPLY_BYTES = 12_288;
/** Before anything matched: every key might match, with a name this long in RESP. */
const ASSUMED_MATCH_BYTES = 40;

/** The largest COUNT whose expected reply stays under SCAN_REPLY_BYTES, from what the scan has seen so far. */
export function replyBoundedCount(visited: number, matches: number, matchBytes: number): number {
  // Laplace's rule: a scan that has matched nothing yet is not assumed to match nothing ever. The expected page is
  // count × share × bytes a match, share = (matches + 1) / (visited + 1), bytes a match = matchBytes / matches; solved
  // for count in integers (BigInt: the products pass 2^53), so rounding can never put a page a byte over the bound.
  const [numerator, denominator] =
    matches > 0
      ? [BigInt(SCAN_REPLY_BYTES) * BigInt(visited + 1) * BigInt(matches), BigInt(matches + 1) * BigInt(Math.max(1, Math.ceil(matchBytes)))]
      : [BigInt(SCAN_REPLY_BYTES) * BigInt(visited + 1), BigInt(ASSUMED_MATCH_BYTES)];
  return Math.max(1, Number(numerator / denominator));
}

export async function boundedScan(gateway: Gateway, match: string, bounds: ScanBounds): Promise<ScanOutcome> {
  const started = performance.now();
  const seen = new Set<string>();
  let seenBytes = 0;
  let extra = 0;
  const sample: string[] = [];
  let cursor = '0';
  let requested = 0;
  let returned = 0;
  let returnedBytes = 0;
  let complete = false;
  for (;;) {
    bounds.signal?.throwIfAborted();
    // Never past the key budget (the last call asks only for what is left of it), nor past a small reply.
    const count = Math.max(1, Math.min(bounds.pacing.count(), bounds.keyBudget - requested, replyBoundedCount(requested, returned, returnedBytes)));
    const sent = performance.now();
    const reply = (await gateway.call('SCAN', cursor, 'MATCH', match, 'COUNT', count)) as [string, string[]];
    const roundTripMs = performance.now() - sent;
    requested += count;
    const pauseMs = bounds.pacing.after(roundTripMs, count);
    cursor = String(reply[0]);
    // The page is let go once read: its bytes go back to the investigation's budget, but for the names kept.
    let letGo = bulkBytes(cursor) + String(reply[1].length).length + 7;
    for (const key of reply[1]) {
      const bytes = bulkBytes(key);
      returned += 1;
      returnedBytes += bytes;
      if (seen.has(key)) {
        letGo += bytes;
        continue;
      }
      let kept = false;
      if (seen.size < DISTINCT_LIMIT && seenBytes + bytes <= DISTINCT_BYTES) {
        seen.add(key);
        seenBytes += bytes;
        kept = true;
      } else {
        extra += 1;
      }
      if (sample.length < (bounds.sampleLimit ?? 0)) {
        sample.push(key);
        kept = true;
      }
      if (!kept) letGo += bytes;
    }
    gateway.giveBack(letGo);
    if (cursor === '0') {
      complete = true;
      break;
    }
    if (bounds.stopAfterMatches !== undefined && seen.size + extra >= bounds.stopAfterMatches) break;
    if (requested >= bounds.keyBudget || performance.now() - started >= bounds.msBudget) break;
    if (pauseMs > 0) await sleep(pauseMs, undefined, bounds.signal ? { signal: bounds.signal } : {});
  }
  return {
    matched: seen.size + extra,
    visited: bounds.dbKeys !== undefined ? Math.min(requested, bounds.dbKeys) : requested,
    complete,
    ms: Math.round(performance.now() - started),
    sample,
  };
}
