// Whether the application's db exists on the server, asked before any check searches it: `databases` where CONFIG GET
// is allowed, else what SELECT answers. A db the server does not have is the engineer's typo, not a refused command.
import { describeError } from '../redact.ts';
import type { RedisTarget } from './target.ts';

const OUT_OF_RANGE = /DB index is out of range|invalid DB index/i;

/** A sentence when `db` does not exist on the target's seed node; null when it does or the server will not say. */
export async function missingDatabase(target: RedisTarget, db: number): Promise<string | null> {
  if (db === 0) return null;
  const seed = await target.gateway(target.address, 0);
  const count = await seed.call('CONFIG', 'GET', 'databases').then(
    (reply) => (Array.isArray(reply) && reply.length >= 2 ? Number(reply[1]) : null),
    // Azure blocks CONFIG: SELECT says it instead.
    () => null,
  );
  if (count !== null && Number.isInteger(count) && count > 0) {
    return db < count ? null : `db ${db} does not exist on this server (${count} databases: 0 to ${count - 1})`;
  }
  try {
    await target.gateway(target.address, db);
    return null;
  } catch (error) {
    // Any other refusal (a cluster, Azure Managed Redis, an ACL) is the checks' to report as "SELECT is not available".
    return OUT_OF_RANGE.test(describeError(error)) ? `db ${db} does not exist on this server (it answers SELECT ${db} with "DB index is out of range")` : null;
  }
}
