// What a diagnosis concludes, and the evidence lines it cites for or against a cause.
import { z } from 'zod';
import { CheckIdSchema, type CheckId } from './checks.ts';

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

export const VerdictSchema: z.ZodType<Verdict> = z.enum(['explained', 'no-loss', 'inconclusive']);

export const EvidenceLineSchema: z.ZodType<EvidenceLine> = z.object({
  check: CheckIdSchema,
  summary: z.string(),
  direction: z.enum(['for', 'against', 'neutral']),
  source: z.literal('record').optional(),
  at: z.string().optional(),
});
