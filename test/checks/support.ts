// Shared test helpers: a check context's query, and running a set of checks against a target.
import { Redis } from 'ioredis';
import { DEFAULT_CHECK_OPTIONS, redisChecks } from '../../src/checks/registry.ts';
import { withNeeds } from '../../src/checks/needs.ts';
import { runChecks } from '../../src/checks/run.ts';
import type { CheckData, CheckId, CheckResults } from '../../src/domain/checks.ts';
import type { CheckOptions } from '../../src/checks/types.ts';
import { isGlobPattern, type Query } from '../../src/domain/query.ts';
import { openTarget, type RedisTarget } from '../../src/redis/target.ts';

export function queryFor(key: string, overrides: Partial<Query> = {}): { query: Query; now: Date } {
  const now = new Date();
  return {
    query: {
      key,
      isPattern: isGlobPattern(key),
      db: 0,
      since: new Date(now.getTime() - 3600_000),
      tier: null,
      scope: null,
      ...overrides,
    },
    now,
  };
}

export async function open(url: string): Promise<RedisTarget> {
  const opened = await openTarget(url);
  if (!opened.ok) throw new Error(`${opened.endpoint}: ${opened.reason}`);
  return opened.target;
}

/** A direct connection for staging data in tests only; the code under test never gets one. */
export function stagingClient(port: number): Redis {
  return new Redis(port, { protocol: 2, disableClientInfo: true });
}

/** Runs the checks named (and what they need) and returns all results. */
export async function runSome(
  target: RedisTarget,
  ids: CheckId[],
  key: string,
  overrides: { query?: Partial<Query>; options?: Partial<CheckOptions> } = {},
): Promise<CheckResults> {
  const wanted = withNeeds(redisChecks, ids);
  return runChecks(
    redisChecks.filter((check) => wanted.has(check.id)),
    { ...queryFor(key, overrides.query), redis: target, azure: null, options: { ...DEFAULT_CHECK_OPTIONS, rateIntervalMs: 200, ...overrides.options } },
  );
}

/** The data of an ok result, or a thrown error that shows why it was not ok. */
export function dataOf<K extends CheckId>(results: CheckResults, id: K): CheckData[K] {
  const result = results[id];
  if (!result) throw new Error(`${id} did not run`);
  if (result.status !== 'ok') throw new Error(`${id} ${result.status}: ${result.status === 'failed' ? result.error : result.reason}`);
  return (result as { data: CheckData[K] }).data;
}
