// The runbook file format (runbooks/*.yaml), as a zod schema. Cross-references are checked in load.ts.
import { z } from 'zod';
import { CAUSE_IDS } from '../domain/causes.ts';
import { TIERS } from '../domain/query.ts';

const nodeId = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'a lower-case id of letters, digits and dashes, starting with a letter');

/** Formats a free-text answer can declare; each has a parser in answers.ts. */
export const TEXT_FORMATS = ['target', 'key-pattern', 'field-name', 'db-index', 'since', 'tier', 'text'] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];

/** A condition on what is known so far: earlier answers, or (after a check node) the findings. */
export const Condition = z
  .object({
    /** True when the answer in this slot is one of these values ("" matches a skipped answer). */
    answer: z.string().optional(),
    in: z.array(z.string()).min(1).optional(),
    /** After checks: the verdict is one of these. */
    verdict: z.array(z.enum(['explained', 'no-loss', 'inconclusive'])).min(1).optional(),
    /** After checks: the top-ranked cause is one of these. */
    topCause: z.array(z.enum(CAUSE_IDS)).min(1).optional(),
    /** After checks: the asked exact key is there and holds one of these types (`hash`, `string`, `list`, …). */
    keyType: z.array(z.enum(['string', 'hash', 'list', 'set', 'zset', 'stream'])).min(1).optional(),
  })
  .strict()
  .refine((c) => (c.answer === undefined) === (c.in === undefined), {
    message: '"answer" and "in" go together',
  })
  .refine((c) => c.answer !== undefined || c.verdict !== undefined || c.topCause !== undefined || c.keyType !== undefined, {
    message: 'a condition needs "answer"/"in", "verdict", "topCause" or "keyType"',
  });
export type Condition = z.infer<typeof Condition>;

/** Where to go next: one node, or the first branch whose condition holds (the last branch may omit `when`). */
export const Next = z.union([
  nodeId,
  z.array(z.object({ when: Condition.optional(), next: nodeId }).strict()).min(1),
]);
export type Next = z.infer<typeof Next>;

export const Option = z
  .object({
    value: z.string().min(1).max(150),
    label: z.string().min(1).max(75),
    /** Overrides the question's `next` when this option is picked. */
    next: nodeId.optional(),
  })
  .strict();
export type Option = z.infer<typeof Option>;

export const QuestionNode = z
  .object({
    kind: z.literal('question'),
    /** The answer slot this question fills (`cache`, `tier`, `key`, `db`, `since`, `scope` feed the diagnosis). */
    slot: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a lower-case slot name of letters, digits and underscores, starting with a letter'),
    prompt: z.string().min(1).max(300),
    help: z.string().max(1000).optional(),
    /** Quick picks, shown as buttons (≤ 5) or a select (more, or display: select). */
    options: z.array(Option).max(100).optional(),
    display: z.enum(['buttons', 'select']).optional(),
    /** Free text is accepted, validated by this format. */
    text: z
      .object({ format: z.enum(TEXT_FORMATS), placeholder: z.string().max(150).optional() })
      .strict()
      .optional(),
    /** "Skip / not sure": allowed when present; `value` is what the slot gets (empty: unknown). */
    skip: z.object({ label: z.string().min(1).max(75), value: z.string().default('') }).strict().optional(),
    next: Next,
  })
  .strict()
  .refine((q) => q.options !== undefined || q.text !== undefined, {
    message: 'a question needs "options", "text" or both',
  });
export type QuestionNode = z.infer<typeof QuestionNode>;

export const CheckNode = z
  .object({
    kind: z.literal('check'),
    title: z.string().min(1).max(150),
    /** Check ids to run (see src/checks/types.ts). */
    checks: z.array(z.string()).min(1),
    next: Next,
  })
  .strict();
export type CheckNode = z.infer<typeof CheckNode>;

export const ConclusionNode = z
  .object({
    kind: z.literal('conclusion'),
    title: z.string().min(1).max(150),
    body: z.string().min(1).max(2500),
    /** Show the diagnosis report (causes, evidence, fixes) with this conclusion. */
    report: z.boolean().default(true),
  })
  .strict();
export type ConclusionNode = z.infer<typeof ConclusionNode>;

export const RunbookNode = z.discriminatedUnion('kind', [QuestionNode, CheckNode, ConclusionNode]);
export type RunbookNode = z.infer<typeof RunbookNode>;

/**
 * A fix, shown when its conditions hold (tier of the cache, facts the diagnosis established). Its text may quote what
 * the diagnosis found as {db}, {other-db} or {removers} (FACT_VALUES in src/domain/facts.ts).
 */
export const Fix = z.union([
  z.string().min(1),
  z
    .object({
      text: z.string().min(1),
      /** The tiers it is for (src/domain/query.ts TIERS: basic … enterprise-flash, memory-optimized … flash-optimized). */
      tiers: z.array(z.enum(TIERS)).min(1).optional(),
      /** Facts from the diagnosis (e.g. `persistence-off`, `keys-without-ttl`); all must hold. */
      facts: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).min(1).optional(),
      /** Facts that answer the fix's premise (`remover-named` for "name your clients"): shown only when none holds. */
      unless: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).min(1).optional(),
    })
    .strict(),
]);
export type Fix = z.infer<typeof Fix>;

/** A value a fix text quotes: {name}. */
export const FIX_PLACEHOLDER = /\{([A-Za-z][\w-]*)\}/g;

/** The names a fix text quotes as {name}. */
export function placeholdersOf(text: string): string[] {
  return [...text.matchAll(FIX_PLACEHOLDER)].map((match) => match[1] ?? '');
}

export const CauseWords = z
  .object({
    title: z.string().min(1).max(150),
    explanation: z.string().min(1).max(1500),
    fixes: z.array(Fix).min(1),
  })
  .strict();
export type CauseWords = z.infer<typeof CauseWords>;

/**
 * The "Watch live" button under a verdict (Slack): its label, and the sentences that offer it when the verdict is
 * inconclusive or the rates show keys still being removed. Without this section the button is not shown.
 */
export const WatchWords = z
  .object({
    label: z.string().min(1).max(75),
    /** Shown above the buttons when no single cause could be proven. */
    inconclusive: z.string().min(1).max(1000),
    /** Shown above the buttons when the rates measured during the checks show keys still being removed. */
    removing: z.string().min(1).max(1000),
    /** Said after a watch that did not finish because its replica stopped answering, before the button to watch again. */
    lost: z.string().min(1).max(1000).optional(),
  })
  .strict();
export type WatchWords = z.infer<typeof WatchWords>;

/** `{cache}` in a title is the cache's name. */
const recordedTitle = z.string().min(1).max(150).includes('{cache}', { message: 'the title names the cache as {cache}' });

/**
 * What `keyloss record` posts in a cache's alert channel when it records a flush, a restart or failover that lost keys,
 * or a removal burst: one title per kind, the sentence above the Diagnose button ({key} and {since} are the
 * investigation it starts), and a burst's state line. Without this section the recorder posts nothing.
 */
export const RecordedWords = z
  .object({
    button: z.string().min(1).max(75),
    titles: z.object({ flush: recordedTitle, restart: recordedTitle, failover: recordedTitle, burst: recordedTitle }).strict(),
    diagnose: z.string().min(1).max(1000),
    /** A burst still going ({threshold} and {baseline}: removals a minute), and one that ended ({ended}: the time). */
    burstOngoing: z.string().min(1).max(500),
    burstEnded: z.string().min(1).max(500),
  })
  .strict();
export type RecordedWords = z.infer<typeof RecordedWords>;

export const Runbook = z
  .object({
    id: nodeId,
    title: z.string().min(1).max(150),
    description: z.string().max(2000).optional(),
    start: nodeId,
    nodes: z.record(nodeId, RunbookNode),
    causes: z.record(z.string(), CauseWords),
    watch: WatchWords.optional(),
    recorded: RecordedWords.optional(),
    /**
     * When the tier is unknown, a fix meant for some tiers is listed after the others, introduced by `prefix` with the
     * tiers' `names` in {tiers} ("If the cache is Premium or Enterprise:"). Without it such fixes are left out then.
     */
    tierUnknown: z
      .object({
        prefix: z.string().min(1).max(150).includes('{tiers}', { message: 'the prefix names the tiers as {tiers}' }),
        // The first four are required as they always were; a tier added since that is not named here reads as Azure names it.
        names: z
          .object({
            basic: z.string().min(1),
            standard: z.string().min(1),
            premium: z.string().min(1),
            enterprise: z.string().min(1),
            'enterprise-flash': z.string().min(1).optional(),
            'memory-optimized': z.string().min(1).optional(),
            balanced: z.string().min(1).optional(),
            'compute-optimized': z.string().min(1).optional(),
            'flash-optimized': z.string().min(1).optional(),
          })
          .strict(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Runbook = z.infer<typeof Runbook>;
