// "Re-run checks": back to the check node with the same answers, new progress and a new verdict.
import type { SlackDeps } from '../../context.ts';
import { incidentKey, checkIncident } from '../../flow/checks.ts';
import { noticeMessage } from '../../blocks/notices.ts';
import { postEphemeral } from '../../post.ts';
import { stillRunningSentence } from '../../../state/inflight.ts';
import { releaseVerdictButton, useVerdictButton } from '../../flow/verdict-button.ts';
import { ACTION } from '../../ids.ts';
import { updateInvestigation } from '../../investigation.ts';
import { afterClick } from '../after-ack.ts';
import { clickPlace } from '../payload.ts';
import type { ActionArgs } from './answer.ts';

export function rerunAction(deps: SlackDeps) {
  return async ({ ack, body, client }: ActionArgs): Promise<void> => {
    await ack();
    const place = clickPlace(body);
    if (!place) return;
    await afterClick(client, deps, place, 're-running the checks', async () => {
      // Checked before the button is claimed: a click while a live replica still runs the checks must not use it up.
      const status = await deps.inflight.status(incidentKey(place.channel, place.rootTs));
      if (status.status === 'running') {
        await postEphemeral(client, place.channel, place.user, place.rootTs, noticeMessage(':hourglass_flowing_sand:', stillRunningSentence(status)));
        return;
      }
      const inv = await useVerdictButton(client, deps, place, ACTION.rerun);
      // A replica that died between starting the checks and saving the checkpoint left the session at the check node.
      const checkpoint = inv?.checkpoint ?? (inv && deps.engine.current(inv.session)?.kind === 'check' ? inv.session : null);
      if (!inv || !checkpoint) return;
      const reset = await updateInvestigation(deps.store, place.channel, place.rootTs, deps.config.sessionTtlMs, (current) => ({
        ...current,
        session: checkpoint,
      }));
      if (!reset.ok) {
        await releaseVerdictButton(deps, place, ACTION.rerun);
        throw new Error(reset.reason);
      }
      deps.audit({ action: 'rerun', user: place.user, channel: place.channel, thread: place.rootTs, cache: inv.cache });
      await checkIncident(client, deps, place.channel, place.rootTs, place.user);
    });
  };
}
