// What a partial scan says about the whole db: an estimate of the matching keys with a 95 % range (pure).
import type { SampleEstimate } from '../domain/evidence.ts';

const Z95 = 1.96;

/**
 * `matched` of `visited` keys matched in a db of `dbKeys`: SCAN walks the hash table's buckets in an order unrelated
 * to key names, so the visited keys are a fair sample. The share's Wilson interval, scaled to the db, is the range;
 * never below what was seen, never above the db.
 */
export function estimateMatches(matched: number, visited: number, dbKeys: number): SampleEstimate | undefined {
  if (visited <= 0 || dbKeys <= 0) return undefined;
  const n = Math.min(visited, dbKeys);
  const p = Math.min(1, matched / n);
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  const clamp = (value: number) => Math.round(Math.min(dbKeys, Math.max(matched, value)));
  return {
    keys: clamp(p * dbKeys),
    low: matched === 0 ? 0 : clamp((centre - half) * dbKeys),
    high: clamp((centre + half) * dbKeys),
    fraction: n / dbKeys,
  };
}
