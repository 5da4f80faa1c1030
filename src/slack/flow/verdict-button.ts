// The buttons under a verdict: each works once per verdict, and the verdict shows who used it.
import { expiredMessage, noticeMessage } from '../blocks/notices.ts';
import { verdictLabel, verdictMessage } from '../blocks/verdict.ts';
import type { Client, SlackDeps } from '../context.ts';
import { loadInvestigation, updateInvestigation, type Investigation } from '../investigation.ts';
import { postEphemeral, updateMessage } from '../post.ts';
import type { ClickPlace } from '../listeners/payload.ts';
import { withClaim } from '../../state/store.ts';
import { checkUser } from './answer.ts';
import { conclusionOf } from './continue.ts';
import { reportMetadata } from './checks.ts';

export interface VerdictButtonSteps {
  /** Names the button in the "used" line; default: the verdict's own label for the action. */
  label?: string;
  /** Why this click cannot be done (said to the person), or null; checked before the claim, which it leaves unused. */
  validate?(inv: Investigation): string | null;
  /** What the click does; when it throws, the claim is given back and the button shown usable again. */
  work?(inv: Investigation): Promise<void>;
}

/**
 * Runs a verdict button once per verdict: the click is validated, then the button on this message is claimed, and on
 * the current verdict it gives way to "✔ label — who" while `work` runs. A click that is refused leaves the claim
 * unused; one whose state write or work fails gives it back, so the next click works. Returns the investigation
 * when the click was carried out, null when it was refused, expired or already used.
 */
export async function useVerdictButton(
  client: Client,
  deps: SlackDeps,
  place: ClickPlace,
  action: string,
  steps: VerdictButtonSteps = {},
): Promise<Investigation | null> {
  const inv = await loadInvestigation(deps.store, place.channel, place.rootTs);
  if (!inv) {
    await postEphemeral(client, place.channel, place.user, place.rootTs, expiredMessage());
    return null;
  }
  if (!(await checkUser(client, deps, inv.cache, place))) return null;
  const problem = steps.validate?.(inv) ?? null;
  if (problem !== null) {
    await postEphemeral(client, place.channel, place.user, place.rootTs, noticeMessage(':information_source:', problem));
    return null;
  }
  let done: Investigation = inv;
  const claimed = await withClaim(deps.store, verdictButtonKey(place, action), deps.config.sessionTtlMs, async () => {
    // On an older verdict the button still works, but there is no current verdict message to mark.
    const onVerdict = inv.verdictTs === place.messageTs && inv.report !== null;
    if (onVerdict) done = await markUsed(client, deps, place, inv, action, steps.label ?? verdictLabel(action));
    try {
      await steps.work?.(done);
    } catch (error) {
      if (onVerdict) await unmarkUsed(client, deps, place, action).catch(() => undefined);
      throw error;
    }
  });
  return claimed ? done : null;
}

/** Records who used the button and shows it on the verdict; throws when the state write fails. */
async function markUsed(client: Client, deps: SlackDeps, place: ClickPlace, inv: Investigation, action: string, label: string): Promise<Investigation> {
  const used = [...inv.verdictUsed, { action, label, user: place.user }];
  const saved = await updateInvestigation(deps.store, place.channel, place.rootTs, deps.config.sessionTtlMs, (current) =>
    current.verdictTs === place.messageTs ? { ...current, verdictUsed: used } : null,
  );
  if (!saved.ok) throw new Error(saved.reason);
  await showUsed(client, deps, place, saved.value);
  return saved.value;
}

/** Takes back the mark of a click whose work failed, so the verdict offers the button again. */
async function unmarkUsed(client: Client, deps: SlackDeps, place: ClickPlace, action: string): Promise<void> {
  const saved = await updateInvestigation(deps.store, place.channel, place.rootTs, deps.config.sessionTtlMs, (current) => {
    const at = current.verdictUsed.map((entry) => entry.action === action && entry.user === place.user).lastIndexOf(true);
    return at < 0 ? null : { ...current, verdictUsed: current.verdictUsed.filter((_, i) => i !== at) };
  });
  if (saved.ok) await showUsed(client, deps, place, saved.value);
}

async function showUsed(client: Client, deps: SlackDeps, place: ClickPlace, inv: Investigation): Promise<void> {
  const conclusion = conclusionOf(deps, inv);
  if (!conclusion || !inv.report) return;
  await updateMessage(client, place.channel, place.messageTs, verdictMessage(inv.report, conclusion, inv.verdictUsed), reportMetadata(inv.report, inv.cache, inv.alert?.id));
}

function verdictButtonKey(place: ClickPlace, action: string): string {
  return `${action}:${place.channel}:${place.messageTs}`;
}
