// Looks up which of the named user groups a user belongs to (usergroups:read), for the caches file's allow rules.
import type { Client } from './context.ts';
import type { CacheConfig } from '../config/caches.ts';
import { describeError } from '../redact.ts';
import { namedUsergroups, type Requester } from './access.ts';

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
  return { ...who, usergroups: member.filter((g): g is string => g !== null) };
}
