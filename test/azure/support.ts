// Shared setup for the Azure tests: a fake Azure over HTTPS, a context pointing at it, a real Redis target for CheckContext.
import { expect } from 'vitest';
import { createAzureContext, type AzureAccess } from '../../src/azure/context.ts';
import type { AzureContext } from '../../src/azure/types.ts';
import { runChecks } from '../../src/checks/run.ts';
import { DEFAULT_CHECK_OPTIONS } from '../../src/checks/registry.ts';
import type { Check } from '../../src/checks/types.ts';
import type { CheckResult, CheckResults } from '../../src/domain/checks.ts';
import type { Query } from '../../src/domain/query.ts';
import { openTarget, type RedisTarget } from '../../src/redis/target.ts';
import { testAzureAccess } from '../support/azure-credential.ts';
import { startFakeAzure, type FakeAzure } from '../support/fake-azure.ts';
import { startRedis, stopRedis } from '../support/redis-server.ts';

export const TEST_TOKEN = 'test-token-4f1c9a7e2b8d6035-do-not-leak';

export interface AzureRig {
  fake: FakeAzure;
  /** A real local Redis, because a CheckContext needs one. */
  target: RedisTarget;
  /** Closes the target, stops the Redis and the fake. */
  close(): Promise<void>;
}

/** Starts a fake Azure that accepts TEST_TOKEN and a Redis target; on a failure, stops what it started. */
export async function startAzureRig(): Promise<AzureRig> {
  const fake = await startFakeAzure({ token: TEST_TOKEN });
  const redis = await startRedis().catch(async (error: unknown) => {
    await fake.close();
    throw error;
  });
  const opened = await openTarget(redis.url);
  if (!opened.ok) {
    await stopRedis(redis);
    await fake.close();
    throw new Error(opened.reason);
  }
  const { target } = opened;
  return {
    fake,
    target,
    close: async () => {
      await target.close();
      await stopRedis(redis);
      await fake.close();
    },
  };
}

/** The environment of a keyloss child process (test/support/keyloss-entry.ts) that talks to the fake. */
export function fakeAzureEnv(fake: FakeAzure): NodeJS.ProcessEnv {
  return {
    KEYLOSS_AZURE_METRICS_ENDPOINT: fake.url,
    KEYLOSS_AZURE_ARM_ENDPOINT: fake.url,
    KEYLOSS_AZURE_TEST_TOKEN: TEST_TOKEN,
  };
}

/** Azure access for code under test in this process: the fake's endpoints, TEST_TOKEN as the credential. */
export function fakeAzureAccess(fake: FakeAzure): AzureAccess {
  return testAzureAccess(TEST_TOKEN, fake.url);
}

export function contextFor(fake: FakeAzure, resourceId: string): AzureContext {
  const created = createAzureContext({ resourceId, region: 'westeurope' }, fakeAzureAccess(fake));
  if (!created.ok) throw new Error(created.reason);
  return { ...created.context, httpClient: fake.httpClient() };
}

export function queryAt(since: Date): Query {
  return { key: 'session:17', isPattern: false, db: 0, since, tier: null, scope: null };
}

export async function runAzure(
  checks: readonly Check[],
  options: { azure: AzureContext | null; redis: RedisTarget; since: Date; now: Date },
): Promise<CheckResults> {
  return runChecks(checks, {
    query: queryAt(options.since),
    now: options.now,
    redis: options.redis,
    azure: options.azure,
    options: DEFAULT_CHECK_OPTIONS,
  });
}

/** The data of a check that must have succeeded; otherwise the test fails with what the check said. */
export function ok<K extends keyof CheckResults>(results: CheckResults, id: K) {
  const result = results[id] as CheckResult | undefined;
  if (result?.status !== 'ok') throw new Error(`${id} was ${result?.status}: ${JSON.stringify(result)}`);
  return result.data as NonNullable<Extract<CheckResults[K], { status: 'ok' }>>['data'];
}

/** The error of a check that must have failed, which never carries the test token. */
export function failure(results: CheckResults, id: keyof CheckResults): string {
  const result = results[id];
  if (result?.status !== 'failed') throw new Error(`${id} was ${result?.status}, expected failed: ${JSON.stringify(result)}`);
  expect(result.error).not.toContain(TEST_TOKEN);
  return result.error;
}
