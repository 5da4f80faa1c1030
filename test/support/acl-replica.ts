// One replica (`keyloss start` as a real process, HTTP mode) of the cache "orders", alerted on by Azure Monitor, whose
// state Redis user `keyloss` can be switched to refuse state writes while claims still work: the way a state Redis at
// maxmemory or read-only refuses them. For the tests that refuse, or poison, what keyloss keeps in its state Redis.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, onTestFailed } from 'vitest';
import { stagingClient } from '../checks/support.ts';
import { startApp, startSurroundings, stopAllApps, type AppProcess, type Surroundings } from './app-process.ts';
import { writeCachesFile } from './caches-file.ts';
import { slackDriver, type SlackDriver } from './slack-driver.ts';

export interface AclReplica {
  surroundings: Surroundings;
  app: AppProcess;
  driver: SlackDriver;
  /** A client of the state Redis as its administrator, to poison or inspect what keyloss keeps. */
  admin: Redis;
  /** keyloss's state Redis user: every key, or (`refuseWrites`) reading state and taking claims only. */
  stateAcl(rules: 'all' | 'refuseWrites'): Promise<void>;
  /** Stops the app, then the fake Slack and both Redis processes, and removes the caches file. */
  close(): Promise<void>;
}

export interface AclReplicaOptions {
  password: string;
  alertToken: string;
  /** The Azure resource id of "orders", whose alerts go to `alertsChannel` (key `orders:*`). */
  resourceId: string;
  alertsChannel: string;
  /** More lines of the caches file, after "orders". */
  moreCaches?: string[];
}

export async function startAclReplica(name: string, o: AclReplicaOptions): Promise<AclReplica> {
  const surroundings = await startSurroundings();
  const admin = stagingClient(surroundings.state.port);
  const stateAcl = async (rules: 'all' | 'refuseWrites') => {
    const keys = rules === 'all' ? ['~*'] : ['%R~*', '~keyloss:claim:*'];
    await admin.call('ACL', 'SETUSER', 'keyloss', 'on', `>${o.password}`, 'resetkeys', ...keys, '+@all');
  };
  await stateAcl('all');
  const caches = writeCachesFile(
    [
      'caches:',
      '  orders:',
      '    urlEnv: ORDERS_URL',
      '    tier: standard',
      '    azure:',
      `      resourceId: ${o.resourceId}`,
      '      region: westeurope',
      '    alerts:',
      `      channel: ${o.alertsChannel}`,
      '      key: "orders:*"',
      ...(o.moreCaches ?? []),
    ].join('\n'),
  );
  const app = await startApp(
    name,
    surroundings.env({
      KEYLOSS_CACHES: caches.path,
      STATE_REDIS_URL: `redis://keyloss:${o.password}@127.0.0.1:${surroundings.state.port}`,
      KEYLOSS_RATE_INTERVAL_MS: '100',
      KEYLOSS_PROGRESS_INTERVAL_MS: '200',
      KEYLOSS_ALERT_TOKEN: o.alertToken,
      // Nothing beyond 127.0.0.1: the Azure checks of the alerted cache fail on a closed local port.
      KEYLOSS_AZURE_ARM_ENDPOINT: 'https://127.0.0.1:9',
      KEYLOSS_AZURE_METRICS_ENDPOINT: 'https://127.0.0.1:9',
    }),
  );
  return {
    surroundings,
    app,
    driver: slackDriver(surroundings.fake, app, { waitMs: 60_000 }),
    admin,
    stateAcl,
    close: async () => {
      await stopAllApps();
      admin.disconnect();
      await surroundings.close();
      caches.remove();
    },
  };
}

/**
 * The hooks of a test file around one AclReplica: started before all its tests (and handed to `started`), stopped
 * after them; before each test every state write is allowed again, and a failing test prints the app's output.
 */
export function useAclReplica(name: string, o: AclReplicaOptions, started: (replica: AclReplica) => void): void {
  let replica: AclReplica | undefined;
  beforeAll(async () => {
    replica = await startAclReplica(name, o);
    started(replica);
  }, 90_000);
  afterAll(async () => {
    await replica?.close();
  });
  beforeEach(async () => {
    await replica?.stateAcl('all');
    onTestFailed(() => {
      process.stderr.write(`--- app ---\n${replica?.app.output()}\n`);
    });
  });
}
