// A cache with an Azure resource and no tier in the caches file: the tier comes from Azure, so the command text suffices.
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { startFakeAzure, redisResourceId, redisResourceJson, type FakeAzure } from '../support/fake-azure.ts';
import { startApp, startSurroundings, stopAllApps, writeCachesFile, eventually, type AppProcess, type Surroundings } from '../reliability/app-process.ts';
import { command, openQuestion, rootIn, threadText, verdictsIn } from '../reliability/incident.ts';

const TOKEN = 'azure-tier-test-token-5b7e0c1d9f';
const RESOURCE = redisResourceId('orders-prod');
let surroundings: Surroundings;
let azure: FakeAzure;
let caches: { path: string; remove(): void };
let app: AppProcess;

beforeAll(async () => {
  [surroundings, azure] = await Promise.all([startSurroundings(), startFakeAzure({ token: TOKEN })]);
  azure.resources.set(RESOURCE, redisResourceJson(RESOURCE, { sku: 'Premium' }));
  caches = writeCachesFile(`caches:\n  orders:\n    urlEnv: ORDERS_URL\n    azure:\n      resourceId: ${RESOURCE}\n      region: westeurope\n`);
  app = await startApp(
    'azure-tier',
    surroundings.env({
      KEYLOSS_CACHES: caches.path,
      KEYLOSS_RATE_INTERVAL_MS: '100',
      KEYLOSS_AZURE_ARM_ENDPOINT: azure.url,
      KEYLOSS_AZURE_METRICS_ENDPOINT: azure.url,
      KEYLOSS_AZURE_TEST_TOKEN: TOKEN,
      NODE_EXTRA_CA_CERTS: azure.caPath,
    }),
  );
}, 60_000);

afterAll(async () => {
  await stopAllApps();
  await surroundings?.close();
  await azure?.close();
  caches?.remove();
});

beforeEach(() => {
  onTestFailed(() => {
    process.stderr.write(`--- app ---\n${app?.output()}\n`);
  });
});

describe('the tier from Azure in Slack', () => {
  it('skips the tier question and reaches the verdict with the answers from the command text', async () => {
    const channel = 'CAZTIER1';
    await command(app, surroundings.fake, { text: 'orders session:1 since 2h db 0 scope partial', channel, user: 'U0AZTIER' });
    const root = await eventually(() => rootIn(surroundings.fake, channel), 'the root message');
    const verdict = await eventually(() => verdictsIn(surroundings.fake, channel, root.ts)[0], 'the verdict');
    // No question was asked: the tier came from Azure, everything else from the command text.
    expect(openQuestion(surroundings.fake, channel, root.ts)).toBeUndefined();
    expect(threadText(surroundings.fake, channel, root.ts)).toMatch(/tier premium/i);
    expect(verdict.metadata?.event_payload).toMatchObject({ cache: 'orders', key: 'session:1' });
    expect(azure.requests.some((r) => r.method === 'GET' && r.path.toLowerCase() === RESOURCE.toLowerCase())).toBe(true);
    expect(surroundings.fake.breaches).toEqual([]);
  }, 60_000);
});
