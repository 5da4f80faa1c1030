// keyloss record on real redis-server processes: what it writes, restarts and flushes, the state Redis away, a cluster.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, RecordLayout } from '../../src/record/layout.ts';
import { Recorder, type RecorderOptions, type RecordTarget } from '../../src/record/recorder.ts';
import { parseRedisUrl } from '../../src/redis/url.ts';
import { startCluster, type LocalCluster } from '../support/cluster.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { fastRecorderOptions } from '../support/recorder.ts';
import { waitFor } from '../support/wait.ts';

const PREFIX = 'kltest:';

function target(id: string, url: string): RecordTarget {
  const parsed = parseRedisUrl(url);
  if (!parsed.ok) throw new Error(parsed.reason);
  return { id, endpoint: parsed.endpoint, azure: null };
}

function options(holder: string, log: string[] = []): RecorderOptions {
  return fastRecorderOptions(PREFIX, holder, (line) => log.push(line));
}

async function events(state: Redis, layout: RecordLayout): Promise<Array<{ type: string; summary: string; at: number; from?: number }>> {
  return (await state.zrange(layout.events, '0', '-1')).map((json) => JSON.parse(json));
}

async function minuteCounts(state: Redis, layout: RecordLayout): Promise<Record<string, number>> {
  const now = Math.floor(Date.now() / MINUTE_MS);
  const out: Record<string, number> = {};
  for (const minute of [now - 1, now]) {
    for (const [field, count] of Object.entries(await state.hgetall(layout.minute(minute)))) out[field] = (out[field] ?? 0) + Number(count);
  }
  return out;
}

let stateServer: RedisProcess;
let state: Redis;
beforeAll(async () => {
  stateServer = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
  state = new Redis(stateServer.port, { maxRetriesPerRequest: 1 });
  // The outage test stops this server; the reads here wait for it to come back.
  state.on('error', () => undefined);
});
afterAll(async () => {
  state.disconnect();
  await stopAllRedis();
});

describe('keyloss record', () => {
  it('records removals by minute and family, the first keys by name, every key in a Bloom slice, and dates a flush no notification shows', async () => {
    const cache = await startRedis(['--notify-keyspace-events', 'Exeg']);
    const layout = new RecordLayout(PREFIX, 'orders');
    const recorder = new Recorder(state, [target('orders', cache.url)], options('r1'));
    await recorder.start();
    const app = new Redis(cache.port);
    await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
    await app.set('session:1', 'a', 'PX', 10);
    await app.set('session:2', 'b');
    await app.del('session:2');
    await new Promise((resolve) => setTimeout(resolve, 30));
    await app.get('session:1');
    await app.set('cart:9', 'c');
    await app.flushall();
    const counts = await waitFor(async () => {
      const c = await minuteCounts(state, layout);
      return c['del|session:'] && c['expired|session:'] ? c : null;
    }, 'the minute counts');
    expect(counts).toMatchObject({ 'del|session:': 1, 'expired|session:': 1 });
    const minute = Math.floor(Date.now() / MINUTE_MS);
    const exact = { ...(await state.hgetall(layout.exact(minute - 1))), ...(await state.hgetall(layout.exact(minute))) };
    expect(exact['session:2']).toMatch(/^del\|0\|\d+$/);
    expect(exact['session:1']).toMatch(/^expired\|0\|\d+$/);
    const hour = Math.floor(Date.now() / HOUR_MS);
    expect(Object.keys(await state.hgetall(layout.sliceCounts(hour))).sort()).toEqual(expect.arrayContaining(['del:0', 'expired:0']));
    const flush = await waitFor(async () => (await events(state, layout)).find((event) => event.type === 'flush'), 'the flush event');
    expect(flush.summary).toMatch(/FLUSHALL ×1/);
    const meta = await state.hgetall(layout.meta);
    expect(meta).toMatchObject({ holder: 'r1' });
    expect(Number(meta.lastAt)).toBeGreaterThan(Number(meta.firstAt) - 1);
    // Everything expires with the retention.
    expect(await state.pttl(layout.minute(minute))).toBeGreaterThan(0);
    await recorder.stop();
    expect(await state.exists(layout.lease)).toBe(0);
    expect((await state.hgetall(layout.meta)).stoppedAt).toBeDefined();
    await app.quit();
  });

  it('marks a restart of the watched cache, the time it was away as a gap, and records what comes after', async () => {
    const cache = await startRedis(['--notify-keyspace-events', 'Exeg']);
    const layout = new RecordLayout(PREFIX, 'restarting');
    const log: string[] = [];
    const recorder = new Recorder(state, [target('restarting', cache.url)], options('r2', log));
    await recorder.start();
    const app = new Redis(cache.port, { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    app.on('error', () => undefined);
    await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
    await app.set('session:before', 'x');
    await app.del('session:before');
    await cache.restart();
    await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST').catch(() => ''))), 'the subscription again');
    await app.set('session:after', 'x');
    await app.del('session:after');
    const all = await waitFor(async () => {
      const list = await events(state, layout);
      return list.some((e) => e.type === 'gap') && list.some((e) => e.type === 'restart') ? list : null;
    }, 'the gap and the restart');
    const gap = all.find((e) => e.type === 'gap')!;
    expect(gap.summary).toMatch(/could not be recorded/);
    expect(gap.at).toBeGreaterThanOrEqual(gap.from!);
    await waitFor(async () => (await minuteCounts(state, layout))['del|session:'] === 2, 'the key after the restart');
    expect(log.some((line) => /is away/.test(line))).toBe(true);
    await recorder.stop();
    app.disconnect();
  });

  it('a subscriber the server drops for its pub/sub output buffer is a gap with the reason, never a crash, and recording goes on', async () => {
    // A hard limit of 1 KB: one DEL of 2,000 keys publishes ~200 KB of key events in one command, before any is read.
    const cache = await startRedis(['--notify-keyspace-events', 'Exeg', '--client-output-buffer-limit', 'pubsub 1024 1024 0']);
    const layout = new RecordLayout(PREFIX, 'flooded');
    const log: string[] = [];
    const recorder = new Recorder(state, [target('flooded', cache.url)], options('r-flood', log));
    await recorder.start();
    const app = new Redis(cache.port, { maxRetriesPerRequest: 1 });
    await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
    // Let an INFO sample land first: the server's identity before the drop is what the explanation compares with.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const keys = Array.from({ length: 2_000 }, (_, i) => `flood:${'x'.repeat(64)}:${i}`);
    for (let i = 0; i < keys.length; i += 500) await app.mset(...keys.slice(i, i + 500).flatMap((key) => [key, '1']));
    expect(await app.del(...keys)).toBe(2_000);
    const gap = await waitFor(async () => (await events(state, layout)).find((e) => e.type === 'gap'), 'the gap with its reason');
    const version = (await app.info('server')).match(/redis_version:(\S+)/)![1]!;
    const [major, minor] = version.split('.').map(Number) as [number, number];
    if (major > 7 || (major === 7 && minor >= 2)) {
      expect(gap.summary).toMatch(/dropped keyloss's subscriber for exceeding its pub\/sub output buffer limit \(client-output-buffer-limit "pubsub 1024 1024 0"\): client_output_buffer_limit_disconnections rose from \d+ to \d+/);
    } else {
      expect(gap.summary).toContain(
        `closed keyloss's subscriber connection while its command connection stayed up and the server did not restart (same run_id): most likely the pub/sub output buffer limit (client-output-buffer-limit "pubsub 1024 1024 0") was exceeded`,
      );
      expect(gap.summary).toContain(`Redis ${version} does not count such drops`);
    }
    expect(gap.summary).toMatch(/could not be recorded/);
    // Back on its own: a removal after the drop is recorded.
    await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription again');
    await app.set('session:after-flood', 'x');
    await app.del('session:after-flood');
    await waitFor(async () => (await minuteCounts(state, layout))['del|session:'] === 1, 'the key after the drop');
    expect(log.some((line) => /pub\/sub output buffer limit/.test(line))).toBe(true);
    await recorder.stop();
    await app.quit();
  });

  it('holds what it sees while the state Redis is away and writes it when it is back', async () => {
    const cache = await startRedis(['--notify-keyspace-events', 'Exeg']);
    const layout = new RecordLayout(PREFIX, 'outage');
    const log: string[] = [];
    const own = new Redis(stateServer.port, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    own.on('error', () => undefined);
    const recorder = new Recorder(own, [target('outage', cache.url)], options('r3', log));
    await recorder.start();
    const app = new Redis(cache.port);
    await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
    await stateServer.stop();
    for (let i = 0; i < 20; i++) await app.set(`job:${i}`, 'x');
    for (let i = 0; i < 20; i++) await app.del(`job:${i}`);
    await waitFor(async () => log.some((line) => /cannot write to the state Redis/.test(line)), 'the failed write');
    await stateServer.restart();
    await waitFor(async () => (await minuteCounts(state, layout))['del|job:'] === 20, 'the held events');
    expect(log.some((line) => /state Redis is back/.test(line))).toBe(true);
    await recorder.stop();
    own.disconnect();
    await app.quit();
  });

  it('records that notifications are off and still dates flushes from INFO', async () => {
    const cache = await startRedis();
    const layout = new RecordLayout(PREFIX, 'quiet');
    const recorder = new Recorder(state, [target('quiet', cache.url)], options('r4'));
    await recorder.start();
    const app = new Redis(cache.port);
    await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
    await app.set('a', '1');
    await app.flushdb();
    const all = await waitFor(async () => {
      const list = await events(state, layout);
      return list.some((e) => e.type === 'flush') ? list : null;
    }, 'the flush');
    expect(all.find((e) => e.type === 'notifications')?.summary).toMatch(/notifications are off/);
    await recorder.stop();
    await app.quit();
  });

  describe('on a cluster of 3 primaries', () => {
    let cluster: LocalCluster;
    beforeAll(async () => {
      cluster = await startCluster({ args: ['--notify-keyspace-events', 'Exeg'] });
    }, 60_000);
    afterAll(async () => cluster?.stop());

    it('subscribes on every primary and records the keys each one removes', async () => {
      const layout = new RecordLayout(PREFIX, 'cluster');
      const recorder = new Recorder(state, [target('cluster', cluster.url)], options('r5'));
      await recorder.start();
      const clients = cluster.nodes.map((node) => new Redis(node.port));
      await waitFor(async () => {
        const lists = await Promise.all(clients.map(async (client) => String(await client.client('LIST'))));
        return lists.every((list) => /psub=[1-9]/.test(list));
      }, 'three subscriptions');
      // One key per shard: ask each node for a key it owns (CLUSTER KEYSLOT + its slot ranges).
      const keys: string[] = [];
      for (const client of clients) {
        const ranges = (await client.cluster('SLOTS')) as unknown as Array<[number, number, [string, number]]>;
        const port = Number((await client.config('GET', 'port'))[1]);
        const mine = ranges.filter((range) => range[2][1] === port);
        for (let i = 0; keys.length < clients.indexOf(client) + 1; i++) {
          const key = `order:${i}`;
          const slot = Number(await client.cluster('KEYSLOT', key));
          if (mine.some(([from, to]) => slot >= from && slot <= to) && !keys.includes(key)) {
            await client.set(key, 'x');
            await client.del(key);
            keys.push(key);
          }
        }
      }
      await waitFor(async () => (await minuteCounts(state, layout))['del|order:'] === 3, 'three deletions');
      await recorder.stop();
      for (const client of clients) client.disconnect();
    });
  });
});
