// Who removed it, at any rate: the recorder reads CLIENT LIST whenever removing commands rose since the last sample,
// names the senders (name, addr, user, lib-name), and says where a sender could not be named.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordLayout } from '../../src/record/layout.ts';
import { Recorder, type RecordTarget } from '../../src/record/recorder.ts';
import { parseRedisUrl } from '../../src/redis/url.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { fastRecorderOptions } from '../support/recorder.ts';
import { waitFor } from '../support/wait.ts';

const PREFIX = 'kltest-clients:';

function target(id: string, url: string): RecordTarget {
  const parsed = parseRedisUrl(url);
  if (!parsed.ok) throw new Error(parsed.reason);
  return { id, endpoint: parsed.endpoint, azure: null };
}

const options = (holder: string) => fastRecorderOptions(PREFIX, holder);

interface StoredEvent {
  type: string;
  summary: string;
  at: number;
  data?: Record<string, string | number | null>;
}

async function events(state: Redis, layout: RecordLayout): Promise<StoredEvent[]> {
  return (await state.zrange(layout.events, '0', '-1')).map((json) => JSON.parse(json) as StoredEvent);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let stateServer: RedisProcess;
let state: Redis;
beforeAll(async () => {
  stateServer = await startRedis();
  state = new Redis(stateServer.port, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  state.disconnect();
  await stopAllRedis();
});

describe('keyloss record names who removes keys', () => {
  it('names a job that deletes 1,000 keys with 20 DEL/UNLINK calls, far below 100 calls a sample', async () => {
    const cache = await startRedis(['--notify-keyspace-events', 'Exeg']);
    const layout = new RecordLayout(PREFIX, 'jobs');
    const recorder = new Recorder(state, [target('jobs', cache.url)], options('c1'));
    await recorder.start();
    const job = new Redis(cache.port, { connectionName: 'cleanup-job' });
    await waitFor(async () => /psub=[1-9]/.test(String(await job.client('LIST'))), 'the subscription');
    for (let call = 0; call < 20; call++) {
      const keys = Array.from({ length: 50 }, (_, i) => `cart:${call}:${i}`);
      await job.mset(...keys.flatMap((key) => [key, '1']));
      // Half DEL, half UNLINK; a pause between calls, as a job paced over seconds would send them.
      expect(call % 2 === 0 ? await job.del(...keys) : await job.unlink(...keys)).toBe(50);
      await sleep(100);
    }
    const named = await waitFor(async () => (await events(state, layout)).find((e) => e.type === 'clients' && e.data?.name === 'cleanup-job'), 'cleanup-job named');
    expect(named.data).toMatchObject({ name: 'cleanup-job', user: 'default' });
    expect(String(named.data?.addr)).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(['del', 'unlink']).toContain(named.data?.cmd);
    expect(named.summary).toMatch(/^cleanup-job \(127\.0\.0\.1:\d+, user default\) last sent (DEL|UNLINK) on db 0$/);
    await recorder.stop();
    await job.quit();
  });

  it('says so when the removing calls rose but no connected client can be named (it sent another command, or left, before CLIENT LIST)', async () => {
    const cache = await startRedis();
    const layout = new RecordLayout(PREFIX, 'vanishing');
    const recorder = new Recorder(state, [target('vanishing', cache.url)], options('c2'));
    await recorder.start();
    const app = new Redis(cache.port, { connectionName: 'hit-and-run' });
    await waitFor(async () => (await state.hget(layout.meta, 'lastAt')) !== null, 'the first write');
    await app.set('session:1', 'x');
    await sleep(300);
    // DEL and PING in one write: the server runs both before any other client's CLIENT LIST, so cmd= shows ping.
    const replies = await app.pipeline().del('session:1').ping().exec();
    expect(replies?.map(([, reply]) => reply)).toEqual([1, 'PONG']);
    await app.quit();
    const note = await waitFor(async () => (await events(state, layout)).find((e) => e.type === 'clients' && e.data?.unnamed !== undefined), 'the unnamed note');
    expect(note.data).toMatchObject({ unnamed: 1, why: 'left' });
    expect(note.summary).toMatch(/1 removing calls on 127\.0\.0\.1:\d+ in \d+ s were not named: .*only MONITOR could name them, and keyloss never runs it/);
    expect((await events(state, layout)).some((e) => e.type === 'clients' && e.data?.name === 'hit-and-run')).toBe(false);
    await recorder.stop();
  });

  it('names the client that sent a FLUSHDB in the flush itself when it is still connected', async () => {
    const cache = await startRedis();
    const layout = new RecordLayout(PREFIX, 'flushed');
    const recorder = new Recorder(state, [target('flushed', cache.url)], options('c3'));
    await recorder.start();
    const admin = new Redis(cache.port, { connectionName: 'admin-console' });
    await waitFor(async () => (await state.hget(layout.meta, 'lastAt')) !== null, 'the first write');
    await admin.mset('a', '1', 'b', '2');
    await sleep(300);
    await admin.flushdb();
    const flush = await waitFor(async () => (await events(state, layout)).find((e) => e.type === 'flush'), 'the flush');
    expect(flush.summary).toMatch(/^FLUSHDB ×1 on 127\.0\.0\.1:\d+ \(2 keys before, 0 after\), sent by admin-console \(127\.0\.0\.1:\d+, user default\)$/);
    expect(flush.data).toMatchObject({ clientName: 'admin-console', keysBefore: 2, keysAfter: 0 });
    await recorder.stop();
    await admin.quit();
  });
});
