// Hashes emptied by field expiry (Redis 7.4+: HEXPIRE) publish `hexpired` and then `del`, with no DEL, UNLINK or GETDEL
// sent: the record must not call that a confirmed client delete. Runs on Redis 8.0.2 (built by .ci/run); where that
// server is missing the test fails with the reason, it does not skip.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder } from '../../src/record/recorder.ts';
import type { Report } from '../../src/report/model.ts';
import { causesText, diagnoseRecorded, fastRecorderOptions, recordTarget } from '../support/recorder.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

const PREFIX = 'klfields:';
let cache: RedisProcess;
let stateServer: RedisProcess;
let state: Redis;
let recorder: Recorder;
let since: Date;

function diagnose(key: string): Promise<Report> {
  return diagnoseRecorded(cache.url, 'sessions', key, since, { client: state, prefix: PREFIX });
}

beforeAll(async () => {
  [cache, stateServer] = await Promise.all([startRedis(['--notify-keyspace-events', 'Exegh'], { server: 'redis-8' }), startRedis()]);
  state = new Redis(stateServer.port);
  recorder = new Recorder(state, [recordTarget('sessions', cache.url)], fastRecorderOptions(PREFIX, 'test'));
  await recorder.start();
  const app = new Redis(cache.port);
  await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
  const fill = app.pipeline();
  for (let i = 0; i < 400; i++) fill.hset(`sess:${i}`, 'user', 'u', 'token', 't');
  await fill.exec();
  // Whole seconds of uptime: the keys are last seen once the node is past the second it started in.
  await waitFor(async () => /uptime_in_seconds:[1-9]/.test(await app.info('server')), 'a second of uptime');
  since = new Date();
  const expire = app.pipeline();
  for (let i = 0; i < 400; i++) expire.call('HPEXPIRE', `sess:${i}`, '100', 'FIELDS', '2', 'user', 'token');
  await expire.exec();
  await waitFor(async () => (await app.dbsize()) === 0, 'every hash to empty by field expiry');
  await waitFor(async () => /expired_subkeys:[1-9]/.test(await app.info('stats')), 'expired_subkeys');
  await new Promise((resolve) => setTimeout(resolve, 300));
  await recorder.stop();
  app.disconnect();
}, 60_000);

afterAll(async () => {
  state?.disconnect();
  await stopAllRedis();
});

describe('hashes emptied by field expiry', () => {
  it('are never a confirmed client delete: the del events are said to follow hexpired, with no DEL sent', async () => {
    for (const key of ['sess:*', 'sess:17']) {
      const report = await diagnose(key);
      const detail = `${key}\n${causesText(report)}`;
      expect(report.causes.filter((c) => c.confirmed).map((c) => c.id), detail).toEqual([]);
      const deletion = report.causes.find((c) => c.id === 'deletion')!;
      expect(deletion.likelihood, detail).not.toBe('likely');
      expect(deletion.evidence.map((e) => e.summary).join('\n'), detail).toMatch(
        /not shown to be (a )?client deletes?: no DEL, UNLINK or GETDEL call was made since the node started, before these events; [\d,]+ hexpired events \(hash fields expiring\) were recorded for the same keys, and a hash whose last field expires is removed with a del event/,
      );
      const expiration = report.causes.find((c) => c.id === 'expiration')!;
      expect(expiration.evidence.map((e) => e.summary).join('\n'), detail).toMatch(/hash fields of sess:\* keys expired .* UTC \([\d,]+ recorded hexpired events\) and no DEL, UNLINK or GETDEL call was made: hashes emptied by field expiry are removed with a del event/);
    }
  });
});
