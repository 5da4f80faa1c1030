// What a diagnosis concludes, and the evidence lines it cites for or against a cause.
import type { CheckId } from './checks.ts';

export type Verdict = 'explained' | 'no-loss' | 'inconclusive';

export interface EvidenceLine {
  check: CheckId;
  summary: string;
  /** Additive: whether this line points at the cause, away from it, or only bounds it. */
  direction: 'for' | 'against' | 'neutral';
  /** Additive: "record" when the line comes from keyloss's own record, with `at` the time of the event or its minute. */
  source?: 'record';
  at?: string;
}
