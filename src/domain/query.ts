// What the engineer told us: which key, which db, since when, on which tier, how much went missing.
import { z } from 'zod';

export const TIERS = ['basic', 'standard', 'premium', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

export const SCOPES = ['partial', 'complete'] as const;
export type Scope = (typeof SCOPES)[number];

export const TierSchema = z.enum(TIERS);
export const ScopeSchema = z.enum(SCOPES);

export interface Query {
  /** The exact key or glob pattern that went missing. */
  key: string;
  /** True when `key` contains glob metacharacters (`*`, `?`, `[`). */
  isPattern: boolean;
  /** The logical database the application uses. */
  db: number;
  /** When the keys were last known to be present. */
  since: Date;
  tier: Tier | null;
  /** What the engineer saw; null means "infer it from the evidence". */
  scope: Scope | null;
  /** Additive: the hash field that went missing from the exact key `key`, when the key itself is there. */
  field?: string;
}

/** Redis glob metacharacters; a backslash escapes them. */
export function isGlobPattern(key: string): boolean {
  return /(^|[^\\])[*?[]/.test(key);
}
