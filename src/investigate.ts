// The one place that wires an investigation: open the cache, build the Azure context, run the checks, diagnose, build the report.
import { azureChecks } from './checks/azure.ts';
import { createAzureContext, NO_AZURE_ACCESS, type AzureAccess } from './azure/context.ts';
import { loginEndpoint, type RedisAuth } from './azure/redis-login.ts';
import type { AzureContext, AzureTarget } from './azure/types.ts';
import { DEFAULT_CHECK_OPTIONS, redisChecks } from './checks/registry.ts';
import { withNeeds } from './checks/needs.ts';
import { runChecks } from './checks/run.ts';
import {
  AZURE_CHECK_IDS,
  type CheckId,
  type CheckProgress,
  type CheckResult,
  type CheckResults,
  type Evidence,
} from './domain/checks.ts';
import type { Check, CheckOptions } from './checks/types.ts';
import type { Query } from './domain/query.ts';
import { describeError } from './redact.ts';
import { recordCheck, type RecordStore } from './record/check.ts';
import { ReplyBudget } from './redis/connection.ts';
import { missingDatabase } from './redis/databases.ts';
import { openTarget } from './redis/target.ts';
import { describeEndpoint } from './redis/url.ts';
import { buildReport, summarizeChecks } from './report/build.ts';
import type { Report } from './report/model.ts';
import type { Runbook } from './runbook/schema.ts';

/** Every check keyloss knows, in the order a report lists them. */
export const ALL_CHECKS: readonly Check[] = [...redisChecks, ...(azureChecks as readonly Check[])];

export interface InvestigationInput {
  /** redis:// or rediss:// URL; its credentials are registered as secrets when parsed. */
  redisUrl: string;
  /** How to sign in: the URL's credentials (default), or a Microsoft Entra token. */
  auth?: RedisAuth;
  query: Query;
  runbook: Runbook;
  /** The named cache from the caches file, when there is one. */
  cache?: string | null;
  /** The caches file's `cluster.hosts` for that cache: announced cluster nodes on these hosts are followed too. */
  clusterHosts?: readonly string[];
  azure?: AzureTarget | null;
  /** How this process reaches Azure (src/azure/context.ts azureAccess); without it the Azure checks are skipped and Entra sign-in fails. */
  azureAccess?: AzureAccess | null;
  /** Run only these checks (and report only them); default: all. */
  checks?: CheckId[];
  options?: Partial<CheckOptions>;
  /** keyloss's own record of caches (the state Redis), read when given; found by the cache's name or its address. */
  record?: RecordStore | null;
}

export interface InvestigationHooks {
  onProgress?(progress: CheckProgress): void;
  /** The clock; tests and replays pass their own. */
  now?: () => Date;
  signal?: AbortSignal;
}

export type InvestigationResult =
  | { ok: true; report: Report; /** Commands sent to the cache, for the benchmark and the audit log. */ commandsSent: number }
  | { ok: false; kind: 'unreachable' | 'auth'; endpoint: string; reason: string }
  /** The application's db does not exist on the server: an answer to correct, not a check that failed. */
  | { ok: false; kind: 'no-such-db'; endpoint: string; reason: string }
  | { ok: false; kind: 'invalid-url'; endpoint: null; reason: string };

export async function investigate(input: InvestigationInput, hooks: InvestigationHooks = {}): Promise<InvestigationResult> {
  const now = hooks.now?.() ?? new Date();
  const options: CheckOptions = { ...DEFAULT_CHECK_OPTIONS, ...input.options };
  const access = input.azureAccess ?? NO_AZURE_ACCESS;
  const login = await loginEndpoint(input.redisUrl, input.auth ?? 'key', () => access.credential());
  if (!login.ok) return login;
  // One budget for the memory of every reply the investigation holds, whatever the cache answers (ReplyBudget).
  const opened = await openTarget(login.endpoint, { commandTimeoutMs: options.commandTimeoutMs, clusterHosts: input.clusterHosts ?? [], replyBudget: new ReplyBudget() });
  if (!opened.ok) return opened;
  const target = opened.target;
  try {
    const missing = await missingDatabase(target, input.query.db).catch(() => null);
    if (missing !== null) return { ok: false, kind: 'no-such-db', endpoint: target.address, reason: missing };
    const wanted = new Set(plannedChecks(input.checks));
    const planned = ALL_CHECKS.filter((check) => wanted.has(check.id));
    // The record is read whenever there is one to read, whichever checks a runbook node asked for.
    if (input.record) planned.push(recordCheck(input.record, { name: input.cache ?? null, address: describeEndpoint(login.endpoint) }) as Check);

    // Without an Azure target (or with one that cannot be used) the Azure checks are reported skipped, not run.
    const azure = createAzureContext(input.azure ?? null, access);
    const azureContext: AzureContext | null = azure.ok ? azure.context : null;
    const skipped: CheckResults = {};
    if (!azure.ok) {
      for (const check of planned.filter((c) => isAzureCheck(c.id))) {
        (skipped as Record<string, CheckResult>)[check.id] = { id: check.id, status: 'skipped', ms: 0, reason: describeError(azure.reason) };
        notify(hooks, { id: check.id, title: check.title, status: 'skipped', ms: 0, detail: describeError(azure.reason) });
      }
    }
    const toRun = planned.filter((check) => azure.ok || !isAzureCheck(check.id));
    const ran = await runChecks(
      toRun,
      { query: input.query, now, redis: target, azure: azureContext, options },
      { ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}), ...(hooks.signal ? { signal: hooks.signal } : {}) },
    );
    const results: CheckResults = { ...skipped, ...ran };
    const evidence: Evidence = { query: input.query, now, results };
    const titles = Object.fromEntries(planned.map((check) => [check.id, check.title]));
    const report = buildReport({
      evidence,
      runbook: input.runbook,
      target: { host: target.endpoint.host, port: target.endpoint.port, tls: target.endpoint.tls },
      cache: input.cache ?? null,
      checks: summarizeChecks(results, planned.map((check) => check.id), titles),
      generatedAt: now,
    });
    return { ok: true, report, commandsSent: target.commandsSent };
  } finally {
    await target.close();
  }
}

/**
 * The checks an investigation of `checks` (default: all) runs and reports, in report order: those asked for, the
 * checks whose data they read, and the record check when a record is read (`withRecord`).
 */
export function plannedChecks(checks?: readonly CheckId[], withRecord = false): CheckId[] {
  const wanted = checks ? withNeeds(ALL_CHECKS, checks) : null;
  const ids = ALL_CHECKS.filter((check) => !wanted || wanted.has(check.id)).map((check) => check.id);
  return withRecord ? [...ids, 'record'] : ids;
}

function isAzureCheck(id: CheckId): boolean {
  return (AZURE_CHECK_IDS as readonly string[]).includes(id);
}

function notify(hooks: InvestigationHooks, progress: CheckProgress): void {
  try {
    hooks.onProgress?.(progress);
  } catch {
    // A surface failing to render progress must not stop the investigation.
  }
}
