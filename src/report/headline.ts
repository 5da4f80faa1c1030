// The report's first sentence, in the runbook's words for each cause.
import type { Query } from '../domain/query.ts';
import type { Verdict } from '../domain/verdict.ts';
import type { CauseReport } from './model.ts';

/** One sentence a tired engineer reads first: the likely cause and why, or what stands out and what could not be checked. */
export function headlineFor(verdict: Verdict, causes: CauseReport[], query: Query, unchecked: string[]): string {
  const { key, db } = query;
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
