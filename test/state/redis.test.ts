// What only the Redis state store has, on a real redis-server: its key prefix, PTTLs, a forgotten script, passwords,
// outages. The behaviour every store shares (versions, claims, TTLs, listing, concurrency) is in contract.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { openRedisStateStore, type RedisStateStore } from '../../src/state/redis.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { COUNT, ITEM, N } from './kinds.ts';
import { waitFor } from '../support/wait.ts';

let redis: RedisProcess;
let secured: RedisProcess;
const stores: RedisStateStore[] = [];

async function open(prefix = 'keyloss:'): Promise<RedisStateStore> {
  const opened = await openRedisStateStore(redis.url, { prefix });
  if (!opened.ok) throw new Error(opened.reason);
  stores.push(opened.store);
  return opened.store;
}

beforeAll(async () => {
  redis = await startRedis();
  secured = await startRedis(['--requirepass', 'state-secret-pass']);
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await stopRedis(redis);
  await stopRedis(secured);
});

describe('RedisStateStore', () => {
  it('keeps every key under its prefix and nothing else', async () => {
    const store = await open('prefixed:');
    await store.put('thread/C1/1.2', ITEM, { a: 1 }, null, 60_000);
    await store.claim('click/1', 60_000);
    const raw = new Redis(redis.port, '127.0.0.1');
    try {
      const keys = await raw.keys('*');
      const mine = keys.filter((k) => k.startsWith('prefixed:'));
      expect(mine.sort()).toEqual(['prefixed:claim:click/1', 'prefixed:state:thread/C1/1.2']);
    } finally {
      raw.disconnect();
    }
    const other = await open('other:');
    expect(await other.get('thread/C1/1.2', ITEM)).toBeNull();
  });

  it('lists keys under a store prefix holding glob characters, and nothing of a neighbouring prefix', async () => {
    const store = await open('glob*[x]:');
    const neighbour = await open('globA[x]:');
    for (let i = 0; i < 3; i++) await store.put(`inflight:C1:${i}.0`, ITEM, { i }, null, 60_000);
    await neighbour.put('inflight:C5:1.0', ITEM, {}, null, 60_000);
    expect(new Set(await store.keys('inflight:'))).toEqual(new Set(['inflight:C1:0.0', 'inflight:C1:1.0', 'inflight:C1:2.0']));
    expect(await neighbour.keys('inflight:')).toEqual(['inflight:C5:1.0']);
  });

  it('sets the TTL of a session on its Redis key, and a write replaces it rather than keeping the shorter', async () => {
    const store = await open('t4:');
    await store.put('busy', N, { n: 1 }, null, 60_000);
    const raw = new Redis(redis.port, '127.0.0.1');
    try {
      const ttl = await raw.pttl('t4:state:busy');
      expect(ttl).toBeGreaterThan(1_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await store.put('busy', N, { n: 2 }, 1, 120_000);
      expect(await raw.pttl('t4:state:busy')).toBeGreaterThan(60_000);
    } finally {
      raw.disconnect();
    }
  });

  it('recovers the compare-and-set script after the state Redis forgot it', async () => {
    const store = await open('t5:');
    await store.put('k', N, { n: 1 }, null, 60_000);
    const raw = new Redis(redis.port, '127.0.0.1');
    try {
      await raw.script('FLUSH');
    } finally {
      raw.disconnect();
    }
    expect(await store.put('k', N, { n: 2 }, 1, 60_000)).toEqual({ ok: true, version: 2 });
  });

  it('refuses a wrong password with a sentence naming host:port and not the password', async () => {
    const url = `redis://:wrong-state-pass@127.0.0.1:${secured.port}`;
    const opened = await openRedisStateStore(url);
    expect(opened.ok).toBe(false);
    if (opened.ok) return;
    expect(opened.reason).toContain(`127.0.0.1:${secured.port}`);
    expect(opened.reason).toMatch(/WRONGPASS|invalid|password/i);
    expect(opened.reason).not.toContain('wrong-state-pass');
    const good = await openRedisStateStore(`redis://:state-secret-pass@127.0.0.1:${secured.port}/2`);
    expect(good.ok).toBe(true);
    if (good.ok) {
      expect(await good.store.put('k', COUNT, 1, null, 1000)).toEqual({ ok: true, version: 1 });
      await good.store.close();
    }
  });

  it('says which state Redis is unreachable', async () => {
    const gone = await startRedis();
    const port = gone.port;
    await stopRedis(gone);
    const opened = await openRedisStateStore(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 2_000 });
    expect(opened).toEqual({ ok: false, reason: expect.stringContaining(`127.0.0.1:${port}`) });
    const bad = await openRedisStateStore('http://example.com');
    expect(bad).toEqual({ ok: false, reason: expect.stringContaining('STATE_REDIS_URL') });
  });

  it('fails a request with a readable error while the state Redis is down, and works again after it restarts', async () => {
    const own = await startRedis();
    try {
      const opened = await openRedisStateStore(own.url, { commandTimeoutMs: 500 });
      if (!opened.ok) throw new Error(opened.reason);
      const store = opened.store;
      await store.put('k', N, { n: 1 }, null, 60_000);
      await own.stop(true);
      await expect(store.get('k', N)).rejects.toThrow(new RegExp(`state Redis at 127\\.0\\.0\\.1:${own.port}`));
      await own.restart();
      // Persistence is off, so the value is gone; what matters is that the same store reconnects by itself.
      await waitFor(async () => (await store.put('k', N, { n: 2 }, null, 60_000).catch(() => null))?.ok === true, 'the store to reconnect');
      expect((await store.get('k', N))?.value.n).toBe(2);
      await store.close();
    } finally {
      await stopRedis(own);
    }
  });
});
