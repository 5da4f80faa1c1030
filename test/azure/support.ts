// Shared setup for the Azure tests: a fake Azure over HTTPS, a context pointing at it, a real Redis target for CheckContext.
import { createAzureContext } from '../../src/azure/context.ts';
import type { AzureContext } from '../../src/azure/types.ts';
import { runChecks } from '../../src/checks/run.ts';
import { DEFAULT_CHECK_OPTIONS } from '../../src/checks/registry.ts';
import type { Check, CheckResults } from '../../src/checks/types.ts';
import type { Query } from '../../src/diagnosis/query.ts';
import type { RedisTarget } from '../../src/redis/target.ts';
import type { FakeAzure } from '../support/fake-azure.ts';

export const TEST_TOKEN = 'test-token-4f1c9a7e2b8d6035-do-not-leak';

export function fakeAzureEnv(fake: FakeAzure): NodeJS.ProcessEnv {
  return {
    KEYLOSS_AZURE_METRICS_ENDPOINT: fake.url,
    KEYLOSS_AZURE_ARM_ENDPOINT: fake.url,
    KEYLOSS_AZURE_TEST_TOKEN: TEST_TOKEN,
  };
}

export function contextFor(fake: FakeAzure, resourceId: string): AzureContext {
  const created = createAzureContext({ resourceId, region: 'westeurope' }, fakeAzureEnv(fake));
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
