// `keyloss record status` as a process, and App Home: what the state Redis holds of each recorded cache, found by
// its name or its address; exit 3 when the state Redis cannot be reached.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder } from '../../src/record/recorder.ts';
import type { RecordStatus } from '../../src/record/status.ts';
import { parseRedisUrl } from '../../src/redis/url.ts';
import { writeCachesFile } from '../support/caches-file.ts';
import { runKeyloss } from '../support/keyloss-cli.ts';
import { freePort, startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { startSlackApp } from '../support/slack-app.ts';
import { fastRecorderOptions } from '../support/recorder.ts';
import { waitFor } from '../support/wait.ts';

const PREFIX = 'klstatus:';
let stateServer: RedisProcess;
let state: Redis;
let cache: RedisProcess;
let recorder: Recorder;
let caches: { path: string; remove(): void };
let yaml: string;

beforeAll(async () => {
  [stateServer, cache] = await Promise.all([startRedis(), startRedis(['--notify-keyspace-events', 'Exeg'])]);
  state = new Redis(stateServer.port);
  yaml = ['caches:', '  orders:', `    url: redis://127.0.0.1:${cache.port}`].join('\n');
  caches = writeCachesFile(yaml);
  const parsed = parseRedisUrl(cache.url);
  if (!parsed.ok) throw new Error(parsed.reason);
  recorder = new Recorder(state, [{ id: 'orders', endpoint: parsed.endpoint, azure: null }], fastRecorderOptions(PREFIX, 'status-recorder'));
  await recorder.start();
  const app = new Redis(cache.port);
  await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
  await app.set('order:1', 'x');
  await app.del('order:1');
  await waitFor(async () => (await state.zrange(`${PREFIX}rec:orders:samples`, '0', '-1')).length > 0 || (await state.hget(`${PREFIX}rec:orders:meta`, 'lastAt')) !== null, 'the first write');
  await app.quit();
});
afterAll(async () => {
  await recorder?.stop();
  caches?.remove();
  state.disconnect();
  await stopAllRedis();
});

const env = () => ({ STATE_REDIS_URL: stateServer.url, KEYLOSS_STATE_PREFIX: PREFIX, KEYLOSS_CACHES: caches.path });

describe('keyloss record status', () => {
  it('says, for each record, its name and addresses, who holds it, what it covers, its notifications and bytes', async () => {
    const run = await runKeyloss('record', ['status'], env());
    expect(run.code, run.stderr).toBe(0);
    const address = `127.0.0.1:${cache.port}`;
    expect(run.stdout).toContain(`orders (${address}): recording, held by status-recorder`);
    expect(run.stdout).toMatch(/\n {2}covers \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; last sample .* from 127\.0\.0\.1:\d+/);
    expect(run.stdout).toMatch(/keyspace notifications on at 127\.0\.0\.1:\d+ \("[A-Za-z]+"\) since/);
    expect(run.stdout).toMatch(/nothing announced in Slack/);
    expect(run.stdout).toMatch(/\d+(\.\d)? (B|KB|MB) in \d+ keys of the state Redis/);
  });

  it('answers in JSON, and finds the record by the address as by the name', async () => {
    const byAddress = await runKeyloss('record', ['status', '--redis', cache.url, '--json'], { ...env(), KEYLOSS_CACHES: '/nonexistent/caches.yaml' });
    expect(byAddress.code, byAddress.stderr).toBe(0);
    const { records } = JSON.parse(byAddress.stdout) as { records: RecordStatus[] };
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ cache: 'orders', addresses: [`127.0.0.1:${cache.port}`], holder: 'status-recorder', gapCount: 0 });
    expect(records[0]!.bytes!.used).toBeGreaterThan(0);
    expect(records[0]!.notifications[0]).toMatchObject({ enabled: 'true', flags: expect.stringMatching(/^[Exeg]{4}$/) });
    const byName = await runKeyloss('record', ['status', '--cache', 'orders', '--json'], env());
    expect((JSON.parse(byName.stdout) as { records: RecordStatus[] }).records.map((r) => r.cache)).toEqual(['orders']);
    const none = await runKeyloss('record', ['status', '--cache', 'nowhere'], env());
    expect(none).toMatchObject({ code: 0, stdout: expect.stringMatching(/has no record of nowhere/) });
  });

  it('exits 3 when the state Redis cannot be reached, and 2 on bad arguments', async () => {
    const port = await freePort();
    const away = await runKeyloss('record', ['status', '--state', `redis://127.0.0.1:${port}`], env());
    expect(away.code, away.stderr).toBe(3);
    expect(away.stderr).toMatch(/^keyloss record status: .*127\.0\.0\.1/);
    expect((await runKeyloss('record', ['status', '--cache', 'a', '--redis', cache.url], env())).code).toBe(2);
    expect((await runKeyloss('record', ['status', '--bogus'], env())).code).toBe(2);
  });

  it('App Home shows the same per cache', async () => {
    const h = await startSlackApp({ caches: yaml, record: { client: state, prefix: PREFIX } });
    try {
      await h.event({ type: 'app_home_opened', user: 'U0ONCALL', tab: 'home', channel: 'D0HOME', event_ts: '1700000000.000001' });
      const view = await waitFor(() => h.fake.homeViews.find((v) => v.user === 'U0ONCALL'), 'the home view');
      const text = JSON.stringify(view.view.blocks);
      expect(text).toContain(`orders (127.0.0.1:${cache.port}): recording, held by status-recorder`);
      expect(text).toMatch(/keyspace notifications on at 127\.0\.0\.1:\d+/);
    } finally {
      await h.stop();
    }
  });
});
