// "Watch live": acked at once; the watch runs after, for KEYLOSS_WATCH_FOR, and posts its result in the thread.
import type { SlackDeps } from '../../context.ts';
import { watchLive } from '../../flow/watch.ts';
import { afterClick } from '../after-ack.ts';
import { clickPlace } from '../payload.ts';
import type { ActionArgs } from './answer.ts';

export function watchAction(deps: SlackDeps) {
  return async ({ ack, body, client }: ActionArgs): Promise<void> => {
    await ack();
    const place = clickPlace(body);
    if (!place) return;
    await deps.watches.track(afterClick(client, deps, place, 'watching live', () => watchLive(client, deps, place)));
  };
}
