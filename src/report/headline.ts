// The report's first sentence, in the runbook's words for each cause.
import type { Query } from '../domain/query.ts';
import type { Verdict } from '../domain/verdict.ts';
import type { CauseReport } from './model.ts';
import type { NearNameFinding } from '../domain/evidence.ts';
import type { NameDifference } from '../domain/near-names.ts';
import { formatMatchCount, joinAnd, plural } from '../domain/format.ts';

/** One sentence a tired engineer reads first: the likely cause and why, or what stands out and what could not be checked. */
export function headlineFor(verdict: Verdict, causes: CauseReport[], query: Query, unchecked: string[], near: NearNameFinding | null = null): string {
  // A name that matches nothing while a near one does is most likely a typo: said before any cause.
  const said = causeHeadline(verdict, causes, query, unchecked);
  return near && verdict !== 'no-loss' ? `${nearSentence(query.key, near)} ${said}` : said;
}

const DIFFERENCE: Record<NameDifference, string> = { case: 'case', separator: 'a separator', prefix: 'a prefix' };

/** "Nothing matches ORDER:17 in any db, but 2,500 keys match order:* in db 0 (case differs); order:17 exists there." */
export function nearSentence(asked: string, near: NearNameFinding): string {
  const why = `${joinAnd(near.differs.map((d) => DIFFERENCE[d]))} ${near.differs.length === 1 ? 'differs' : 'differ'}`;
  const count = near.estimate ? `${formatMatchCount(near)} keys` : `${near.sampled ? 'at least ' : ''}${plural(near.count, 'key')}`;
  const found = near.isPattern ? `${count} match ${near.name} in db ${near.db}` : `${near.name} exists in db ${near.db}`;
  const key = near.key === undefined ? '' : near.keyExists ? `; ${near.key} exists there` : `; ${near.key} is not among them`;
  return `Nothing matches ${asked} in any db, but ${found} (${why})${key}: check the name the application uses.`;
}

function causeHeadline(verdict: Verdict, causes: CauseReport[], query: Query, unchecked: string[]): string {
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
