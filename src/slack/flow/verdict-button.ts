// The buttons under a verdict: each works once per verdict, and the verdict shows who used it.
import { verdictLabel, verdictMessage } from '../blocks/verdict.ts';
import type { Client, SlackDeps } from '../context.ts';
import { loadInvestigation, updateInvestigation, type Investigation } from '../investigation.ts';
import { updateMessage } from '../post.ts';
import type { ClickPlace } from '../listeners/payload.ts';
import { checkUser } from './answer.ts';
import { conclusionOf } from './continue.ts';
import { reportMetadata } from './checks.ts';

/**
 * Claims the button on this message for this click; on the current verdict, the button gives way to "✔ label — who".
 * Returns the investigation when the caller should go on, null when it was refused, expired or already used. `label`
 * names the button in the "used" line (default: the verdict's own label for `action`).
 */
export async function useVerdictButton(client: Client, deps: SlackDeps, place: ClickPlace, action: string, label = verdictLabel(action)): Promise<Investigation | null> {
  const inv = await loadInvestigation(deps.store, place.channel, place.rootTs);
  if (!inv) return null;
  if (!(await checkUser(client, deps, inv.cache, place))) return null;
  const key = verdictButtonKey(place, action);
  if (!(await deps.store.claim(key, deps.config.sessionTtlMs))) return null;
  if (inv.verdictTs !== place.messageTs || !inv.report) return inv;
  const used = [...inv.verdictUsed, { action, label, user: place.user }];
  const saved = await updateInvestigation(deps.store, place.channel, place.rootTs, deps.config.sessionTtlMs, (current) =>
    current.verdictTs === place.messageTs ? { ...current, verdictUsed: used } : null,
  ).catch((error: unknown) => ({ ok: false as const, reason: String(error) }));
  if (!saved.ok) {
    // The click could not be recorded: the button stays usable for the next click.
    await releaseVerdictButton(deps, place, action);
    return null;
  }
  const conclusion = conclusionOf(deps, inv);
  if (conclusion) {
    await updateMessage(client, place.channel, place.messageTs, verdictMessage(inv.report, conclusion, used), reportMetadata(inv.report, inv.cache, inv.alert?.id));
  }
  return saved.value;
}

function verdictButtonKey(place: ClickPlace, action: string): string {
  return `${action}:${place.channel}:${place.messageTs}`;
}

/** Gives the button's claim back when the work it started failed before anything was done. */
export async function releaseVerdictButton(deps: SlackDeps, place: ClickPlace, action: string): Promise<void> {
  await deps.store.release(verdictButtonKey(place, action)).catch(() => undefined);
}
