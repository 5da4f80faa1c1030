// The real app process with the alert route on, for the alert tests: the fake Slack, a state Redis and the cache
// "orders" (startSurroundings), the fake Azure over HTTPS, and a caches file naming the cache's resource id and alert
// channel. Registers its own hooks: started before the file's tests, stopped after, its output printed on a failure.
import { afterAll, beforeAll, beforeEach, onTestFailed } from 'vitest';
import { fakeAzureEnv, TEST_TOKEN } from '../azure/support.ts';
import { startApp, startSurroundings, stopAllApps, type AppProcess, type Surroundings } from './app-process.ts';
import { writeCachesFile } from './caches-file.ts';
import { startFakeAzure, type FakeAzure } from './fake-azure.ts';
import { slackDriver, type SlackDriver } from './slack-driver.ts';

export interface AlertApp {
  surroundings: Surroundings;
  azure: FakeAzure;
  app: AppProcess;
  slack: SlackDriver;
  /** POST /alerts/azure-monitor on the app. */
  route: string;
}

export interface AlertAppOptions {
  name: string;
  resource: string;
  /** The cache's alerts.channel, and KEYLOSS_ALERT_CHANNEL. */
  channel: string;
  fallback: string;
  alertToken: string;
  rateIntervalMs: number;
  /** Sets up the fake Azure (resources, series) before the app starts. */
  prepare(azure: FakeAzure): void;
}

export function useAlertApp(options: AlertAppOptions): AlertApp {
  const h = {} as AlertApp;
  let caches: { path: string; remove(): void } | undefined;
  beforeAll(async () => {
    [h.surroundings, h.azure] = await Promise.all([startSurroundings(), startFakeAzure({ token: TEST_TOKEN })]);
    options.prepare(h.azure);
    caches = writeCachesFile(
      ['caches:', '  orders:', '    urlEnv: ORDERS_URL', '    azure:', `      resourceId: ${options.resource}`, '      region: westeurope', '    alerts:', `      channel: ${options.channel}`, '      key: "orders:*"'].join('\n'),
    );
    h.app = await startApp(
      options.name,
      h.surroundings.env({
        ...(fakeAzureEnv(h.azure) as Record<string, string>),
        KEYLOSS_CACHES: caches.path,
        KEYLOSS_RATE_INTERVAL_MS: String(options.rateIntervalMs),
        NODE_EXTRA_CA_CERTS: h.azure.caPath,
        KEYLOSS_ALERT_TOKEN: options.alertToken,
        KEYLOSS_ALERT_CHANNEL: options.fallback,
      }),
    );
    h.route = `http://127.0.0.1:${h.app.port}/alerts/azure-monitor`;
    h.slack = slackDriver(h.surroundings.fake, h.app, { waitMs: 60_000 });
  }, 60_000);
  afterAll(async () => {
    await stopAllApps();
    await h.surroundings?.close();
    await h.azure?.close();
    caches?.remove();
  });
  beforeEach(() => {
    onTestFailed(() => {
      process.stderr.write(`--- app ---\n${h.app?.output()}\n`);
    });
  });
  return h;
}
