// Runs the runbook's checks for a thread: live progress, then the verdict (or a clear line when the cache is unreachable).
import type { CheckProgress } from '../../domain/checks.ts';
import { isCheckId } from '../../domain/checks.ts';
import { resolveCacheUrl } from '../../config/caches.ts';
import { investigate } from '../../investigate.ts';
import { describeError, redact } from '../../redact.ts';
import { topCause } from '../../report/build.ts';
import type { Report } from '../../report/model.ts';
import { renderText } from '../../report/text.ts';
import { queryFromAnswers } from '../../core/answers.ts';
import { message, button, section } from '../blocks/message.ts';
import { escapeMrkdwn } from '../blocks/escape.ts';
import { noticeMessage } from '../blocks/notices.ts';
import { progressMessage } from '../blocks/progress.ts';
import { rootMessage } from '../blocks/root.ts';
import { verdictMessage } from '../blocks/verdict.ts';
import { RunInterrupted, stillRunningSentence } from '../../state/inflight.ts';
import { ACTION } from '../ids.ts';
import { cacheNamed, type Client, type SlackDeps } from '../context.ts';
import { loadInvestigation, updateInvestigation, type CheckRun } from '../investigation.ts';
import { attachMarkdown, postMessage, updateMessage, type ReportMetadata } from '../post.ts';
import { createThrottle } from '../throttle.ts';
import { postCharts } from '../charts.ts';

export function reportMetadata(report: Report, cache: string, alertId?: string): ReportMetadata {
  const cause = topCause(report);
  return {
    event_type: 'keyloss_report',
    event_payload: {
      verdict: report.verdict,
      cause: cause ?? 'none',
      likelihood: cause ? (report.causes[0]?.likelihood ?? 'none') : 'none',
      cache,
      key: report.query.key,
      ...(alertId ? { alert_id: alertId } : {}),
    },
  };
}

/** A thread line that leaves no doubt, with a button to try again. */
function failureMessage(text: string) {
  return message(text, [
    section(`:warning: ${escapeMrkdwn(text)}`),
    { type: 'actions', block_id: 'retry', elements: [button(ACTION.rerun, 'Re-run checks')] },
  ]);
}

/** The thread line for checks that stopped before their verdict, with a button to run them again. */
export function interruptedMessage(cache: string, why: string) {
  return failureMessage(`The checks on ${cache} were interrupted: ${why}. Re-run checks runs them again on a replica that is up.`);
}

/** The key of an incident's in-flight record: one per thread. */
export function incidentKey(channel: string, rootTs: string): string {
  return `${channel}:${rootTs}`;
}

/** The thread an incident key names (channel ids hold no colon). */
export function incidentThread(incident: string): { channel: string; rootTs: string } {
  const at = incident.indexOf(':');
  return { channel: incident.slice(0, at), rootTs: incident.slice(at + 1) };
}

/**
 * Runs the checks unless another live replica is running them; records this replica as running them (with a
 * heartbeat) so that a crash here is seen by the others, and a shutdown here says so in the thread.
 */
export async function runChecks(client: Client, deps: SlackDeps, channel: string, rootTs: string, user: string): Promise<void> {
  const incident = incidentKey(channel, rootTs);
  const begun = await deps.inflight.begin(incident);
  if (!begun.ok) {
    await postMessage(client, channel, rootTs, noticeMessage(':hourglass_flowing_sand:', stillRunningSentence(begun.status)));
    return;
  }
  // Ending is best effort: a state Redis blip must not turn a posted verdict into an error; the sweep skips concluded runs.
  const end = () => deps.inflight.end(incident, begun.run.runId).catch(() => undefined);
  try {
    if (begun.replaces) {
      deps.audit({ action: 'rerun', user, channel, thread: rootTs, lostReplica: begun.replaces.run.replica, replica: deps.inflight.replica });
      await postMessage(
        client,
        channel,
        rootTs,
        noticeMessage(':recycle:', `The earlier checks did not finish: ${begun.replaces.why}. Running them again on replica ${deps.inflight.replica}.`),
      );
    }
    // The run ends as soon as its verdict is posted and recorded, so a click on that verdict's Re-run is not told "still running".
    await runOwnedChecks(client, deps, channel, rootTs, user, begun.signal, end);
  } finally {
    // Ends the runs that stopped before a verdict; after one it only reads the record and leaves it as it is.
    await end();
  }
}

async function runOwnedChecks(
  client: Client,
  deps: SlackDeps,
  channel: string,
  rootTs: string,
  user: string,
  signal: AbortSignal,
  verdictRecorded: () => Promise<void>,
): Promise<void> {
  const inv = await loadInvestigation(deps.store, channel, rootTs);
  if (!inv) return;
  const step = deps.engine.current(inv.session);
  if (step?.kind !== 'check') return;
  const ttl = deps.config.sessionTtlMs;
  const checkpoint = inv.session;

  const fail = async (unsafe: string) => {
    const text = redact(unsafe);
    await postMessage(client, channel, rootTs, failureMessage(text));
    await updateMessage(client, channel, inv.statusTs ?? rootTs, rootMessage(inv, { kind: 'unreachable', reason: text }));
    await updateInvestigation(deps.store, channel, rootTs, ttl, (current) => ({ ...current, checkpoint, unreachable: text }));
    deps.audit({ action: 'unreachable', user, channel, thread: rootTs, cache: inv.cache, reason: text });
  };

  const cache = cacheNamed(deps, inv.cache);
  if (!cache) return fail(`The cache ${inv.cache} is no longer in the caches file, so it cannot be checked.`);
  const url = resolveCacheUrl(cache, deps.config.secrets);
  if (!url.ok) return fail(url.reason);
  const query = queryFromAnswers(inv.session.answers);
  if (!query.ok) return fail(`The checks need an answer for: ${query.missing.join(', ')}. Start again with /keyloss and give them.`);

  const planned = step.node.checks.filter(isCheckId);
  const seen: CheckProgress[] = [];
  await updateMessage(client, channel, inv.statusTs ?? rootTs, rootMessage(inv, { kind: 'checking' }));
  const progressTs = await postMessage(client, channel, rootTs, progressMessage(inv.cache, planned, seen));
  const run: CheckRun = { startedAt: deps.now().toISOString(), finishedAt: null, startedBy: user, checks: [] };
  await updateInvestigation(deps.store, channel, rootTs, ttl, (current) => ({
    ...current,
    checkpoint,
    progressTs,
    unreachable: null,
  }));
  deps.audit({ action: 'checks-started', user, channel, thread: rootTs, cache: inv.cache, checks: planned, key: query.query.key, db: query.query.db });

  const throttle = createThrottle(
    deps.config.progressIntervalMs,
    () => updateMessage(client, channel, progressTs, progressMessage(inv.cache, planned, [...seen])),
    (error) => deps.audit({ action: 'error', user, channel, thread: rootTs, cache: inv.cache, where: 'progress update', error: describeError(error) }),
  );
  const result = await investigate(
    {
      redisUrl: url.url,
      auth: cache.auth,
      query: query.query,
      runbook: deps.engine.runbook,
      cache: cache.name,
      clusterHosts: cache.clusterHosts,
      azure: cache.azure,
      azureAccess: deps.azure,
      checks: planned,
      record: deps.record,
      ...(deps.config.rateIntervalMs !== null ? { options: { rateIntervalMs: deps.config.rateIntervalMs } } : {}),
    },
    {
      onProgress(p) {
        const at = seen.findIndex((s) => s.id === p.id);
        if (at >= 0) seen[at] = p;
        else seen.push(p);
        throttle.request();
      },
      now: deps.now,
      signal,
    },
  );
  if (signal.aborted) {
    // Taken over by a replica that reports itself, or stopped by a shutdown of this one: no verdict from here.
    const reason = signal.reason instanceof RunInterrupted ? signal.reason : null;
    await throttle.flush().catch(() => undefined);
    if (reason?.by !== 'takeover') {
      const why = reason?.message ?? 'the checks were cancelled';
      deps.audit({ action: 'error', user, channel, thread: rootTs, cache: inv.cache, where: 'checks interrupted', error: why });
      await postMessage(client, channel, rootTs, interruptedMessage(inv.cache, why));
    }
    return;
  }
  throttle.request();
  await throttle.flush();
  run.finishedAt = deps.now().toISOString();
  run.checks = [...seen];

  if (!result.ok) {
    await updateMessage(client, channel, progressTs, noticeMessage(':warning:', `The checks on ${inv.cache} did not run.`));
    const text =
      result.kind === 'invalid-url'
        ? `The URL configured for ${inv.cache} cannot be used: ${result.reason}`
        : result.kind === 'no-such-db'
          ? `${inv.cache} at ${result.endpoint}: ${result.reason}; run /keyloss again with the database the application uses`
          : `keyloss ${result.kind === 'auth' ? 'was refused by' : 'could not reach'} ${inv.cache} at ${result.endpoint}: ${result.reason}`;
    await updateInvestigation(deps.store, channel, rootTs, ttl, (current) => ({ ...current, runs: [...current.runs, run] }));
    return fail(text);
  }

  const report = result.report;
  const findings = { verdict: report.verdict, topCause: topCause(report) };
  const concluded = deps.engine.recordFindings(checkpoint, findings, deps.now());
  if (!concluded.ok) return fail(`The runbook could not go on after the checks: ${concluded.error.message}`);
  const end = deps.engine.current(concluded.session);
  const watch = deps.engine.runbook.watch ?? null;
  const conclusion = end?.kind === 'conclusion' ? { title: end.node.title, body: end.node.body, watch } : { title: 'Checks finished', body: report.headline, watch };
  const metadata = reportMetadata(report, inv.cache, inv.alert?.id);
  const verdict = verdictMessage(report, conclusion);
  // The report is stored before the verdict is posted: a click on its buttons may land on another replica at once.
  await updateInvestigation(deps.store, channel, rootTs, ttl, (current) => ({
    ...current,
    session: concluded.session,
    checkpoint,
    report,
    verdictUsed: [],
    charts: [],
    runs: [...current.runs, run],
    unreachable: null,
  }));
  // The root first: once the run has ended, a re-run may set it to "checking" again, and must not be overwritten.
  await updateMessage(client, channel, inv.statusTs ?? rootTs, rootMessage(inv, { kind: 'concluded', report, conclusionTitle: conclusion.title }), metadata);
  const verdictTs = await postMessage(client, channel, rootTs, verdict, metadata);
  await updateInvestigation(deps.store, channel, rootTs, ttl, (current) => ({ ...current, verdictTs }));
  await verdictRecorded();
  if (verdict.overflowed) {
    await attachMarkdown(client, channel, rootTs, `keyloss-report-${inv.cache}.txt`, `Full report: ${inv.cache}`, renderText(report, { color: false }));
  }
  // Pictures are extra: a failed upload is one line in the thread, never a lost verdict.
  const charts = await postCharts(client, channel, rootTs, report).catch(async (error: unknown) => {
    const why = describeError(error);
    deps.audit({ action: 'error', user, channel, thread: rootTs, cache: inv.cache, where: 'chart upload', error: why });
    await postMessage(client, channel, rootTs, noticeMessage(':warning:', `The metric charts could not be uploaded: ${why}`)).catch(() => undefined);
    return [];
  });
  if (charts.length > 0) await updateInvestigation(deps.store, channel, rootTs, ttl, (current) => ({ ...current, charts }));
  deps.audit({
    action: 'verdict',
    user,
    channel,
    thread: rootTs,
    cache: inv.cache,
    verdict: report.verdict,
    cause: metadata.event_payload.cause,
    likelihood: metadata.event_payload.likelihood,
    checks: report.checks.map((c) => ({ id: c.id, status: c.status, ms: c.ms })),
    charts: charts.length,
  });
}
