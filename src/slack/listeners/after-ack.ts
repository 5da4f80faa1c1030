// Runs the slow part of a handler after its ack; a failure becomes an audit line and, where possible, a line in the thread.
import { describeError } from '../../redact.ts';
import { noticeMessage } from '../blocks/notices.ts';
import type { Client, SlackDeps } from '../context.ts';
import { postEphemeral, postMessage } from '../post.ts';
import type { ClickPlace } from './payload.ts';

export async function afterAck(
  client: Client,
  deps: SlackDeps,
  where: { what: string; user: string | null; channel: string | null; thread: string | null },
  work: () => Promise<void>,
): Promise<void> {
  try {
    // Yield to the event loop first: requests already waiting get their acks out before this work competes with them.
    await new Promise((resolve) => setImmediate(resolve));
    await work();
  } catch (error) {
    const reason = describeError(error);
    deps.audit({ action: 'error', user: where.user, channel: where.channel, thread: where.thread, where: where.what, error: reason });
    // Never silence: the thread (or, before there is one, the person) hears that something broke, with the redacted reason.
    const notice = noticeMessage(':boom:', `keyloss failed while handling ${where.what}: ${reason}`);
    if (where.channel && where.thread) {
      await postMessage(client, where.channel, where.thread, notice).catch(() => undefined);
    } else if (where.channel && where.user) {
      await postEphemeral(client, where.channel, where.user, null, notice).catch(() => undefined);
    }
  }
}

/** afterAck for a click on a message: a failure is told in the thread the message belongs to. */
export function afterClick(client: Client, deps: SlackDeps, place: ClickPlace, what: string, work: () => Promise<void>): Promise<void> {
  return afterAck(client, deps, { what, user: place.user, channel: place.channel, thread: place.rootTs }, work);
}
