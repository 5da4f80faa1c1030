// The StateStore contract, run against every store: the in-memory one and the Redis one on a real redis-server.
// Versions and conflicts, reads that are copies, claims and their release, TTLs, key listing, concurrent writers.
// What only the Redis store has (its key prefix, PTTLs, a forgotten script, passwords, outages) is in redis.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory.ts';
import { openRedisStateStore } from '../../src/state/redis.ts';
import { updateState, type StateStore } from '../../src/state/store.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

/** One store as its users share it: every `open()` is another replica of the same state (a new connection for Redis). */
interface Shared {
  open(): Promise<StateStore>;
}

interface Backend {
  name: string;
  /** A store no other test has written to. */
  fresh(): Promise<Shared>;
}

let redis: RedisProcess;
const opened: StateStore[] = [];
let prefixes = 0;

const backends: Backend[] = [
  {
    name: 'MemoryStateStore',
    fresh: async () => {
      // One process holds the state: its replicas are the one instance.
      const store = new MemoryStateStore();
      opened.push(store);
      return { open: async () => store };
    },
  },
  {
    name: 'RedisStateStore',
    fresh: async () => {
      prefixes += 1;
      // Glob characters in the prefix, as an installation may choose: listing must take them literally.
      const prefix = `contract*[${prefixes}]:`;
      return {
        open: async () => {
          const result = await openRedisStateStore(redis.url, { prefix });
          if (!result.ok) throw new Error(result.reason);
          opened.push(result.store);
          return result.store;
        },
      };
    },
  },
];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  if (redis) await stopRedis(redis);
});

describe.each(backends)('$name keeps the StateStore contract', (backend) => {
  it('writes, reads and versions a value, refusing a stale version; a read is a copy', async () => {
    const store = await (await backend.fresh()).open();
    expect(await store.get('s1')).toBeNull();
    const first = await store.put('s1', { step: 1, answers: { key: 'session:*' } }, null, 60_000);
    expect(first).toEqual({ ok: true, version: 1 });
    expect(await store.put('s1', { step: 9 }, null, 60_000)).toEqual({ ok: false, reason: 'conflict' });
    const read = await store.get<{ step: number }>('s1');
    expect(read).toEqual({ value: { step: 1, answers: { key: 'session:*' } }, version: 1 });
    expect(await store.put('s1', { step: 2 }, 1, 60_000)).toEqual({ ok: true, version: 2 });
    expect(await store.put('s1', { step: 3 }, 1, 60_000)).toEqual({ ok: false, reason: 'conflict' });
    const again = await store.get<{ step: number }>('s1');
    expect(again).toEqual({ value: { step: 2 }, version: 2 });
    // Callers never share a mutable object with the store.
    again!.value.step = 99;
    expect((await store.get<{ step: number }>('s1'))?.value.step).toBe(2);
  });

  it('claims once until the TTL passes; values expire', async () => {
    const store = await (await backend.fresh()).open();
    expect(await store.claim('c', 300)).toBe(true);
    expect(await store.claim('c', 300)).toBe(false);
    await store.put('k', 1, null, 50);
    await waitFor(() => store.claim('c', 300), 'the claim to expire');
    expect(await store.get('k')).toBeNull();
  });

  it('lets exactly one of many concurrent claims through from two replicas, until the claim expires', async () => {
    const shared = await backend.fresh();
    const [a, b] = [await shared.open(), await shared.open()];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claim('action/U1/1700000000.1', 300)));
    expect(results.filter(Boolean)).toHaveLength(1);
    await waitFor(async () => a.claim('action/U1/1700000000.1', 300), 'the claim to expire');
  });

  it('gives a released claim to the next caller, and leaves other claims held', async () => {
    const store = await (await backend.fresh()).open();
    expect(await store.claim('click/1', 60_000)).toBe(true);
    expect(await store.claim('click/2', 60_000)).toBe(true);
    await store.release('click/1');
    expect(await store.claim('click/1', 60_000)).toBe(true);
    expect(await store.claim('click/2', 60_000)).toBe(false);
  });

  it('loses none of 50 concurrent updates of one session from two replicas', async () => {
    const shared = await backend.fresh();
    const [replicaA, replicaB] = [await shared.open(), await shared.open()];
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

  it('expires a value after its idle time, a write restarts the clock, and an expired value starts afresh', async () => {
    const store = await (await backend.fresh()).open();
    await store.put('idle', { n: 1 }, null, 400);
    await store.put('busy', { n: 1 }, null, 400);
    expect(await store.put('busy', { n: 2 }, 1, 60_000)).toEqual({ ok: true, version: 2 });
    await waitFor(async () => (await store.get('idle')) === null, 'the idle session to expire');
    expect(await store.get('busy')).toEqual({ value: { n: 2 }, version: 2 });
    // Once expired, the session can be started afresh (expected version null).
    expect(await store.put('idle', { n: 2 }, null, 60_000)).toEqual({ ok: true, version: 1 });
  });

  it('lists the live values under a key prefix, taking glob characters literally, never claims or expired values', async () => {
    const store = await (await backend.fresh()).open();
    for (let i = 0; i < 1_200; i++) await store.put(`inflight:C1:${i}.0`, { i }, null, 60_000);
    await store.put('inflight?:C2:1.0', {}, null, 60_000);
    await store.put('thread:C1:1.0', {}, null, 60_000);
    await store.put('inflight:C3:1.0', {}, null, 1);
    await store.claim('inflight:C4:1.0', 60_000);
    await new Promise((r) => setTimeout(r, 20));
    const keys = await store.keys('inflight:');
    expect(keys).toHaveLength(1_200);
    expect(new Set(keys)).toEqual(new Set(Array.from({ length: 1_200 }, (_, i) => `inflight:C1:${i}.0`)));
    expect(await store.keys('inflight?')).toEqual(['inflight?:C2:1.0']);
  });

  it('deletes a value, and only that value', async () => {
    const store = await (await backend.fresh()).open();
    await store.put('gone', { n: 1 }, null, 60_000);
    await store.put('kept', { n: 1 }, null, 60_000);
    await store.delete('gone');
    expect(await store.get('gone')).toBeNull();
    expect(await store.keys('')).toEqual(['kept']);
    expect(await store.put('gone', { n: 2 }, null, 60_000)).toEqual({ ok: true, version: 1 });
  });
});
