// From signals to a score (0..1) and a likelihood for one cause.
import type { CauseId, Likelihood } from '../domain/causes.ts';
import type { CheckId, Evidence } from '../domain/checks.ts';
import { checkSucceeded } from './evidence.ts';
import type { Signal } from './signal.ts';

export const LIKELY_SCORE = 0.6;
export const POSSIBLE_SCORE = 0.25;

/**
 * The checks without which a cause cannot be judged from Redis itself; when none of them succeeded and
 * nothing else points at the cause, its likelihood is unknown rather than unlikely.
 */
export const ESSENTIAL_CHECKS: Record<CauseId, readonly CheckId[]> = {
  expiration: ['memory', 'keyspace.ttl-sample'],
  eviction: ['memory'],
  replication: ['replication', 'azure.resource'],
  deletion: ['commands.deletion'],
  flush: ['commands.deletion'],
  'wrong-database': ['keyspace.presence'],
  'instance-failure': ['persistence.restart'],
};

/** Every check that can speak to a cause, for saying what a failed check leaves open. */
export const RELATED_CHECKS: Record<CauseId, readonly CheckId[]> = {
  expiration: ['keyspace.ttl-sample', 'keyspace.field-ttl', 'memory', 'rates', 'azure.metrics', 'record'],
  eviction: ['memory', 'keyspace.ttl-sample', 'rates', 'azure.metrics', 'azure.resource', 'record'],
  replication: ['replication', 'azure.metrics', 'azure.resource', 'record'],
  deletion: ['commands.deletion', 'clients', 'rates', 'keyspace.ttl-sample', 'record'],
  flush: ['commands.deletion', 'rates', 'azure.activity-log', 'azure.metrics', 'record'],
  'wrong-database': ['keyspace.presence', 'clients', 'record'],
  'instance-failure': ['persistence.restart', 'keyspace.presence', 'azure.metrics', 'azure.activity-log', 'record'],
};

export interface CauseScore {
  score: number;
  likelihood: Likelihood;
}

/**
 * Positive signals combine like independent pieces of evidence (1 - Π(1 - w)), negative ones likewise,
 * and the negative share discounts the positive: one strong counter-signal outweighs several weak hints.
 */
export function scoreCause(cause: CauseId, signals: Signal[], evidence: Evidence): CauseScore {
  if (signals.some((signal) => signal.rulesOut)) return { score: 0, likelihood: 'ruled-out' };
  const combine = (weights: number[]): number => 1 - weights.reduce((rest, w) => rest * (1 - Math.min(1, w)), 1);
  const positive = combine(signals.filter((s) => s.weight > 0).map((s) => s.weight));
  const negative = combine(signals.filter((s) => s.weight < 0).map((s) => -s.weight));
  const score = Math.round(positive * (1 - negative) * 100) / 100;
  // "Likely" needs evidence that points at the cause, never only the absence of evidence against it.
  const pointsAt = signals.some((s) => s.weight >= 0.3);
  if (score >= LIKELY_SCORE && pointsAt) return { score, likelihood: 'likely' };
  if (score >= POSSIBLE_SCORE && positive > 0) return { score, likelihood: 'possible' };
  // A check that ran but could not read what it needs (a field INFO left out) has not judged the cause.
  const judged = ESSENTIAL_CHECKS[cause].some((id) => checkSucceeded(evidence, id)) && !signals.some((s) => s.unknown);
  return { score, likelihood: judged ? 'unlikely' : 'unknown' };
}
