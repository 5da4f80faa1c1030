// "Re-run checks": back to the check node with the same answers, new progress and a new verdict.
import type { SlackDeps } from '../../context.ts';
import { incidentKey, checkIncident } from '../../flow/checks.ts';
import { noticeMessage } from '../../blocks/notices.ts';
import { postEphemeral } from '../../post.ts';
import { stillRunningSentence } from '../../../state/inflight.ts';
import { useVerdictButton } from '../../flow/verdict-button.ts';
import { ACTION } from '../../ids.ts';
import { updateInvestigation, type Investigation } from '../../investigation.ts';
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
      // A replica that died between starting the checks and saving the checkpoint left the session at the check node.
      const checkpointOf = (inv: Investigation) => inv.checkpoint ?? (deps.engine.current(inv.session)?.kind === 'check' ? inv.session : null);
      const inv = await useVerdictButton(client, deps, place, ACTION.rerun, {
        validate: (current) => (checkpointOf(current) ? null : 'There is nothing to re-run yet: the checks have not started.'),
        work: async (current) => {
          const checkpoint = checkpointOf(current)!;
          const reset = await updateInvestigation(deps.store, place.channel, place.rootTs, deps.config.sessionTtlMs, (latest) => ({ ...latest, session: checkpoint }));
          if (!reset.ok) throw new Error(reset.reason);
        },
      });
      if (!inv) return;
      deps.audit({ action: 'rerun', user: place.user, channel: place.channel, thread: place.rootTs, cache: inv.cache });
      await checkIncident(client, deps, place.channel, place.rootTs, place.user);
    });
  };
}
