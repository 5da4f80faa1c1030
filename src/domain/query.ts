// What the engineer told us: which key, which db, since when, on which tier, how much went missing.
import { z } from 'zod';

/**
 * Tiers as Azure sells them: Azure Cache for Redis (Basic, Standard, Premium, Enterprise, Enterprise Flash) and Azure
 * Managed Redis (Memory Optimized, Balanced, Compute Optimized, Flash Optimized). The first four came first and keep
 * their meaning; `enterprise` once also stood for Azure Managed Redis, and still reads as Azure's Enterprise tier.
 */
export const TIERS = [
  'basic',
  'standard',
  'premium',
  'enterprise',
  'enterprise-flash',
  'memory-optimized',
  'balanced',
  'compute-optimized',
  'flash-optimized',
] as const;
export type Tier = (typeof TIERS)[number];

export type AzureService = 'azure-cache-for-redis' | 'azure-managed-redis';

/** The services' names, as Microsoft writes them. */
export const SERVICE_NAMES: Record<AzureService, string> = {
  'azure-cache-for-redis': 'Azure Cache for Redis',
  'azure-managed-redis': 'Azure Managed Redis',
};

/** Each tier's service and its name as the portal writes it. */
export const TIER_INFO: Record<Tier, { service: AzureService; name: string }> = {
  basic: { service: 'azure-cache-for-redis', name: 'Basic' },
  standard: { service: 'azure-cache-for-redis', name: 'Standard' },
  premium: { service: 'azure-cache-for-redis', name: 'Premium' },
  enterprise: { service: 'azure-cache-for-redis', name: 'Enterprise' },
  'enterprise-flash': { service: 'azure-cache-for-redis', name: 'Enterprise Flash' },
  'memory-optimized': { service: 'azure-managed-redis', name: 'Memory Optimized' },
  balanced: { service: 'azure-managed-redis', name: 'Balanced' },
  'compute-optimized': { service: 'azure-managed-redis', name: 'Compute Optimized' },
  'flash-optimized': { service: 'azure-managed-redis', name: 'Flash Optimized' },
};

/**
 * The tier a name stands for, in any of the ways people and Azure write it: `balanced`, `Memory Optimized`,
 * `memory-optimized`, or an ARM SKU name with its size (`Balanced_B5`, `MemoryOptimized_M10`, `ComputeOptimized_X5`,
 * `FlashOptimized_A250`, `Enterprise_E10`, `EnterpriseFlash_F300`); null when it names none.
 */
export function tierOfName(text: string): Tier | null {
  // An ARM SKU carries its size after an underscore (Balanced_B5); the portal writes Premium P1, Standard C1.
  const name = text.trim().replace(/[_\s]+[a-z]\d+$/i, '');
  const compact = name.toLowerCase().replace(/[\s_-]+/g, '');
  return TIERS.find((tier) => tier.replace(/-/g, '') === compact) ?? null;
}

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
