// A cache with an Azure resource and no tier in the caches file: the tier comes from Azure, so the command text suffices.
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { startFakeAzure, redisResourceId, redisResourceJson, type FakeAzure } from '../support/fake-azure.ts';
import { startApp, startSurroundings, stopAllApps, type AppProcess, type Surroundings } from '../support/app-process.ts';
import { writeCachesFile } from '../support/caches-file.ts';
import { slackDriver, type SlackDriver } from '../support/slack-driver.ts';

const TOKEN = 'azure-tier-test-token-5b7e0c1d9f';
const RESOURCE = redisResourceId('orders-prod');
let surroundings: Surroundings;
let azure: FakeAzure;
let caches: { path: string; remove(): void };
let app: AppProcess;
let slack: SlackDriver;

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
  slack = slackDriver(surroundings.fake, app, { waitMs: 60_000 });
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
    await slack.command('orders session:1 since 2h db 0 scope partial', 'U0AZTIER', { channel });
    const root = await slack.root(channel);
    const verdict = await slack.verdict(root);
    // No question was asked: the tier came from Azure, everything else from the command text.
    expect(slack.openQuestion(root)).toBeUndefined();
    expect(slack.threadText(root)).toMatch(/tier premium/i);
    expect(verdict.metadata?.event_payload).toMatchObject({ cache: 'orders', key: 'session:1' });
    expect(azure.requests.some((r) => r.method === 'GET' && r.path.toLowerCase() === RESOURCE.toLowerCase())).toBe(true);
    expect(surroundings.fake.breaches).toEqual([]);
  }, 60_000);
});
