// The Redis state store against a real redis-server: versions, conflicts, idempotency claims, TTL expiry, failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { openRedisStateStore, type RedisStateStore } from '../../src/state/redis.ts';
import { updateState } from '../../src/state/store.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
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
  it('writes, reads and versions a value, refusing a stale version', async () => {
    const store = await open('t1:');
    expect(await store.get('s1')).toBeNull();
    const first = await store.put('s1', { step: 1, answers: { key: 'session:*' } }, null, 60_000);
    expect(first).toEqual({ ok: true, version: 1 });
    expect(await store.put('s1', { step: 9 }, null, 60_000)).toEqual({ ok: false, reason: 'conflict' });
    const read = await store.get<{ step: number }>('s1');
    expect(read).toEqual({ value: { step: 1, answers: { key: 'session:*' } }, version: 1 });
    expect(await store.put('s1', { step: 2 }, 1, 60_000)).toEqual({ ok: true, version: 2 });
    expect(await store.put('s1', { step: 3 }, 1, 60_000)).toEqual({ ok: false, reason: 'conflict' });
    expect((await store.get<{ step: number }>('s1'))?.value.step).toBe(2);
  });

  it('keeps every key under its prefix and nothing else', async () => {
    const store = await open('prefixed:');
    await store.put('thread/C1/1.2', { a: 1 }, null, 60_000);
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
    expect(await other.get('thread/C1/1.2')).toBeNull();
  });

  it('lists the live values under a key prefix, whatever glob characters the prefixes hold', async () => {
    const store = await open('glob*[x]:');
    const neighbour = await open('globA[x]:');
    for (let i = 0; i < 1_200; i++) await store.put(`inflight:C1:${i}.0`, { i }, null, 60_000);
    await store.put('inflight?:C2:1.0', {}, null, 60_000);
    await store.put('thread:C1:1.0', {}, null, 60_000);
    await store.put('inflight:C3:1.0', {}, null, 1);
    await store.claim('inflight:C4:1.0', 60_000);
    await neighbour.put('inflight:C5:1.0', {}, null, 60_000);
    await new Promise((r) => setTimeout(r, 20));
    const keys = await store.keys('inflight:');
    expect(keys).toHaveLength(1_200);
    expect(new Set(keys)).toEqual(new Set(Array.from({ length: 1_200 }, (_, i) => `inflight:C1:${i}.0`)));
    expect(await store.keys('inflight?')).toEqual(['inflight?:C2:1.0']);
    expect(await neighbour.keys('inflight:')).toEqual(['inflight:C5:1.0']);
  });

  it('loses none of 50 concurrent updates of one session from two replicas', async () => {
    const replicaA = await open('t2:');
    const replicaB = await open('t2:');
    await replicaA.put('incident', { answers: [] as number[] }, null, 60_000);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        updateState<{ answers: number[] }>(i % 2 === 0 ? replicaA : replicaB, 'incident', 60_000, (s) => ({ answers: [...s.answers, i] })),
      ),
    );
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    const final = await replicaB.get<{ answers: number[] }>('incident');
    expect(final?.value.answers.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(final?.version).toBe(51);
  });

  it('lets exactly one of many concurrent claims through, until the claim expires', async () => {
    const a = await open('t3:');
    const b = await open('t3:');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claim('action/U1/1700000000.1', 300)));
    expect(results.filter(Boolean)).toHaveLength(1);
    await waitFor(async () => a.claim('action/U1/1700000000.1', 300), 'the claim to expire');
  });

  it('expires a session after its idle time, and a write restarts the clock', async () => {
    const store = await open('t4:');
    await store.put('idle', { n: 1 }, null, 400);
    await store.put('busy', { n: 1 }, null, 60_000);
    const raw = new Redis(redis.port, '127.0.0.1');
    try {
      const ttl = await raw.pttl('t4:state:busy');
      expect(ttl).toBeGreaterThan(1_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      // A write with a new TTL replaces the old one rather than keeping the shorter.
      await store.put('busy', { n: 2 }, 1, 120_000);
      expect(await raw.pttl('t4:state:busy')).toBeGreaterThan(60_000);
    } finally {
      raw.disconnect();
    }
    await waitFor(async () => (await store.get('idle')) === null, 'the idle session to expire');
    // Once expired, the session can be started afresh (expected version null).
    expect(await store.put('idle', { n: 2 }, null, 60_000)).toEqual({ ok: true, version: 1 });
  });

  it('recovers the compare-and-set script after the state Redis forgot it', async () => {
    const store = await open('t5:');
    await store.put('k', { n: 1 }, null, 60_000);
    const raw = new Redis(redis.port, '127.0.0.1');
    try {
      await raw.script('FLUSH');
    } finally {
      raw.disconnect();
    }
    expect(await store.put('k', { n: 2 }, 1, 60_000)).toEqual({ ok: true, version: 2 });
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
      expect(await good.store.put('k', 1, null, 1000)).toEqual({ ok: true, version: 1 });
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
      await store.put('k', { n: 1 }, null, 60_000);
      await own.stop(true);
      await expect(store.get('k')).rejects.toThrow(new RegExp(`state Redis at 127\\.0\\.0\\.1:${own.port}`));
      await own.restart();
      // Persistence is off, so the value is gone; what matters is that the same store reconnects by itself.
      await waitFor(async () => (await store.put('k', { n: 2 }, null, 60_000).catch(() => null))?.ok === true, 'the store to reconnect');
      expect((await store.get<{ n: number }>('k'))?.value.n).toBe(2);
      await store.close();
    } finally {
      await stopRedis(own);
    }
  });
});
