// The one report model every surface renders. Its JSON form is the contract in ../shared/spec/diagnose-cli.md:
// fields may be added, none changed.
import { z } from 'zod';
import { JsonNumber } from '../domain/json-number.ts';
import { CauseIdSchema, LikelihoodSchema, type CauseId, type Likelihood } from '../domain/causes.ts';
import { ScopeSchema, TierSchema, type Scope, type Tier } from '../domain/query.ts';
import { CheckIdSchema, type CheckId } from '../domain/checks.ts';
import { EvidenceLineSchema, VerdictSchema, type EvidenceLine, type Verdict } from '../domain/verdict.ts';
import { MetricLineSchema, type MetricLine } from '../domain/azure-evidence.ts';
import { EndpointProfileSchema, type EndpointProfile } from '../domain/endpoint.ts';
import { NearNameFindingSchema, SampleEstimateSchema, ScanPacingSummarySchema, type NearNameFinding, type SampleEstimate, type ScanPacingSummary } from '../domain/evidence.ts';

export interface CauseReport {
  id: CauseId;
  likelihood: Likelihood;
  score: number;
  evidence: EvidenceLine[];
  fixes: string[];
  /** Additive: true when the record shows this cause removing the asked key (absent otherwise). */
  confirmed?: boolean;
  /** Additive: words from the runbook. */
  title: string;
  explanation: string;
}

export interface CheckSummary {
  id: CheckId;
  status: 'ok' | 'failed' | 'skipped';
  ms: number;
  /** Present when failed. */
  error?: string;
  /** Additive: present when skipped. */
  reason?: string;
  /** Additive: a human label for the check. */
  title: string;
}

export interface Report {
  target: { host: string; port: number; db: number; tls: boolean };
  /** `field`, additive: the hash field asked with --field. */
  query: { key: string; field?: string; since: string; tier: Tier | null; scope: Scope };
  verdict: Verdict;
  causes: CauseReport[];
  checks: CheckSummary[];
  key: {
    pattern: string;
    present: boolean;
    matches: Array<{ db: number; count: number; sampled: boolean; estimate?: SampleEstimate }>;
    /** Additive: how the scans were paced on each node, from its measured load. */
    pacing?: ScanPacingSummary[];
    /** Additive: when nothing matched in any db, a name that differs only in case, a separator or a prefix and matches. */
    near?: NearNameFinding;
    /** Additive: the exact key's type (`hash`, `string`, …) when it is there. */
    type?: string;
    /** Additive: the asked hash field (`--field`) and whether the key holds it (null: could not be read). */
    field?: { name: string; present: boolean | null };
  };
  /** Additive: one sentence a tired engineer reads first. */
  headline: string;
  /** Additive: what could not be checked, as sentences. */
  unchecked: string[];
  /** Additive: when the checks ran. */
  generatedAt: string;
  /** Additive: the named cache from the caches file, when there is one. */
  cache: string | null;
  /** Additive: where the tier came from. */
  tierSource: 'asked' | 'azure' | 'unknown';
  /** Additive: Azure metric sparklines, when Azure was read; with the points and changes the charts draw. */
  metrics: MetricReport[];
  /** Additive: the window the metrics cover, when Azure was read. */
  metricsWindow: { from: string; to: string; interval: string } | null;
  /** Additive: whether the scope was the engineer's answer or inferred from the evidence. */
  scopeSource: 'asked' | 'inferred';
  /**
   * keyloss's own record of the cache (spec/watch-record-cli.md): what it spans and its gaps in the window; null when
   * no record covers the target. Additive: `events`, the restarts, failovers, flushes and bursts it dated in the window.
   */
  record: {
    from: string;
    to: string;
    gaps: Array<{ from: string; to: string; why: string }>;
    events: Array<{ at: string; type: string; summary: string }>;
    /**
     * Additive: the recorded removals of the asked keys' families over the window, by event, in at most 20 equal bins
     * of whole minutes (`minutes` long, each starting at `at`); absent in reports stored before it existed.
     */
    removals?: RecordRemovalBins;
  } | null;
  /**
   * Additive: keys removed per second while the checks ran (the rates check: expirations, evictions, and DEL, UNLINK,
   * GETDEL, HDEL calls), each null when a node did not report its counter; null when the rates were not measured.
   * Optional only for reports stored before it existed.
   */
  /** Additive: what Azure's activity log dated in the window (flushes, reboots, stops, health events, writes); absent when it was not read. */
  activity?: Array<{ at: string; kind: string; operation: string }>;
  rates?: { from: string | null; intervalMs: number; expiredPerSec: number | null; evictedPerSec: number | null; deletedPerSec: number | null } | null;
  /**
   * Additive: what kind of endpoint answered (src/redis/endpoint.ts) and so what its answers can tell, with `name` as
   * people say it ("Valkey 8.0.1", "Azure Managed Redis: Redis Enterprise (redis_version 7.4.2), behind a proxy …");
   * absent when INFO was not read, and in reports stored before it existed.
   */
  endpoint?: EndpointProfile & { name: string };
}

/** Recorded removals per bin of the window: one series per event, the same bins for each. */
export interface RecordRemovalBins {
  minutes: number;
  bins: string[];
  series: Array<{ event: string; counts: number[] }>;
}

/**
 * One Azure metric as the report carries it: the contract's metric, line, min, max and change, and (additive) its
 * unit, aggregation, points and changes, which the charts draw. The same shape the metrics check folds.
 */
export type MetricReport = MetricLine;

const span = { from: z.string(), to: z.string() };

/** A report as stored with an investigation and read back (src/slack/investigation.ts checks its records with it). */
export const ReportSchema: z.ZodType<Report> = z.object({
  target: z.object({ host: z.string(), port: JsonNumber, db: JsonNumber, tls: z.boolean() }),
  query: z.object({ key: z.string(), field: z.string().optional(), since: z.string(), tier: TierSchema.nullable(), scope: ScopeSchema }),
  verdict: VerdictSchema,
  causes: z.array(
    z.object({
      id: CauseIdSchema,
      likelihood: LikelihoodSchema,
      score: JsonNumber,
      evidence: z.array(EvidenceLineSchema),
      fixes: z.array(z.string()),
      confirmed: z.boolean().optional(),
      title: z.string(),
      explanation: z.string(),
    }),
  ),
  checks: z.array(
    z.object({
      id: CheckIdSchema,
      status: z.enum(['ok', 'failed', 'skipped']),
      ms: JsonNumber,
      error: z.string().optional(),
      reason: z.string().optional(),
      title: z.string(),
    }),
  ),
  key: z.object({
    pattern: z.string(),
    present: z.boolean(),
    matches: z.array(z.object({ db: JsonNumber, count: JsonNumber, sampled: z.boolean(), estimate: SampleEstimateSchema.optional() })),
    pacing: z.array(ScanPacingSummarySchema).optional(),
    near: NearNameFindingSchema.optional(),
    type: z.string().optional(),
    field: z.object({ name: z.string(), present: z.boolean().nullable() }).optional(),
  }),
  headline: z.string(),
  unchecked: z.array(z.string()),
  generatedAt: z.string(),
  cache: z.string().nullable(),
  tierSource: z.enum(['asked', 'azure', 'unknown']),
  metrics: z.array(MetricLineSchema),
  metricsWindow: z.object({ ...span, interval: z.string() }).nullable(),
  scopeSource: z.enum(['asked', 'inferred']),
  record: z
    .object({
      ...span,
      gaps: z.array(z.object({ ...span, why: z.string() })),
      events: z.array(z.object({ at: z.string(), type: z.string(), summary: z.string() })),
      removals: z
        .object({ minutes: JsonNumber, bins: z.array(z.string()), series: z.array(z.object({ event: z.string(), counts: z.array(JsonNumber) })) })
        .optional(),
    })
    .nullable(),
  activity: z.array(z.object({ at: z.string(), kind: z.string(), operation: z.string() })).optional(),
  rates: z
    .object({
      from: z.string().nullable(),
      intervalMs: JsonNumber,
      expiredPerSec: z.number().nullable(),
      evictedPerSec: z.number().nullable(),
      deletedPerSec: z.number().nullable(),
    })
    .nullable()
    .optional(),
  endpoint: z.intersection(EndpointProfileSchema, z.object({ name: z.string() })).optional(),
});
