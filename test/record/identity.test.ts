// One identity per cache: a record kept under a cache's address is found by its name (Slack), one kept under its name
// is found by its address (diagnose --redis), and `record --redis` of an address the caches file names keeps it under the name.
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordLayout } from '../../src/record/layout.ts';
import { Recorder } from '../../src/record/recorder.ts';
import { parseRedisUrl } from '../../src/redis/url.ts';
import { writeCachesFile } from '../support/caches-file.ts';
import { runDiagnose, runKeyloss } from '../support/keyloss-cli.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { startSlackApp } from '../support/slack-app.ts';
import { fastRecorderOptions } from '../support/recorder.ts';
import { waitFor } from '../support/wait.ts';

const PREFIX = 'klid:';
let stateServer: RedisProcess;
let state: Redis;

beforeAll(async () => {
  stateServer = await startRedis();
  state = new Redis(stateServer.port);
});
afterAll(async () => {
  state.disconnect();
  await stopAllRedis();
});

/** Records `url` under `id` in-process while `work` runs against the cache; the deletion of order:17 is in the record after. */
async function recordDeletion(cache: RedisProcess, id: string): Promise<void> {
  const parsed = parseRedisUrl(cache.url);
  if (!parsed.ok) throw new Error(parsed.reason);
  const recorder = new Recorder(state, [{ id, endpoint: parsed.endpoint, azure: null }], fastRecorderOptions(PREFIX, 'id-test'));
  await recorder.start();
  const app = new Redis(cache.port);
  await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
  await app.set('order:17', 'x');
  await app.del('order:17');
  const layout = new RecordLayout(PREFIX, id);
  await waitFor(async () => {
    const minute = Math.floor(Date.now() / 60_000);
    return (await state.hget(layout.exact(minute), 'order:17')) ?? (await state.hget(layout.exact(minute - 1), 'order:17'));
  }, 'the deletion in the record');
  await recorder.stop();
  await app.quit();
}

describe('one identity per cache', () => {
  it("Slack's /keyloss <name> finds the record `record --redis` kept under the address", async () => {
    const cache = await startRedis(['--notify-keyspace-events', 'Exeg']);
    await recordDeletion(cache, `127.0.0.1:${cache.port}`);
    const h = await startSlackApp({
      caches: ['caches:', '  recorded:', `    url: redis://127.0.0.1:${cache.port}`, '    tier: standard'].join('\n'),
      record: { client: state, prefix: PREFIX },
    });
    try {
      await h.command('recorded order:17 since 10m db 0 scope partial', 'U0ONCALL');
      const root = await h.root();
      await h.verdict(root);
      const text = h.threadText(root);
      expect(text).not.toMatch(/has no record of/);
      expect(text).toMatch(/order:17 was deleted \(DEL, UNLINK or GETDEL\) at \d\d:\d\d:\d\d UTC \(recorded key event\)/);
    } finally {
      await h.stop();
    }
  });

  it('diagnose --redis finds the record kept under the name, and `record --redis` of a named address keeps it under the name', async () => {
    const cache = await startRedis(['--notify-keyspace-events', 'Exeg']);
    const caches = writeCachesFile(['caches:', '  recorded:', `    url: redis://127.0.0.1:${cache.port}`].join('\n'));
    try {
      const env = { STATE_REDIS_URL: stateServer.url, KEYLOSS_STATE_PREFIX: PREFIX, KEYLOSS_CACHES: caches.path };
      // A recorder given the URL: the caches file names that address `recorded`, so that is the record's name and lease.
      let child: ChildProcess | undefined;
      const run = runKeyloss('record', ['--redis', cache.url], { ...env, KEYLOSS_RECORD_FLUSH_MS: '50', KEYLOSS_RECORD_SAMPLE_MS: '100', KEYLOSS_REPLICA_ID: 'by-url' }, (c) => {
        child = c;
      });
      await waitFor(async () => (await state.get(new RecordLayout(PREFIX, 'recorded').lease)) === 'by-url', 'the lease under the name');
      expect(await state.exists(new RecordLayout(PREFIX, `127.0.0.1:${cache.port}`).lease)).toBe(0);
      const app = new Redis(cache.port);
      await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
      await app.set('order:17', 'x');
      await app.del('order:17');
      await waitFor(async () => Object.keys(await state.hgetall(new RecordLayout(PREFIX, 'recorded').exact(Math.floor(Date.now() / 60_000)))).includes('order:17'), 'the deletion');
      child!.kill('SIGTERM');
      expect((await run).code).toBe(0);
      await app.quit();

      // Asked by address, with no caches file at all: the alias the recorder wrote leads to the name.
      const byAddress = await runDiagnose(['--redis', cache.url, '--key', 'order:17', '--since', '10m', '--db', '0', '--scope', 'partial', '--json'], {
        ...env,
        KEYLOSS_CACHES: '/nonexistent/keyloss.caches.yaml',
      });
      expect(byAddress.stderr).not.toMatch(/has no record/);
      const report = JSON.parse(byAddress.stdout) as { record: unknown; causes: Array<{ id: string; confirmed?: boolean }> };
      expect(report.record).not.toBeNull();
      expect(report.causes.find((c) => c.id === 'deletion')?.confirmed).toBe(true);
    } finally {
      caches.remove();
    }
  });
});
