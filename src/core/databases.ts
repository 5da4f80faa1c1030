// The one rule for a database the cache does not have, applied where the db is answered: the walkthrough and Slack ask
// the cache the moment a db is given (or before asking for one), as `diagnose` does before its checks. A cache that
// cannot be read now is not judged here: the checks say why it could not be reached.
import type { AzureAccess } from '../azure/context.ts';
import { databasesOf, missingDatabase, type Databases } from '../redis/databases.ts';
import { openTarget, type RedisTarget } from '../redis/target.ts';
import type { QuestionNode } from '../runbook/schema.ts';
import { signIn, type ResolvedTarget } from './target.ts';

const READ_TIMEOUT_MS = 5_000;

/** Whether `question` asks for the application's database. */
export function asksForDatabase(question: QuestionNode): boolean {
  return question.text?.format === 'db-index';
}

/** What the cache has (only db 0, a count, or unknown); null when it cannot be read now. */
export function targetDatabases(target: ResolvedTarget, azure: AzureAccess): Promise<Databases | null> {
  return withTarget(target, azure, (opened) => databasesOf(opened));
}

/** The sentence when the cache does not have `db` (`db 99 does not exist on this server (16 databases: 0 to 15)`); null when it does or cannot be read now. */
export async function databaseProblem(target: ResolvedTarget, db: number, azure: AzureAccess): Promise<string | null> {
  if (db === 0) return null;
  return withTarget(target, azure, (opened) => missingDatabase(opened, db));
}

async function withTarget<T>(target: ResolvedTarget, azure: AzureAccess, read: (opened: RedisTarget) => Promise<T>): Promise<T | null> {
  const signed = await signIn(target, azure);
  if (!signed.ok) return null;
  const opened = await openTarget(signed.endpoint, { connectTimeoutMs: READ_TIMEOUT_MS, commandTimeoutMs: READ_TIMEOUT_MS, clusterHosts: target.clusterHosts });
  if (!opened.ok) return null;
  try {
    return await read(opened.target);
  } catch {
    return null;
  } finally {
    await opened.target.close();
  }
}
