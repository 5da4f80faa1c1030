// "Watch live": the watch engine of `keyloss watch` (src/record/watch.ts) run from a thread on the investigation's
// cache, key and db, for KEYLOSS_WATCH_FOR; one progress message ticks through the seconds, the result lands in the thread.
import { createAzureContext } from '../../azure/context.ts';
import { loginEndpoint } from '../../azure/redis-login.ts';
import { resolveCacheUrl } from '../../config/caches.ts';
import { secondCells, watch, type WatchResult } from '../../record/watch.ts';
import { describeError, redact } from '../../redact.ts';
import { expiredMessage } from '../blocks/notices.ts';
import { watchDoneMessage, watchFailedMessage, watchProgressMessage, watchResultMessage, type WatchProgress, type WatchScope } from '../blocks/watch.ts';
import { cacheNamed, type Client, type SlackDeps } from '../context.ts';
import { ACTION } from '../ids.ts';
import { loadInvestigation, updateInvestigation } from '../investigation.ts';
import type { ClickPlace } from '../listeners/payload.ts';
import { postEphemeral, postMessage, updateMessage } from '../post.ts';
import { createThrottle } from '../throttle.ts';
import { RunInterrupted } from '../../state/inflight.ts';
import { incidentKey } from './checks.ts';
import { useVerdictButton } from './verdict-button.ts';

/** Slack's chat.update is Tier 3 (about 50 a minute): one edit a second at most, whatever the progress interval. */
const MIN_TICK_MS = 1_000;

export async function watchLive(client: Client, deps: SlackDeps, place: ClickPlace): Promise<void> {
  const words = deps.engine.runbook.watch;
  if (!words) return;
  // Validated before the button is claimed: a click on a thread that has no verdict (or none left) uses nothing up.
  const stored = await loadInvestigation(deps.store, place.channel, place.rootTs);
  if (!stored?.report) {
    await postEphemeral(client, place.channel, place.user, place.rootTs, expiredMessage());
    return;
  }
  const inv = await useVerdictButton(client, deps, place, ACTION.watchLive, { label: words.label });
  if (!inv?.report) return;
  const report = inv.report;
  const scope: WatchScope = {
    cache: inv.cache,
    // A pattern that matches everything counts nothing apart: every key is what is watched.
    key: report.query.key === '*' ? null : report.query.key,
    db: report.target.db,
    seconds: Math.round(deps.config.watchMs / 1000),
  };
  const progressTs = await postMessage(client, place.channel, place.rootTs, watchProgressMessage(scope, { elapsed: 0, events: 0, matching: 0, last: null }));
  deps.audit({ action: 'watch', user: place.user, channel: place.channel, thread: place.rootTs, cache: inv.cache, key: scope.key, db: scope.db, seconds: scope.seconds });
  // A run of its own beside the thread's checks (another key, so neither waits for the other): if this replica dies
  // mid-watch, another one says so in the thread (src/slack/flow/lost-runs.ts).
  const incident = watchIncident(place.channel, place.rootTs, progressTs);
  const begun = await deps.inflight.begin(incident, { what: 'watch', progressTs }).catch(async (error: unknown) => {
    await updateMessage(client, place.channel, progressTs, watchDoneMessage(scope, null)).catch(() => undefined);
    throw error;
  });
  // A key of its own per watch: no other run can hold it.
  if (!begun.ok) throw new Error(`the watch ${incident} is already running on replica ${begun.status.run.replica}`);
  try {
    await watchOwned(client, deps, { place, scope, progressTs, label: words.label, run: begun.signal });
  } finally {
    // Best effort, as for the checks: the result is out, and a state Redis blip must not turn it into an error.
    await deps.inflight.end(incident, begun.run.runId).catch(() => undefined);
  }
}

/** The key of a watch's in-flight record: its thread's incident key (so a sweep finds the thread) and its progress message. */
export function watchIncident(channel: string, rootTs: string, progressTs: string): string {
  return `${incidentKey(channel, rootTs)}:watch:${progressTs}`;
}

interface OwnedWatch {
  place: ClickPlace;
  scope: WatchScope;
  progressTs: string;
  /** The button that watches again. */
  label: string;
  /** The run's signal: aborted when another replica reported this watch lost, or when this replica shuts down. */
  run: AbortSignal;
}

async function watchOwned(client: Client, deps: SlackDeps, watching: OwnedWatch): Promise<void> {
  const { place, scope, progressTs, label, run } = watching;
  const progress: WatchProgress = { elapsed: 0, events: 0, matching: 0, last: null };
  const throttle = createThrottle(
    Math.max(MIN_TICK_MS, deps.config.progressIntervalMs),
    () => updateMessage(client, place.channel, progressTs, watchProgressMessage(scope, { ...progress })),
    (error) => deps.audit({ action: 'error', user: place.user, channel: place.channel, thread: place.rootTs, cache: scope.cache, where: 'watch progress update', error: describeError(error) }),
  );
  let outcome: Outcome = { ok: false, reason: 'the watch stopped before it began' };
  try {
    // Ended early by a stop of this replica (it posts what it saw) or by another replica that reported it lost.
    outcome = await runWatch(deps, scope, AbortSignal.any([deps.watches.signal, run]), (second, totals) => {
      progress.elapsed += 1;
      progress.events = totals.events;
      progress.matching = totals.matching;
      progress.last = second;
      throttle.request();
    });
  } finally {
    // The progress message stops ticking before the result lands, whatever happened; a throw is told by afterClick.
    await throttle.flush().catch(() => undefined);
    // Unless another replica reported this watch lost and said so in the thread: one outcome per watch.
    if (!takenOver(run)) await updateMessage(client, place.channel, progressTs, watchDoneMessage(scope, outcome.ok ? outcome.result : null)).catch(() => undefined);
  }
  if (takenOver(run)) return;
  if (!outcome.ok) {
    const reason = redact(outcome.reason);
    await postMessage(client, place.channel, place.rootTs, watchFailedMessage(scope, reason, label));
    deps.audit({ action: 'unreachable', user: place.user, channel: place.channel, thread: place.rootTs, cache: scope.cache, what: 'watch', reason });
    return;
  }
  const result = outcome.result;
  await postMessage(client, place.channel, place.rootTs, watchResultMessage(scope, result, label));
  // For the postmortem; best effort: the result is in the thread whatever the state Redis does.
  const watched = { by: place.user, from: result.window.from, to: result.window.to, seconds: result.window.seconds, summary: result.summary };
  await updateInvestigation(deps.store, place.channel, place.rootTs, deps.config.sessionTtlMs, (current) => ({ ...current, watches: [...(current.watches ?? []), watched].slice(-20) })).catch(
    (error: unknown) => deps.audit({ action: 'error', user: place.user, channel: place.channel, thread: place.rootTs, cache: scope.cache, where: 'watch record', error: describeError(error) }),
  );
  deps.audit({
    action: 'watch-finished',
    user: place.user,
    channel: place.channel,
    thread: place.rootTs,
    cache: scope.cache,
    seconds: result.window.seconds,
    ended: result.ended,
    events: Object.fromEntries(result.events.map((event) => [event.type, event.count])),
    notifications: result.notifications.enabled,
  });
}

type Outcome = { ok: true; result: WatchResult } | { ok: false; reason: string };

/** Another replica judged this one lost (it was cut off from the state Redis) and told the thread. */
function takenOver(run: AbortSignal): boolean {
  return run.aborted && run.reason instanceof RunInterrupted && run.reason.by === 'takeover';
}

/** Resolves the cache's URL and sign-in as the checks do, then watches; every failure is a sentence (not yet redacted). */
async function runWatch(
  deps: SlackDeps,
  scope: WatchScope,
  signal: AbortSignal,
  onSecond: (second: WatchProgress['last'], totals: { events: number; matching: number }) => void,
): Promise<Outcome> {
  const name = scope.cache;
  const cache = cacheNamed(deps, name);
  if (!cache) return { ok: false, reason: `the cache ${name} is no longer in the caches file` };
  const url = resolveCacheUrl(cache, deps.config.secrets);
  if (!url.ok) return { ok: false, reason: url.reason };
  const login = await loginEndpoint(url.url, cache.auth, () => deps.azure.credential());
  if (!login.ok) {
    return { ok: false, reason: login.kind === 'invalid-url' ? `the URL configured for ${name} cannot be used: ${login.reason}` : `${login.endpoint} refused the credentials: ${login.reason}` };
  }
  const azure = cache.azure ? createAzureContext(cache.azure, deps.azure) : null;
  const outcome = await watch(
    { endpoint: login.endpoint, key: scope.key, db: scope.db, durationMs: deps.config.watchMs },
    {
      signal,
      capture: { azure: azure?.ok ? azure.context : null, clusterHosts: cache.clusterHosts },
      onSecond: (row, totals) => onSecond({ at: row.at, counts: secondCells(row) }, totals),
    },
  );
  if (!outcome.ok) {
    return { ok: false, reason: `keyloss ${outcome.kind === 'auth' ? 'was refused by' : 'could not reach'} ${name} at ${outcome.endpoint}: ${outcome.reason}` };
  }
  return outcome;
}
