// "Show all causes": every cause with its evidence, in the thread.
import { allCausesMessage } from '../../blocks/verdict.ts';
import type { SlackDeps } from '../../context.ts';
import { useVerdictButton } from '../../flow/verdict-button.ts';
import { ACTION } from '../../ids.ts';
import { postMessage } from '../../post.ts';
import { afterClick } from '../after-ack.ts';
import { clickPlace } from '../payload.ts';
import type { ActionArgs } from './answer.ts';

export function allCausesAction(deps: SlackDeps) {
  return async ({ ack, body, client }: ActionArgs): Promise<void> => {
    await ack();
    const place = clickPlace(body);
    if (!place) return;
    await afterClick(client, deps, place, 'showing all causes', async () => {
      const inv = await useVerdictButton(client, deps, place, ACTION.allCauses, {
        validate: (current) => (current.report ? null : 'There is no verdict to show the causes of yet.'),
        work: (current) => postMessage(client, place.channel, place.rootTs, allCausesMessage(current.report!)).then(() => undefined),
      });
      if (!inv) return;
      deps.audit({ action: 'all-causes', user: place.user, channel: place.channel, thread: place.rootTs, cache: inv.cache });
    });
  };
}
