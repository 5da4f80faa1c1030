// The seven causes of key loss named by Microsoft's data-loss guide, and how sure we are of each.
import { z } from 'zod';

export const CAUSE_IDS = [
  'expiration',
  'eviction',
  'replication',
  'deletion',
  'flush',
  'wrong-database',
  'instance-failure',
] as const;
export type CauseId = (typeof CAUSE_IDS)[number];

export const LIKELIHOODS = ['likely', 'possible', 'unlikely', 'ruled-out', 'unknown'] as const;
export type Likelihood = (typeof LIKELIHOODS)[number];

export const CauseIdSchema = z.enum(CAUSE_IDS);
export const LikelihoodSchema = z.enum(LIKELIHOODS);

export function isCauseId(value: string): value is CauseId {
  return (CAUSE_IDS as readonly string[]).includes(value);
}
