// Runs the slow part of a handler after its ack; a failure becomes an audit line and, where possible, a line in the thread.
import { describeError } from '../../redact.ts';
import { noticeMessage } from '../blocks/notices.ts';
import type { Client, SlackDeps } from '../context.ts';
import { postMessage } from '../post.ts';

export async function afterAck(
  client: Client,
  deps: SlackDeps,
  where: { what: string; user: string | null; channel: string | null; thread: string | null },
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    const reason = describeError(error);
    deps.audit({ action: 'error', user: where.user, channel: where.channel, thread: where.thread, where: where.what, error: reason });
    if (where.channel && where.thread) {
      // Never silence: the thread says that something broke, without internals beyond the redacted reason.
      await postMessage(client, where.channel, where.thread, noticeMessage(':boom:', `keyloss failed while handling ${where.what}: ${reason}`)).catch(() => undefined);
    }
  }
}
