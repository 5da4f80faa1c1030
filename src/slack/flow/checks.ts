// Runs the runbook's checks for a thread: live progress, then the verdict (or a clear line when the cache is unreachable).
import type { CheckId, CheckProgress } from '../../domain/checks.ts';
import { runCheckNode } from '../../core/check-node.ts';
import { describeError, redact } from '../../redact.ts';
import { topCause } from '../../report/build.ts';
import type { Report } from '../../report/model.ts';
import { renderText } from '../../report/text.ts';
import { message, button, section } from '../blocks/message.ts';
import { escapeMrkdwn } from '../blocks/escape.ts';
import { noticeMessage } from '../blocks/notices.ts';
import { progressMessage } from '../blocks/progress.ts';
import { rootMessage } from '../blocks/root.ts';
import { verdictMessage } from '../blocks/verdict.ts';
import { acquireConnections, DEFAULT_BUDGET } from '../../state/budget.ts';
import { RunInterrupted, stillRunningSentence } from '../../state/inflight.ts';
import { ACTION } from '../ids.ts';
import type { Client, SlackDeps } from '../context.ts';
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

/** The progress message of an investigation waiting for a place in its cache's connection budget. */
export function waitingMessage(cache: string, connections: number) {
  return noticeMessage(
    ':hourglass_flowing_sand:',
    `Waiting for the cache ${cache}: keyloss holds at most ${connections} connections to it (KEYLOSS_CACHE_CONNECTIONS) and other investigations of it are using them. The checks start as soon as one finishes.`,
  );
}

/** The key of an incident's in-flight record: one per thread. */
export function incidentKey(channel: string, rootTs: string): string {
  return `${channel}:${rootTs}`;
}

/** The thread an incident key names, also a watch's (channel ids and message ts hold no colon). */
export function incidentThread(incident: string): { channel: string; rootTs: string } {
  const [channel = '', rootTs = ''] = incident.split(':');
  return { channel, rootTs };
}

/**
 * Runs the checks unless another live replica is running them; records this replica as running them (with a
 * heartbeat) so that a crash here is seen by the others, and a shutdown here says so in the thread.
 */
export async function checkIncident(client: Client, deps: SlackDeps, channel: string, rootTs: string, user: string): Promise<void> {
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

  let progressTs: string | null = null;
  let planned: CheckId[] = [];
  const seen: CheckProgress[] = [];
  const run: CheckRun = { startedAt: deps.now().toISOString(), finishedAt: null, startedBy: user, checks: [] };
  const throttle = createThrottle(
    deps.config.progressIntervalMs,
    () => (progressTs === null ? Promise.resolve() : updateMessage(client, channel, progressTs, progressMessage(inv.cache, planned, [...seen]))),
    (error) => deps.audit({ action: 'error', user, channel, thread: rootTs, cache: inv.cache, where: 'progress update', error: describeError(error) }),
  );
  // The cache's connection budget (KEYLOSS_CACHE_CONNECTIONS, across every replica): beyond it this investigation
  // waits its turn, and its progress message says so until its checks start.
  const lease = await acquireConnections(deps.store, inv.cache, { ...DEFAULT_BUDGET, connections: deps.config.cacheConnections }, {
    signal,
    onQueued: async () => {
      progressTs = await postMessage(client, channel, rootTs, waitingMessage(inv.cache, deps.config.cacheConnections));
      deps.audit({ action: 'queued', user, channel, thread: rootTs, cache: inv.cache, connections: deps.config.cacheConnections });
    },
  });
  const result = !lease
    ? ({ ok: false, kind: 'interrupted', sentence: 'The checks were stopped before their verdict.', plan: null } as const)
    : await runCheckNode(
    {
      engine: deps.engine,
      session: checkpoint,
      // Only the caches file's caches: nobody pastes an address with its key into a channel.
      targets: { cachesPath: deps.config.cachesPath, secrets: deps.config.secrets, caches: deps.caches, urlAuth: null },
      azure: deps.azure,
      record: deps.record,
      rateIntervalMs: deps.config.rateIntervalMs,
    },
    {
      async onPlanned(plan) {
        planned = plan.checks;
        await updateMessage(client, channel, inv.statusTs ?? rootTs, rootMessage(inv, { kind: 'checking' }));
        // A waiting investigation's message becomes its progress; otherwise the progress is a new message.
        const waited = progressTs;
        const ts = waited ?? (await postMessage(client, channel, rootTs, progressMessage(inv.cache, planned, seen)));
        if (waited !== null) await updateMessage(client, channel, waited, progressMessage(inv.cache, planned, seen));
        progressTs = ts;
        await updateInvestigation(deps.store, channel, rootTs, ttl, (current) => ({ ...current, checkpoint, progressTs: ts, unreachable: null }));
        deps.audit({ action: 'checks-started', user, channel, thread: rootTs, cache: inv.cache, checks: planned, key: plan.query.key, db: plan.query.db });
      },
      onProgress(p) {
        const at = seen.findIndex((s) => s.id === p.id);
        if (at >= 0) seen[at] = p;
        else seen.push(p);
        throttle.request();
      },
      now: deps.now,
      signal,
    },
  ).finally(() => lease.release());
  if (!result.ok && result.kind === 'interrupted') {
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
  // Before the checks started (no target, no query): nothing ran, so there is no run to record.
  if (!result.ok && result.plan === null) return fail(result.sentence);
  throttle.request();
  await throttle.flush();
  run.finishedAt = deps.now().toISOString();
  run.checks = [...seen];

  if (!result.ok) {
    if (result.kind !== 'runbook' && progressTs !== null) {
      await updateMessage(client, channel, progressTs, noticeMessage(':warning:', `The checks on ${inv.cache} did not run.`));
    }
    await updateInvestigation(deps.store, channel, rootTs, ttl, (current) => ({ ...current, runs: [...current.runs, run] }));
    if (result.kind === 'runbook') return fail(result.sentence);
    return fail(result.kind === 'no-such-db' ? `${result.sentence}; run /keyloss again with the database the application uses` : result.sentence);
  }

  const { report, conclusion: reached } = result;
  const concluded = result.session;
  const watch = deps.engine.runbook.watch ?? null;
  const conclusion = reached ? { title: reached.title, body: reached.body, watch } : { title: 'Checks finished', body: report.headline, watch };
  const metadata = reportMetadata(report, inv.cache, inv.alert?.id);
  const verdict = verdictMessage(report, conclusion);
  // The report is stored before the verdict is posted: a click on its buttons may land on another replica at once.
  await updateInvestigation(deps.store, channel, rootTs, ttl, (current) => ({
    ...current,
    session: concluded,
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
