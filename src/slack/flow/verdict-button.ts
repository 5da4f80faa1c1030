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
 * Returns the investigation when the caller should go on, null when it was refused, expired or already used.
 */
export async function useVerdictButton(client: Client, deps: SlackDeps, place: ClickPlace, action: string): Promise<Investigation | null> {
  const inv = await loadInvestigation(deps.store, place.channel, place.rootTs);
  if (!inv) return null;
  if (!(await checkUser(client, deps, inv.cache, place))) return null;
  if (!(await deps.store.claim(`${action}:${place.channel}:${place.messageTs}`, deps.config.sessionTtlMs))) return null;
  if (inv.verdictTs !== place.messageTs || !inv.report) return inv;
  const used = [...inv.verdictUsed, { action, label: verdictLabel(action), user: place.user }];
  const saved = await updateInvestigation(deps.store, place.channel, place.rootTs, deps.config.sessionTtlMs, (current) =>
    current.verdictTs === place.messageTs ? { ...current, verdictUsed: used } : null,
  );
  const conclusion = conclusionOf(deps, inv);
  if (saved.ok && conclusion) {
    await updateMessage(client, place.channel, place.messageTs, verdictMessage(inv.report, conclusion, used), reportMetadata(inv.report, inv.cache, inv.alert?.id));
  }
  return saved.ok ? saved.value : inv;
}
