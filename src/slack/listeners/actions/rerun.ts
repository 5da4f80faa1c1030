// "Re-run checks": back to the check node with the same answers, new progress and a new verdict.
import type { SlackDeps } from '../../context.ts';
import { runChecks } from '../../flow/checks.ts';
import { useVerdictButton } from '../../flow/verdict-button.ts';
import { ACTION } from '../../ids.ts';
import { updateInvestigation } from '../../investigation.ts';
import { afterAck } from '../after-ack.ts';
import { clickPlace } from '../payload.ts';
import type { ActionArgs } from './answer.ts';

export function rerunAction(deps: SlackDeps) {
  return async ({ ack, body, client }: ActionArgs): Promise<void> => {
    await ack();
    const place = clickPlace(body);
    if (!place) return;
    await afterAck(client, deps, { what: 're-running the checks', user: place.user, channel: place.channel, thread: place.rootTs }, async () => {
      const inv = await useVerdictButton(client, deps, place, ACTION.rerun);
      if (!inv?.checkpoint) return;
      const checkpoint = inv.checkpoint;
      const reset = await updateInvestigation(deps.store, place.channel, place.rootTs, deps.config.sessionTtlMs, (current) => ({
        ...current,
        session: checkpoint,
      }));
      if (!reset.ok) throw new Error(reset.reason);
      deps.audit({ action: 'rerun', user: place.user, channel: place.channel, thread: place.rootTs, cache: inv.cache });
      await runChecks(client, deps, place.channel, place.rootTs, place.user);
    });
  };
}
