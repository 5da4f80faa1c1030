// How many databases the endpoint has, and the one rule for a db it does not have, read before any check searches
// it. A cluster has only db 0; an endpoint that refuses SELECT (Azure Managed Redis, an ACL without +select, a
// renamed command) offers only the db its connections start in; else `databases` where CONFIG GET is allowed, and
// what SELECT answers where it is not. A db the server does not have is the engineer's typo, not a refused command.
import { describeError } from '../redact.ts';
import { CommandUnavailable } from './gateway.ts';
import type { RedisTarget } from './target.ts';

export type Databases =
  /** Only db 0 can be used here; `reason` says why ("it is a cluster", "it refuses SELECT, …"). */
  | { kind: 'one'; reason: string }
  /** The server's `databases` setting: dbs 0 to count - 1. */
  | { kind: 'count'; count: number }
  /** SELECT works and the server does not say how many dbs it has (Azure blocks CONFIG). */
  | { kind: 'unknown' };

const OUT_OF_RANGE = /DB index is out of range|invalid DB index/i;

const read = new WeakMap<RedisTarget, Promise<Databases>>();

/**
 * What the target says about its databases, read once per target (the checks and the db rule share it): at most
 * SELECT 0 and CONFIG GET databases on the seed connection, which is in db 0 already, so neither changes anything.
 */
export function databasesOf(target: RedisTarget): Promise<Databases> {
  let pending = read.get(target);
  if (!pending) {
    pending = readDatabases(target);
    read.set(target, pending);
  }
  return pending;
}

async function readDatabases(target: RedisTarget): Promise<Databases> {
  if ((await target.nodes().catch(() => null))?.clusterEnabled) return { kind: 'one', reason: 'it is a cluster' };
  const seed = await target.gateway(target.address, 0);
  try {
    await seed.call('SELECT', 0);
  } catch (error) {
    // A timeout says nothing about SELECT: the checks will meet the same node and say what happened.
    if (!(error instanceof CommandUnavailable)) return { kind: 'unknown' };
    return { kind: 'one', reason: `it refuses SELECT ("${clip(error.serverReply)}")` };
  }
  const count = await seed.call('CONFIG', 'GET', 'databases').then(
    (reply) => (Array.isArray(reply) && reply.length >= 2 ? Number(reply[1]) : null),
    // Azure blocks CONFIG: SELECT says it instead, db by db.
    () => null,
  );
  if (count === 1) return { kind: 'one', reason: 'it is configured with one database (databases 1)' };
  return count !== null && Number.isInteger(count) && count > 1 ? { kind: 'count', count } : { kind: 'unknown' };
}

/** A sentence when `db` cannot be used on the target (the one rule every surface applies); null when it can or the server will not say. */
export async function missingDatabase(target: RedisTarget, db: number): Promise<string | null> {
  if (db === 0) return null;
  const databases = await databasesOf(target);
  if (databases.kind === 'one') return `db ${db} does not exist on this server (only db 0: ${databases.reason})`;
  if (databases.kind === 'count') {
    return db < databases.count ? null : `db ${db} does not exist on this server (${databases.count} databases: 0 to ${databases.count - 1})`;
  }
  try {
    await target.gateway(target.address, db);
    return null;
  } catch (error) {
    // Any other failure is the checks' to report, with its reason.
    return OUT_OF_RANGE.test(describeError(error)) ? `db ${db} does not exist on this server (it answers SELECT ${db} with "DB index is out of range")` : null;
  }
}

/** A server's reply, short enough for a sentence. */
function clip(reply: string): string {
  const line = reply.replace(/, with args beginning with:.*$/s, '').replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
