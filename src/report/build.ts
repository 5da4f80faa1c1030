// Builds the one report every surface renders (the JSON contract) from evidence, the runbook and the checks that ran:
// the diagnosis judges, the runbook gives each cause its title, explanation and the fixes that apply here.
import type { CheckId, CheckResults, Evidence } from '../domain/checks.ts';
import { diagnose, type Diagnosis } from '../diagnosis/diagnose.ts';
import { describeServer } from '../domain/endpoint.ts';
import { dataOf } from '../diagnosis/evidence.ts';
import type { Runbook } from '../runbook/schema.ts';
import type { CauseId } from '../domain/causes.ts';
import { applicableFixes } from './fixes.ts';
import { headlineFor } from './headline.ts';
import type { RecordData } from '../domain/record.ts';
import type { CauseReport, CheckSummary, RecordRemovalBins, Report } from './model.ts';

export interface ReportInput {
  evidence: Evidence;
  runbook: Runbook;
  /** Where the diagnosis looked; `db` is the application's db. */
  target: { host: string; port: number; tls: boolean };
  /** The named cache from the caches file, when there is one. */
  cache?: string | null;
  /** The checks in the order they were planned, with their status and time. */
  checks: CheckSummary[];
  generatedAt: Date;
}

/** One summary per check result, in `order`, labelled by `titles` (the check registry's titles). */
export function summarizeChecks(results: CheckResults, order: readonly CheckId[], titles: Partial<Record<CheckId, string>>): CheckSummary[] {
  return order.flatMap((id): CheckSummary[] => {
    const result = results[id];
    if (!result) return [];
    const base = { id, status: result.status, ms: Math.round(result.ms), title: titles[id] ?? id };
    if (result.status === 'failed') return [{ ...base, error: result.error }];
    if (result.status === 'skipped') return [{ ...base, reason: result.reason }];
    return [base];
  });
}

/** The cause a report names: the first cause when the verdict is explained, else none. The one meaning of "top cause". */
export function topCause(report: Pick<Report, 'verdict' | 'causes'>): CauseId | null {
  return report.verdict === 'explained' ? (report.causes[0]?.id ?? null) : null;
}

/** The diagnosis in the runbook's words: each cause with its title, explanation and applicable fixes, and a headline. */
export interface ExplainedDiagnosis extends Omit<Diagnosis, 'causes'> {
  causes: CauseReport[];
  headline: string;
}

export function explainDiagnosis(evidence: Evidence, runbook: Runbook): ExplainedDiagnosis {
  const diagnosis = diagnose(evidence);
  const causes = diagnosis.causes.map((cause): CauseReport => {
    const words = runbook.causes[cause.id];
    return {
      ...cause,
      fixes: words ? applicableFixes(words.fixes, { tier: diagnosis.tier, facts: diagnosis.facts, values: diagnosis.values, tierUnknown: runbook.tierUnknown }) : [],
      title: words?.title ?? cause.id,
      explanation: words?.explanation ?? '',
    };
  });
  const near = dataOf(evidence, 'keyspace.presence')?.near ?? null;
  return { ...diagnosis, causes, headline: headlineFor(diagnosis.verdict, causes, evidence.query, diagnosis.unchecked, near) };
}

export function buildReport(input: ReportInput): Report {
  const { evidence, runbook } = input;
  const diagnosis = explainDiagnosis(evidence, runbook);
  const presence = dataOf(evidence, 'keyspace.presence');
  const metrics = dataOf(evidence, 'azure.metrics');
  const record = dataOf(evidence, 'record');
  const rates = dataOf(evidence, 'rates');
  const activity = dataOf(evidence, 'azure.activity-log');
  const endpoint = dataOf(evidence, 'info')?.endpoint;
  return {
    target: { host: input.target.host, port: input.target.port, db: evidence.query.db, tls: input.target.tls },
    query: {
      key: evidence.query.key,
      ...(evidence.query.field !== undefined ? { field: evidence.query.field } : {}),
      since: evidence.query.since.toISOString(),
      tier: diagnosis.tier,
      scope: diagnosis.scope,
    },
    verdict: diagnosis.verdict,
    causes: diagnosis.causes,
    checks: input.checks,
    key: {
      pattern: evidence.query.key,
      present: presence?.present ?? false,
      matches: (presence?.matches ?? []).map((m) => ({ db: m.db, count: m.count, sampled: m.sampled, ...(m.estimate ? { estimate: m.estimate } : {}) })),
      ...(presence?.pacing ? { pacing: presence.pacing } : {}),
      ...(presence?.near ? { near: presence.near } : {}),
      ...(presence?.keyType ? { type: presence.keyType } : {}),
      ...(presence?.field ? { field: { name: presence.field.name, present: presence.field.present } } : {}),
    },
    headline: diagnosis.headline,
    unchecked: diagnosis.unchecked,
    generatedAt: input.generatedAt.toISOString(),
    cache: input.cache ?? null,
    tierSource: diagnosis.tierSource,
    metrics: (metrics?.sparklines ?? []).map((s) => ({
      metric: s.metric,
      line: s.line,
      min: s.min,
      max: s.max,
      change: s.change,
      unit: s.unit,
      aggregation: s.aggregation,
      points: s.points,
      changes: s.changes,
    })),
    metricsWindow: metrics ? metrics.window : null,
    scopeSource: evidence.query.scope ? 'asked' : 'inferred',
    record: record
      ? {
          ...record.record,
          events: record.changes.filter((change) => change.type !== 'clients').map((change) => ({ at: change.at, type: change.type, summary: change.summary })),
          ...removalBins(record),
        }
      : null,
    ...(activity
      ? { activity: activity.events.filter((e) => e.kind !== 'other' && e.status?.toLowerCase() !== 'failed').slice(0, 50).map((e) => ({ at: e.at, kind: e.kind, operation: e.operation })) }
      : {}),
    rates: rates
      ? { from: rates.startedAt ?? null, intervalMs: rates.intervalMs, expiredPerSec: rates.expiredPerSec, evictedPerSec: rates.evictedPerSec, deletedPerSec: rates.deletedPerSec }
      : null,
    ...(endpoint ? { endpoint: { ...endpoint, name: describeServer(endpoint) } } : {}),
  };
}

/** A chart of removals per minute has at most this many bars: a bin is one or more whole minutes. */
const REMOVAL_BINS = 20;
const MINUTE_MS = 60_000;

/** The record's removals of the asked families, summed into at most 20 equal bins over the window; nothing when none. */
function removalBins(record: RecordData): { removals: RecordRemovalBins } | Record<string, never> {
  const withMinutes = record.removals.filter((r) => (r.minutes?.length ?? 0) > 0);
  if (withMinutes.length === 0) return {};
  const from = Math.floor(Date.parse(record.window.from) / MINUTE_MS);
  const to = Math.ceil(Date.parse(record.window.to) / MINUTE_MS);
  const span = Math.max(1, to - from);
  const minutes = Math.ceil(span / REMOVAL_BINS);
  const count = Math.ceil(span / minutes);
  const bins = Array.from({ length: count }, (_, i) => new Date((from + i * minutes) * MINUTE_MS).toISOString());
  const series = withMinutes.map((r) => {
    const counts = new Array<number>(count).fill(0);
    for (const m of r.minutes ?? []) {
      const index = Math.floor((Date.parse(m.at) / MINUTE_MS - from) / minutes);
      if (index >= 0 && index < count) counts[index] = (counts[index] ?? 0) + m.count;
    }
    return { event: r.event, counts };
  });
  return { removals: { minutes, bins, series } };
}
