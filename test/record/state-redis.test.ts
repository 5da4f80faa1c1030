// keyloss record against a state Redis that misbehaves, on real redis-server processes: hung (SIGSTOP) while keys are
// removed, every write still counted once; lease keys and meta hashes no recorder could have written, repaired and said
// once, and never read whole.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { findRecordName } from '../../src/record/identity.ts';
import { addressKey, MINUTE_MS, RecordLayout } from '../../src/record/layout.ts';
import { DEFAULT_RECORDER_OPTIONS, Recorder, type RecorderOptions, type RecordTarget } from '../../src/record/recorder.ts';
import { parseRedisUrl } from '../../src/redis/url.ts';
import { openStateClient, type StateClient } from '../../src/state/redis.ts';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

const PREFIX = 'klstate:';

function target(id: string, url: string): RecordTarget {
  const parsed = parseRedisUrl(url);
  if (!parsed.ok) throw new Error(parsed.reason);
  return { id, endpoint: parsed.endpoint, azure: null };
}

function options(holder: string, log: string[]): RecorderOptions {
  return { ...DEFAULT_RECORDER_OPTIONS, prefix: PREFIX, holder, flushMs: 200, leaseMs: 3_000, sampleMs: 500, backoff: { minMs: 50, maxMs: 500 }, log: (line) => log.push(line) };
}

/** Removals of `event|family` in every minute from `since` to now. */
async function recorded(state: StateClient, layout: RecordLayout, field: string, since: number): Promise<number> {
  let total = 0;
  for (let minute = Math.floor(since / MINUTE_MS); minute <= Math.floor(Date.now() / MINUTE_MS); minute++) {
    total += Number((await state.hget(layout.minute(minute), field)) ?? 0);
  }
  return total;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(async () => {
  await stopAllRedis();
});

describe('keyloss record with a misbehaving state Redis', () => {
  it('records 10,000 deletions as 10,000 when the state Redis hangs 15 s while they happen (no write applied twice)', async () => {
    const stateServer = await startRedis();
    const cache = await startRedis(['--notify-keyspace-events', 'Eg']);
    const opened = await openStateClient(stateServer.url, { connectionName: 'keyloss-recorder' });
    if (!opened.ok) throw new Error(opened.reason);
    const state = opened.client;
    const layout = new RecordLayout(PREFIX, 'hung');
    const log: string[] = [];
    const since = Date.now();
    const recorder = new Recorder(state, [target('hung', cache.url)], options('r-hung', log));
    await recorder.start();
    const app = new Redis(cache.port);
    await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
    const keys = Array.from({ length: 10_000 }, (_, i) => `cart:${i}`);
    for (let i = 0; i < keys.length; i += 1_000) await app.mset(...keys.slice(i, i + 1_000).flatMap((key) => [key, '1']));
    // Some deletions are written before the hang, most while the state Redis is stopped, the last just before it resumes.
    await app.del(...keys.slice(0, 1_000));
    await waitFor(async () => (await recorded(state, layout, 'del|cart:', since)) === 1_000, 'the first thousand written');
    stateServer.pause();
    try {
      for (let i = 1_000; i < keys.length; i += 1_000) {
        await app.del(...keys.slice(i, i + 1_000));
        await sleep(1_500);
      }
      await sleep(1_500);
    } finally {
      stateServer.resume();
    }
    await waitFor(async () => log.some((line) => /state Redis is back/.test(line)), 'the held removals written', 60_000);
    // Writes that were waiting in the server while it was stopped are all applied by now, and the recorder has
    // written again since: nothing more can arrive.
    const lastAt = Number(await state.hget(layout.meta, 'lastAt'));
    await waitFor(async () => Number(await state.hget(layout.meta, 'lastAt')) > lastAt + 1_000, 'more writes after the hang', 60_000);
    expect(log.some((line) => /cannot write to the state Redis/.test(line))).toBe(true);
    expect(await recorded(state, layout, 'del|cart:', since)).toBe(10_000);
    await recorder.stop();
    state.disconnect();
    app.disconnect();
  }, 120_000);

  it('repairs a lease key of another type, a huge one and one without a TTL, says so once each, and records', async () => {
    const stateServer = await startRedis();
    const cache = await startRedis(['--notify-keyspace-events', 'Eg']);
    const opened = await openStateClient(stateServer.url);
    if (!opened.ok) throw new Error(opened.reason);
    const state = opened.client;
    const app = new Redis(cache.port);
    const poisons: Array<[string, (key: string) => Promise<unknown>, RegExp]> = [
      ['hash', (key) => state.hset(key, 'holder', 'x'), /lease key \S+ was a hash, not a lease: removed/],
      ['huge', (key) => state.set(key, 'x'.repeat(1_048_576)), /lease key \S+ held 1048576 bytes, more than a recorder's name \(512\): removed/],
      ['persisted', (key) => state.set(key, 'old-recorder\u001b[2J'), /lease key \S+ was held by "old-recorder\\u001b\[2J" without a TTL, which no recorder writes: given one of 3000 ms/],
    ];
    for (const [name, poison, said] of poisons) {
      const layout = new RecordLayout(PREFIX, `lease-${name}`);
      await poison(layout.lease);
      const log: string[] = [];
      const since = Date.now();
      const recorder = new Recorder(state, [target(`lease-${name}`, cache.url)], options(`r-${name}`, log));
      await recorder.start();
      await waitFor(async () => (await state.get(layout.lease)) === `r-${name}`, `the ${name} lease taken`);
      await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
      await app.set(`${name}:1`, 'x');
      await app.del(`${name}:1`);
      await waitFor(async () => (await recorded(state, layout, `del|${name}:`, since)) === 1, `the ${name} deletion recorded`);
      expect(log.filter((line) => said.test(line)), log.join('\n')).toHaveLength(1);
      await recorder.stop();
    }
    state.disconnect();
    app.disconnect();
  }, 60_000);

  it('removes a record meta holding 32 MB and says so once, and no reader takes in it or an alias of 32 MB', async () => {
    const stateServer = await startRedis();
    const cache = await startRedis(['--notify-keyspace-events', 'Eg']);
    const opened = await openStateClient(stateServer.url);
    if (!opened.ok) throw new Error(opened.reason);
    const state = opened.client;
    const layout = new RecordLayout(PREFIX, 'bloated');
    const huge = 'x'.repeat(32 * 1_048_576);
    await state.hset(layout.meta, 'firstAt', '1', 'lastAt', String(Date.now()), 'holder', huge);
    await state.set(addressKey(PREFIX, '127.0.0.1:1'), huge);
    const sent = async () => Number(/total_net_output_bytes:(\d+)/.exec(await state.info('stats'))![1]);
    const before = await sent();
    expect(await findRecordName(state, PREFIX, { name: 'bloated', address: '127.0.0.1:1' })).toBeNull();
    const log: string[] = [];
    const recorder = new Recorder(state, [target('bloated', cache.url)], options('r-bloated', log));
    await recorder.start();
    await waitFor(async () => (await state.hget(layout.meta, 'holder')) === 'r-bloated', 'the meta written again');
    expect(await sent() - before).toBeLessThan(1_048_576);
    expect(log.filter((line) => /the record's meta \S+ holds 33554432 bytes in holder, more than the 512 a recorder writes: removed/.test(line))).toHaveLength(1);
    expect(await findRecordName(state, PREFIX, { name: 'bloated', address: '127.0.0.1:1' })).toBe('bloated');
    await recorder.stop();
    state.disconnect();
  }, 60_000);
});
