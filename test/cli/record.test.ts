// `keyloss record` as processes: a recorder killed, another taking its lease over, SIGTERM writing what is held and exiting 0.
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecordArgs } from '../../src/cli/record.ts';
import { RecordLayout } from '../../src/record/layout.ts';
import { runKeyloss } from '../support/keyloss-cli.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

let cache: RedisProcess;
let stateServer: RedisProcess;
let state: Redis;
beforeAll(async () => {
  [cache, stateServer] = await Promise.all([startRedis(['--notify-keyspace-events', 'Exeg']), startRedis()]);
  state = new Redis(stateServer.port);
});
/** Every key of the watched cache: a recorder refused never wrote there. */
async function cacheKeys(): Promise<string[]> {
  const app = new Redis(cache.port);
  try {
    return (await app.keys('*')).sort();
  } finally {
    app.disconnect();
  }
}
afterAll(async () => {
  state.disconnect();
  await stopAllRedis();
});

describe('keyloss record (processes)', () => {
  it('hands the cache to a second recorder when the first is killed, and exits 0 on SIGTERM after writing', async () => {
    const layout = new RecordLayout('keyloss:', `127.0.0.1:${cache.port}`);
    const env = { STATE_REDIS_URL: stateServer.url, KEYLOSS_RECORD_LEASE_MS: '600', KEYLOSS_RECORD_FLUSH_MS: '50', KEYLOSS_RECORD_SAMPLE_MS: '200' };
    let first: ChildProcess | undefined;
    const firstRun = runKeyloss('record', ['--redis', cache.url], { ...env, KEYLOSS_REPLICA_ID: 'recorder-a' }, (child) => {
      first = child;
    });
    await waitFor(async () => (await state.get(layout.lease)) === 'recorder-a', 'recorder-a holding the lease');
    let second: ChildProcess | undefined;
    const secondRun = runKeyloss('record', ['--redis', cache.url], { ...env, KEYLOSS_REPLICA_ID: 'recorder-b' }, (child) => {
      second = child;
    });
    // Give recorder-b time to start and find the lease taken.
    await waitFor(async () => /name=keyloss-recorder/.test(String(await state.client('LIST'))) && String(await state.client('LIST')).split('name=keyloss-recorder').length > 2, 'recorder-b running');
    first!.kill('SIGKILL');
    await firstRun;
    await waitFor(async () => (await state.get(layout.lease)) === 'recorder-b', 'recorder-b taking over');
    const app = new Redis(cache.port);
    // recorder-a's subscription died with it; wait for recorder-b's.
    await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'recorder-b subscribed');
    await app.set('session:9', 'x');
    await app.del('session:9');
    await waitFor(async () => {
      const minute = Math.floor(Date.now() / 60_000);
      const fields = { ...(await state.hgetall(layout.exact(minute - 1))), ...(await state.hgetall(layout.exact(minute))) };
      return fields['session:9'] !== undefined;
    }, 'the deletion in the record');
    const gaps = (await state.zrange(layout.events, '0', '-1')).map((json) => JSON.parse(json)).filter((event) => event.type === 'gap');
    expect(gaps.some((gap) => /no recorder was running/.test(gap.summary))).toBe(true);
    second!.kill('SIGTERM');
    const done = await secondRun;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/stopping: writing what is held/);
    expect(await state.exists(layout.lease)).toBe(0);
    expect((await state.hgetall(layout.meta)).stoppedAt).toBeDefined();
    await app.quit();
  });

  it('refuses to record a cache into itself: the same address, or the same server under another name (run_id), exit 2', async () => {
    const env = { KEYLOSS_RECORD_LEASE_MS: '600', KEYLOSS_RECORD_FLUSH_MS: '50' };
    const before = await cacheKeys();
    const same = await runKeyloss('record', ['--redis', cache.url, '--state', cache.url], env);
    expect(same.code, same.stderr).toBe(2);
    expect(same.stderr).toMatch(/the state Redis is 127\.0\.0\.1:\d+, a cache it would record \(the same address/);
    // localhost and 127.0.0.1 are one server: the run_id says so.
    const renamed = await runKeyloss('record', ['--redis', cache.url, '--state', `redis://localhost:${cache.port}`], env);
    expect(renamed.code, renamed.stderr).toBe(2);
    expect(renamed.stderr).toMatch(/the same server under another address \(run_id/);
    expect(await cacheKeys()).toEqual(before);
  });

  it('reads its flags and environment once, and refuses what it cannot use', () => {
    expect(parseRecordArgs(['--retention', '30m'], {})).toMatchObject({ ok: false, message: expect.stringMatching(/^--retention/) });
    expect(parseRecordArgs(['--cache', 'a', '--cache', 'b', '--retention', '36h'], { STATE_REDIS_URL: 'redis://s' })).toMatchObject({
      ok: true,
      args: { caches: ['a', 'b'], retentionMs: 36 * 3_600_000, stateUrl: 'redis://s' },
    });
    expect(parseRecordArgs([], { KEYLOSS_RECORD_LEASE_MS: 'soon' })).toMatchObject({ ok: false, message: expect.stringMatching(/KEYLOSS_RECORD_LEASE_MS/) });
  });
});
