// The diagnosis: evidence in, every cause scored with the evidence behind it, a verdict and a headline out. Pure.
import type { Evidence } from '../checks/types.ts';
import type { CauseReport, EvidenceLine, Verdict } from '../report/model.ts';
import type { Runbook } from '../runbook/schema.ts';
import { CAUSE_IDS, type CauseId, type Likelihood } from './causes.ts';
import { FACTS, type Fact } from './facts.ts';
import type { Scope, Tier } from './query.ts';
import type { Signal } from './signal.ts';
import { dataOf, effectiveTier } from './evidence.ts';
import { applicableFixes } from './fixes.ts';
import { scoreCause } from './score.ts';
import { eliminationSignals } from './signals/elimination.ts';
import { factSources, signalSources } from './signals/index.ts';
import { uncheckedSentences } from './unchecked.ts';

export interface Diagnosis {
  verdict: Verdict;
  /** All seven causes, highest score first. */
  causes: CauseReport[];
  facts: Fact[];
  headline: string;
  unchecked: string[];
  /** What the engineer said, or inferred from the evidence when they did not. */
  scope: Scope;
  tier: Tier | null;
  tierSource: 'asked' | 'azure' | 'unknown';
}

const LIKELIHOOD_RANK: Record<Likelihood, number> = { likely: 0, possible: 1, unknown: 2, unlikely: 3, 'ruled-out': 4 };

export function diagnose(evidence: Evidence, runbook: Runbook): Diagnosis {
  const signals = signalSources.flatMap((source) => source(evidence));
  const factSet = new Set(factSources.flatMap((source) => source(evidence)));
  const facts = FACTS.filter((fact) => factSet.has(fact));
  const { tier, source: tierSource } = effectiveTier(evidence);

  // Each cause on its own evidence first; then elimination may add to the one cause nothing excludes.
  const judged = CAUSE_IDS.map((id) => {
    const mine = signals.filter((signal) => signal.cause === id);
    return { id, signals: mine, ...scoreCause(id, mine, evidence) };
  });
  const eliminated = eliminationSignals(judged);

  const causes = judged.map(({ id, signals: own }): CauseReport => {
    const mine = [...own, ...eliminated.filter((signal) => signal.cause === id)];
    const { score, likelihood } = scoreCause(id, mine, evidence);
    const words = runbook.causes[id];
    return {
      id,
      likelihood,
      score,
      evidence: orderEvidence(mine, likelihood),
      fixes: words ? applicableFixes(words.fixes, tier, facts) : [],
      title: words?.title ?? id,
      explanation: words?.explanation ?? '',
    };
  }).sort(
    (a, b) =>
      b.score - a.score ||
      LIKELIHOOD_RANK[a.likelihood] - LIKELIHOOD_RANK[b.likelihood] ||
      CAUSE_IDS.indexOf(a.id) - CAUSE_IDS.indexOf(b.id),
  );

  const presence = dataOf(evidence, 'keyspace.presence');
  const exactKeyPresent = presence !== null && !presence.isPattern && presence.present;
  const verdict: Verdict = exactKeyPresent ? 'no-loss' : causes[0]?.likelihood === 'likely' ? 'explained' : 'inconclusive';
  const unchecked = uncheckedSentences(evidence);
  return {
    verdict,
    causes,
    facts,
    headline: headlineFor(verdict, causes, evidence, unchecked),
    unchecked,
    scope: inferScope(evidence),
    tier,
    tierSource,
  };
}

/** The engineer's answer, else: a pattern with no match left in the application's db means everything went. */
export function inferScope(evidence: Evidence): Scope {
  if (evidence.query.scope) return evidence.query.scope;
  const presence = dataOf(evidence, 'keyspace.presence');
  if (presence && presence.isPattern && !presence.present) return 'complete';
  return 'partial';
}

function direction(signal: Signal): EvidenceLine['direction'] {
  if (signal.rulesOut || signal.weight < 0) return 'against';
  return signal.weight > 0 ? 'for' : 'neutral';
}

/** The lines that decided the likelihood come first: for a likely cause what points at it, else what points away. */
function orderEvidence(signals: Signal[], likelihood: Likelihood): EvidenceLine[] {
  const favourable = likelihood === 'likely' || likelihood === 'possible';
  const rank = (s: Signal): number => {
    const d = direction(s);
    if (d === 'neutral') return 2;
    return (d === 'for') === favourable ? 0 : 1;
  };
  return [...signals]
    .sort((a, b) => rank(a) - rank(b) || Number(Boolean(b.rulesOut)) - Number(Boolean(a.rulesOut)) || Math.abs(b.weight) - Math.abs(a.weight))
    .map((s) => ({ check: s.check, summary: s.summary, direction: direction(s) }));
}

function headlineFor(verdict: Verdict, causes: CauseReport[], evidence: Evidence, unchecked: string[]): string {
  const { key, db } = evidence.query;
  if (verdict === 'no-loss') {
    return `${key} exists in db ${db}: nothing is missing there now (if the application cannot see it, check which db and host it uses).`;
  }
  const likely = causes.filter((c) => c.likelihood === 'likely');
  const top = likely[0];
  if (verdict === 'explained' && top) {
    const reason = top.evidence.find((line) => line.direction === 'for')?.summary;
    const also = likely.slice(1).map((c) => c.title);
    return `${top.title}${reason ? `: ${reason}` : ''}.${also.length > 0 ? ` Also likely: ${also.join('; ')}.` : ''}`;
  }
  const possible = causes.filter((c) => c.likelihood === 'possible').map((c) => c.title);
  const unknown = causes.filter((c) => c.likelihood === 'unknown').length;
  return (
    `No single cause stands out for ${key} in db ${db}` +
    (possible.length > 0 ? `; possible: ${possible.join('; ')}` : '') +
    (unknown > 0 || unchecked.length > 0 ? `; ${unchecked.length > 0 ? `${unchecked.length} thing${unchecked.length === 1 ? '' : 's'} could not be checked` : `${unknown} causes could not be judged`}` : '') +
    '.'
  );
}
