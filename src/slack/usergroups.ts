// Who is asking, for the caches file's allow rules: which of the named user groups the user belongs to
// (usergroups:read), and the channel's name when a rule names channels by name and Slack did not send it (App Home's
// channel picker gives only an id; conversations.info, channels:read / groups:read).
import type { Client } from './context.ts';
import type { CacheConfig } from '../config/caches.ts';
import { describeError } from '../redact.ts';
import { namedUsergroups, type Requester } from './access.ts';

/** Slack's channel ids are upper case (C…, G…); names never are. */
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/** The channel's name when a rule of `caches` needs it and it is not known; null when it cannot be read (said to `onError`). */
async function channelNameFor(client: Client, caches: readonly CacheConfig[], channelId: string, onError: (reason: string) => void): Promise<string | null> {
  const byName = caches.some((c) => (c.allow?.channels ?? []).some((entry) => !CHANNEL_ID.test(entry.replace(/^#/, ''))));
  if (!byName || !channelId) return null;
  try {
    const res = await client.conversations.info({ channel: channelId });
    return res.channel?.name ?? null;
  } catch (error) {
    onError(`cannot read the name of channel ${channelId} (add channels:read and groups:read to match allow.channels by name): ${describeError(error)}`);
    return null;
  }
}

/** Group membership for the rules of `caches`; a group that cannot be read counts as not containing the user. */
export async function requester(
  client: Client,
  caches: readonly CacheConfig[],
  who: { userId: string; channelId: string; channelName: string | null },
  onError: (reason: string) => void,
): Promise<Requester> {
  const member = await Promise.all(
    namedUsergroups(caches).map(async (usergroup) => {
      try {
        const res = await client.usergroups.users.list({ usergroup });
        return (res.users ?? []).includes(who.userId) ? usergroup : null;
      } catch (error) {
        onError(`cannot read user group ${usergroup}: ${describeError(error)}`);
        return null;
      }
    }),
  );
  const channelName = who.channelName ?? (await channelNameFor(client, caches, who.channelId, onError));
  return { ...who, channelName, usergroups: member.filter((g): g is string => g !== null) };
}
