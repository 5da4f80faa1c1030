// Checks and watches whose replica died say so in their thread by themselves: every replica sweeps for runs gone silent.
import { describeError } from '../../redact.ts';
import { noticeMessage } from '../blocks/notices.ts';
import { watchLostMessage, watchLostSentence } from '../blocks/watch.ts';
import type { Client, SlackDeps } from '../context.ts';
import { loadInvestigation } from '../investigation.ts';
import { postMessage, updateMessage } from '../post.ts';
import { incidentThread, interruptedMessage } from './checks.ts';

/**
 * One sweep: each lost run is claimed by one replica, which stills its progress message and posts the line to run it
 * again: "Re-run checks" for checks, "Watch live" for a watch.
 */
export async function announceLostRuns(client: Client, deps: SlackDeps): Promise<number> {
  const lost = await deps.inflight.claimLost();
  for (const { incident, run, why } of lost) {
    const { channel, rootTs } = incidentThread(incident);
    try {
      const inv = await loadInvestigation(deps.store, channel, rootTs);
      if (!inv) continue;
      const watch = run.what === 'watch';
      // Checks gone after their verdict was recorded (the session is at a conclusion): nothing was lost. A watch
      // runs after the verdict.
      if (!watch && deps.engine.current(inv.session)?.kind === 'conclusion') continue;
      deps.audit({ action: 'error', user: null, channel, thread: rootTs, cache: inv.cache, where: 'lost run', what: run.what ?? 'checks', error: why, lostReplica: run.replica });
      if (watch) await announceLostWatch(client, deps, { channel, rootTs, cache: inv.cache, progressTs: run.progressTs ?? null, why });
      else {
        if (inv.progressTs) await updateMessage(client, channel, inv.progressTs, noticeMessage(':warning:', `The checks on ${inv.cache} did not finish.`));
        await postMessage(client, channel, rootTs, interruptedMessage(inv.cache, why));
      }
    } catch (error) {
      // Claimed here, so no other replica will say it: the Re-run button on the progress message still works.
      deps.audit({ action: 'error', user: null, channel, thread: rootTs, where: 'announcing a lost run', error: describeError(error) });
    }
  }
  return lost.length;
}

/** A watch's progress message says it did not finish and why; the thread gets that with Watch live to watch again. */
async function announceLostWatch(
  client: Client,
  deps: SlackDeps,
  lost: { channel: string; rootTs: string; cache: string; progressTs: string | null; why: string },
): Promise<void> {
  if (lost.progressTs) await updateMessage(client, lost.channel, lost.progressTs, noticeMessage(':warning:', watchLostSentence(lost.cache, lost.why)));
  const words = deps.engine.runbook.watch;
  // A runbook without its watch section offers no Watch live: the thread still hears what happened.
  const notice = words ? watchLostMessage(lost.cache, lost.why, words) : noticeMessage(':warning:', watchLostSentence(lost.cache, lost.why));
  await postMessage(client, lost.channel, lost.rootTs, notice);
}

/** Sweeps every `intervalMs` until stopped; a failing sweep is logged once per distinct reason and tried again. */
export function startLostRunSweeper(client: Client, deps: SlackDeps, intervalMs: number): () => void {
  let sweeping = false;
  let lastError: string | null = null;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    announceLostRuns(client, deps)
      .then(() => {
        lastError = null;
      })
      .catch((error: unknown) => {
        const reason = describeError(error);
        if (reason !== lastError) deps.audit({ action: 'error', user: null, channel: null, where: 'lost-run sweep', error: reason });
        lastError = reason;
      })
      .finally(() => {
        sweeping = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
