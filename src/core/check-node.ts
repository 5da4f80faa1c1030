// The one check-node service every surface runs (the terminal, Slack, `diagnose`): resolve the target the answers name,
// investigate with the runbook node's checks, record the findings in the session, and hand back either the concluded
// session with its report or one failure sentence. The surfaces only show it.
import type { AzureAccess } from '../azure/context.ts';
import type { AzureTarget } from '../azure/types.ts';
import { isCheckId, type CheckId } from '../domain/checks.ts';
import type { Query } from '../domain/query.ts';
import { investigate, plannedChecks, type InvestigationHooks } from '../investigate.ts';
import { closeRecordStore, openRecordStore, type RecordStore } from '../record/check.ts';
import { redact } from '../redact.ts';
import { topCause } from '../report/build.ts';
import type { Report } from '../report/model.ts';
import type { Engine, Session } from '../runbook/engine.ts';
import type { CheckNode, ConclusionNode } from '../runbook/schema.ts';
import { queryFromAnswers } from './answers.ts';
import { resolveTarget, targetFailureSentence, type ResolvedTarget, type TargetSource } from './target.ts';

export interface CheckNodeInput {
  engine: Engine;
  /** A session standing at a check node. */
  session: Session;
  /** Where the cache answer is looked up. */
  targets: TargetSource;
  /** The cache to check when the session has no cache answer (REDIS_URL). */
  defaultTarget?: string;
  /** How this process reaches Azure: the Azure checks and Entra sign-in. */
  azure: AzureAccess;
  /** keyloss's record of the caches: an open store, or the state Redis to open for this run (and close after it). */
  record: RecordStore | { url: string; prefix: string; /** the flag or variable that gave the URL, named in a failure */ source?: string } | null;
  /** Least time between the rates check's two INFO samples; null keeps the checks' default. */
  rateIntervalMs: number | null;
  /** The Azure resource to read, over the target's own (diagnose's --azure-resource for a cache given as a URL). */
  azureTarget?: AzureTarget | null;
}

export interface CheckNodeHooks extends InvestigationHooks {
  /** Called once the target and the query are known, before the first command is sent (Slack posts its progress). */
  onPlanned?(plan: CheckPlan): Promise<void> | void;
}

export interface CheckPlan {
  node: CheckNode;
  /** The checks that will run and report, in report order: the node's, those whose data they read, the record. */
  checks: CheckId[];
  query: Query;
  target: ResolvedTarget;
}

/** What a failure is about, for the surface to act on (exit code, which question to ask again, which button). */
export type CheckNodeFailure =
  /** The session is not at a check node, or its answers do not make a query: the runbook or the session is broken. */
  | 'not-checking'
  /** The cache answer names no usable target (no such cache, no caches file, its URL variable unset). */
  | 'target'
  /** The URL cannot be used as given (Entra over redis://, a password with Entra). */
  | 'invalid-url'
  | 'unreachable'
  | 'auth'
  /** The application's db does not exist on the server: the db answer is wrong. */
  | 'no-such-db'
  /** The checks were stopped (Ctrl-C, shutdown, another replica took over): no verdict. */
  | 'interrupted'
  /** The runbook has no way on from the findings. */
  | 'runbook';

export type CheckNodeResult =
  | {
      ok: true;
      /** The session after the findings: at a conclusion (or at whatever node the runbook leads to next). */
      session: Session;
      report: Report;
      /** The conclusion the findings led to, when the runbook went straight to one. */
      conclusion: ConclusionNode | null;
      plan: CheckPlan;
      /** Commands sent to the cache, for the benchmark and the audit log. */
      commandsSent: number;
    }
  | { ok: false; kind: CheckNodeFailure; sentence: string; plan: CheckPlan | null };

/** Runs the current check node of `input.session` to its findings. */
export async function runCheckNode(input: CheckNodeInput, hooks: CheckNodeHooks = {}): Promise<CheckNodeResult> {
  const { engine, session } = input;
  const step = engine.current(session);
  if (step?.kind !== 'check') {
    return { ok: false, kind: 'not-checking', sentence: `The session stands at node "${session.node}" of runbook ${engine.runbook.id}, not at its checks.`, plan: null };
  }
  // A field given ahead (--field, `field` in the command text) is asked of the first checks, before its question.
  const ahead = session.answers.field === undefined ? session.prefill?.field : undefined;
  const query = queryFromAnswers(ahead !== undefined ? { ...session.answers, field: ahead } : session.answers);
  if (!query.ok) {
    return { ok: false, kind: 'not-checking', sentence: `Runbook ${engine.runbook.id} reached its checks without an answer for: ${query.missing.join(', ')}.`, plan: null };
  }
  const answer = session.answers.cache ?? input.defaultTarget;
  if (answer === undefined) return { ok: false, kind: 'target', sentence: 'No cache was given to check.', plan: null };
  const resolved = await resolveTarget(answer, input.targets);
  if (!resolved.ok) return { ok: false, kind: 'target', sentence: redact(resolved.reason), plan: null };
  const target = resolved.target;
  const asked = step.node.checks.filter(isCheckId);
  // Every check that will report, so a progress count never passes its total: the needs and the record included.
  const plan: CheckPlan = { node: step.node, checks: plannedChecks(asked, input.record !== null), query: query.query, target };
  await hooks.onPlanned?.(plan);

  const record = input.record && 'url' in input.record ? await openRecordStore(input.record.url, input.record.prefix, input.record.source) : input.record;
  const result = await investigate(
    {
      record,
      redisUrl: target.redisUrl,
      auth: target.auth,
      query: query.query,
      runbook: engine.runbook,
      cache: target.cache,
      clusterHosts: target.clusterHosts,
      azure: input.azureTarget ?? target.azure,
      azureAccess: input.azure,
      checks: asked,
      ...(input.rateIntervalMs !== null ? { options: { rateIntervalMs: input.rateIntervalMs } } : {}),
    },
    hooks,
  ).finally(() => (record !== input.record ? closeRecordStore(record) : undefined));

  if (hooks.signal?.aborted) return { ok: false, kind: 'interrupted', sentence: 'The checks were stopped before their verdict.', plan };
  if (!result.ok) {
    // The db is an answer to correct: its sentence is about the answer, not the connection.
    if (result.kind === 'no-such-db') return { ok: false, kind: 'no-such-db', sentence: redact(result.reason), plan };
    return { ok: false, kind: result.kind, sentence: targetFailureSentence(result, target.cache), plan };
  }
  const report = result.report;
  const findings = { verdict: report.verdict, topCause: topCause(report), ...(report.key.type ? { keyType: report.key.type } : {}) };
  const recorded = engine.recordFindings(session, findings, (hooks.now ?? (() => new Date()))());
  if (!recorded.ok) return { ok: false, kind: 'runbook', sentence: `The runbook could not go on after the checks: ${recorded.error.message}`, plan };
  const next = engine.current(recorded.session);
  return {
    ok: true,
    session: recorded.session,
    report,
    conclusion: next?.kind === 'conclusion' ? next.node : null,
    plan,
    commandsSent: result.commandsSent,
  };
}
