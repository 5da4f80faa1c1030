// The diagnosis: evidence in, every cause scored with the evidence behind it and a verdict out. Pure, and without words:
// the runbook's titles, explanations and fixes are added by src/report/build.ts.
import type { Evidence } from '../domain/checks.ts';
import type { EvidenceLine, Verdict } from '../domain/verdict.ts';
import { CAUSE_IDS, type CauseId, type Likelihood } from '../domain/causes.ts';
import { FACTS, type Fact, type FactValues } from '../domain/facts.ts';
import type { Scope, Tier } from '../domain/query.ts';
import type { Signal } from './signal.ts';
import { dataOf, effectiveTier } from './evidence.ts';
import { LIKELY_SCORE, scoreCause } from './score.ts';
import { eliminationSignals } from './signals/elimination.ts';
import { factSources, signalSources } from './signals/index.ts';
import { uncheckedSentences } from './unchecked.ts';

/** One cause as judged: how likely, its score, and the evidence lines that decided it first. */
export interface CauseFinding {
  id: CauseId;
  likelihood: Likelihood;
  score: number;
  evidence: EvidenceLine[];
  /** Additive: true when the record shows this cause removing the asked key (spec/watch-record-cli.md). */
  confirmed?: boolean;
}

export interface Diagnosis {
  verdict: Verdict;
  /** All seven causes, highest score first. */
  causes: CauseFinding[];
  facts: Fact[];
  /** What the facts make known ({other-db}, {removers}), for the fixes that quote it. */
  values: FactValues;
  unchecked: string[];
  /** What the engineer said, or inferred from the evidence when they did not. */
  scope: Scope;
  tier: Tier | null;
  tierSource: 'asked' | 'azure' | 'unknown';
}

const LIKELIHOOD_RANK: Record<Likelihood, number> = { likely: 0, possible: 1, unknown: 2, unlikely: 3, 'ruled-out': 4 };

export function diagnose(evidence: Evidence): Diagnosis {
  const signals = signalSources.flatMap((source) => source(evidence));
  const findings = factSources.flatMap((source) => source(evidence));
  const factSet = new Set(findings.map((finding) => (typeof finding === 'string' ? finding : finding.fact)));
  const facts = FACTS.filter((fact) => factSet.has(fact));
  const values: FactValues = Object.assign({ db: String(evidence.query.db) }, ...findings.map((finding) => (typeof finding === 'string' ? {} : finding.values)));
  const { tier, source: tierSource } = effectiveTier(evidence);

  // Each cause on its own evidence first; then elimination may add to the one cause nothing excludes.
  const judged = CAUSE_IDS.map((id) => {
    const mine = signals.filter((signal) => signal.cause === id);
    return { id, signals: mine, ...scoreCause(id, mine, evidence) };
  });
  const eliminated = eliminationSignals(judged);

  const causes = judged.map(({ id, signals: own }): CauseFinding => {
    const mine = [...own, ...eliminated.filter((signal) => signal.cause === id)];
    const scored = scoreCause(id, mine, evidence);
    // The record saw this cause remove the key: counters a restart erased cannot outweigh that, only a rule can.
    const confirmed = scored.likelihood !== 'ruled-out' && mine.some((signal) => signal.confirms);
    const { score, likelihood } = confirmed ? { score: Math.max(scored.score, LIKELY_SCORE), likelihood: 'likely' as const } : scored;
    return { id, likelihood, score, evidence: orderEvidence(mine, likelihood), ...(confirmed ? { confirmed } : {}) };
  }).sort(
    (a, b) =>
      b.score - a.score ||
      LIKELIHOOD_RANK[a.likelihood] - LIKELIHOOD_RANK[b.likelihood] ||
      CAUSE_IDS.indexOf(a.id) - CAUSE_IDS.indexOf(b.id),
  );

  const presence = dataOf(evidence, 'keyspace.presence');
  // A field asked of a key that is there: nothing is lost unless the field is gone.
  const exactKeyPresent = presence !== null && !presence.isPattern && presence.present && (presence.field === undefined || presence.field.present === true);
  const verdict: Verdict = exactKeyPresent ? 'no-loss' : causes[0]?.likelihood === 'likely' ? 'explained' : 'inconclusive';
  return {
    verdict,
    causes,
    facts,
    values,
    unchecked: uncheckedSentences(evidence),
    scope: inferScope(evidence),
    tier,
    tierSource,
  };
}

/** The engineer's answer, else: a pattern with no match left in the application's db means everything went. */
export function inferScope(evidence: Evidence): Scope {
  if (evidence.query.scope) return evidence.query.scope;
  const presence = dataOf(evidence, 'keyspace.presence');
  if (presence?.isPattern && !presence.present) return 'complete';
  return 'partial';
}

function direction(signal: Signal): EvidenceLine['direction'] {
  if (signal.rulesOut || signal.weight < 0) return 'against';
  return signal.weight > 0 ? 'for' : 'neutral';
}

/**
 * The lines that decided the likelihood come first: for a likely cause what points at it, else what points away; among
 * those, what rules a cause out, shows the removal being made (a named client, SLOWLOG) or was recorded doing it, then
 * by weight.
 */
function orderEvidence(signals: Signal[], likelihood: Likelihood): EvidenceLine[] {
  const favourable = likelihood === 'likely' || likelihood === 'possible';
  const rank = (s: Signal): number => {
    const d = direction(s);
    if (d === 'neutral') return 2;
    return (d === 'for') === favourable ? 0 : 1;
  };
  const first = (s: Signal): number => Number(Boolean(s.rulesOut) || Boolean(s.witness) || Boolean(s.confirms));
  // A line another line quotes in full (elimination restates what points at the cause) is said once, in the longer one.
  const quoted = (s: Signal): boolean => signals.some((other) => other !== s && other.summary.length > s.summary.length && other.summary.startsWith(s.summary));
  // The line that quotes one from the record keeps its source and time (spec/watch-record-cli.md: record evidence has both).
  const origin = (s: Signal): Signal => (s.source ? s : (signals.find((other) => other !== s && other.source && s.summary.startsWith(other.summary)) ?? s));
  return signals
    .filter((s) => !quoted(s))
    .sort((a, b) => rank(a) - rank(b) || first(b) - first(a) || Math.abs(b.weight) - Math.abs(a.weight))
    .map((s) => {
      const { source, at } = origin(s);
      return { check: s.check, summary: s.summary, direction: direction(s), ...(source ? { source } : {}), ...(at ? { at } : {}) };
    });
}
