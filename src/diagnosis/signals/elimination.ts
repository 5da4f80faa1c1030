// Elimination: when every other cause is excluded for these keys, the one left that evidence points at is the explanation.
import type { CauseId, Likelihood } from '../../domain/causes.ts';
import type { Signal } from '../signal.ts';
import { joinAnd as list } from '../../domain/format.ts';

/** A cause judged on its own signals, before elimination. */
export interface JudgedCause {
  id: CauseId;
  likelihood: Likelihood;
  signals: Signal[];
}

/** A counter-signal this strong says the cause could not have reached the keys, not merely that nothing points at it. */
export const EXCLUDING_WEIGHT = -0.5;
/** The cause left over must have evidence of its own pointing at it (removing commands counted, …). */
const POINTING_WEIGHT = 0.3;
/** What elimination adds: with the cause's own pointing evidence it makes the cause likely. */
const ELIMINATION_WEIGHT = 0.6;

/** Ruled out, or unlikely with strong evidence against: it cannot have removed the keys. Unknown is never excluded. */
export function isExcluded(cause: JudgedCause): boolean {
  if (cause.likelihood === 'ruled-out') return true;
  return cause.likelihood === 'unlikely' && cause.signals.some((s) => s.weight <= EXCLUDING_WEIGHT);
}

/**
 * One signal for the only cause not excluded when evidence points at it; none when two or more causes remain,
 * when any cause could not be judged, or when nothing points at the one left.
 */
export function eliminationSignals(causes: readonly JudgedCause[]): Signal[] {
  const open = causes.filter((cause) => !isExcluded(cause));
  const left = open[0];
  if (open.length !== 1 || !left || left.likelihood === 'unknown') return [];
  const pointer = [...left.signals].filter((s) => s.weight >= POINTING_WEIGHT).sort((a, b) => b.weight - a.weight)[0];
  if (!pointer) return [];
  const excluded = causes.filter((cause) => cause !== left);
  const ruledOut = excluded.filter((cause) => cause.likelihood === 'ruled-out').map((cause) => name(cause.id));
  const against = excluded.filter((cause) => cause.likelihood !== 'ruled-out').map((cause) => name(cause.id));
  const parts = [
    ruledOut.length > 0 ? `${list(ruledOut)} ruled out` : null,
    against.length > 0 ? `${list(against)} excluded by strong evidence against ${against.length === 1 ? 'it' : 'each'}` : null,
  ].filter((part) => part !== null);
  return [
    {
      cause: left.id,
      check: pointer.check,
      weight: ELIMINATION_WEIGHT,
      ...(pointer.witness ? { witness: true } : {}),
      summary: `${pointer.summary}, and nothing else can have removed these keys (${parts.join('; ')}): ${name(left.id)} is what is left`,
    },
  ];
}

function name(id: CauseId): string {
  return id.replace(/-/g, ' ');
}
