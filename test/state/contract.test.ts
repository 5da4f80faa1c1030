// The StateStore contract, run against every store: the in-memory one, and the Redis one on a real redis-server and on a
// real Redis Cluster of 3 primaries.
// Versions and conflicts, reads that are copies, claims and their release, TTLs, key listing, concurrent writers.
// What only the Redis store has (its key prefix, PTTLs, a forgotten script, passwords, outages) is in redis.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireConnections, investigationsWithin } from '../../src/state/budget.ts';
import { MemoryStateStore } from '../../src/state/memory.ts';
import { openRedisStateStore } from '../../src/state/redis.ts';
import { z } from 'zod';
import { RecordTooLarge, updateState, type OnUnreadable, type StateStore } from '../../src/state/store.ts';
import { ANSWERS, COUNT, ITEM, kind, N, STEP } from './kinds.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { startCluster, type LocalCluster } from '../support/cluster.ts';
import { waitFor } from '../support/wait.ts';
import { buildReport } from '../../src/report/build.ts';
import { ReportSchema } from '../../src/report/model.ts';
import { makeEvidence, NOW } from '../diagnosis/evidence-fixture.ts';
import { runbook } from '../diagnosis/runbook-fixture.ts';

/** One store as its users share it: every `open()` is another replica of the same state (a new connection for Redis). */
interface Shared {
  open(): Promise<StateStore>;
}

interface Backend {
  name: string;
  /** A store no other test has written to; its replicas report unreadable records to `onUnreadable`. */
  fresh(onUnreadable?: OnUnreadable): Promise<Shared>;
}

let redis: RedisProcess;
let cluster: LocalCluster;
const opened: StateStore[] = [];
let prefixes = 0;

const backends: Backend[] = [
  {
    name: 'MemoryStateStore',
    fresh: async (onUnreadable) => {
      // One process holds the state: its replicas are the one instance.
      const store = new MemoryStateStore(Date.now, onUnreadable);
      opened.push(store);
      return { open: async () => store };
    },
  },
  redisBackend('RedisStateStore', () => redis.url),
  redisBackend('RedisStateStore on a Redis Cluster', () => cluster.url),
];

function redisBackend(name: string, url: () => string): Backend {
  return {
    name,
    fresh: async (onUnreadable) => {
      prefixes += 1;
      // Glob characters in the prefix, as an installation may choose: listing must take them literally.
      const prefix = `contract*[${prefixes}]:`;
      return {
        open: async () => {
          const result = await openRedisStateStore(url(), { prefix, ...(onUnreadable ? { onUnreadable } : {}) });
          if (!result.ok) throw new Error(result.reason);
          opened.push(result.store);
          return result.store;
        },
      };
    },
  };
}

beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedis(), startCluster()]);
}, 60_000);

afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  if (redis) await stopRedis(redis);
  await cluster?.stop();
});

describe.each(backends)('$name keeps the StateStore contract', (backend) => {
  it('writes, reads and versions a value, refusing a stale version; a read is a copy', async () => {
    const store = await (await backend.fresh()).open();
    expect(await store.get('s1', STEP)).toBeNull();
    const first = await store.put('s1', STEP, { step: 1, answers: { key: 'session:*' } }, null, 60_000);
    expect(first).toEqual({ ok: true, version: 1 });
    expect(await store.put('s1', STEP, { step: 9 }, null, 60_000)).toEqual({ ok: false, reason: 'conflict' });
    const read = await store.get('s1', STEP);
    expect(read).toEqual({ value: { step: 1, answers: { key: 'session:*' } }, version: 1 });
    expect(await store.put('s1', STEP, { step: 2 }, 1, 60_000)).toEqual({ ok: true, version: 2 });
    expect(await store.put('s1', STEP, { step: 3 }, 1, 60_000)).toEqual({ ok: false, reason: 'conflict' });
    const again = await store.get('s1', STEP);
    expect(again).toEqual({ value: { step: 2 }, version: 2 });
    // Callers never share a mutable object with the store.
    again!.value.step = 99;
    expect((await store.get('s1', STEP))?.value.step).toBe(2);
  });

  it('counts leases: at most `limit` holders across replicas, a holder renews its own, a dead holder expires, a released place is taken', async () => {
    const shared = await backend.fresh();
    const [a, b] = [await shared.open(), await shared.open()];
    expect(await a.lease('budget:orders', 'h1', 2, 400)).toBe(true);
    expect(await b.lease('budget:orders', 'h2', 2, 60_000)).toBe(true);
    expect(await b.lease('budget:orders', 'h3', 2, 60_000)).toBe(false);
    // Renewing a place held is no new place; another cache's budget is its own.
    expect(await a.lease('budget:orders', 'h1', 2, 400)).toBe(true);
    expect(await a.lease('budget:billing', 'h3', 2, 60_000)).toBe(true);
    // h1's process died: its lease runs out and h3 gets the place.
    await waitFor(async () => b.lease('budget:orders', 'h3', 2, 60_000), 'h1 to expire', 5_000);
    expect(await a.lease('budget:orders', 'h4', 2, 60_000)).toBe(false);
    await b.unlease('budget:orders', 'h2');
    expect(await a.lease('budget:orders', 'h4', 2, 60_000)).toBe(true);
  });

  it('holds a connection budget across replicas: waiting investigations are told once, and each runs in turn', async () => {
    const shared = await backend.fresh();
    const replicas = [await shared.open(), await shared.open(), await shared.open()];
    const settings = { connections: 4, leaseMs: 5_000, pollMs: 10 };
    let running = 0;
    let most = 0;
    let told = 0;
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const lease = await acquireConnections(replicas[i % 3]!, 'orders', settings, {
          onQueued: async () => {
            told += 1;
          },
        });
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 20));
        running -= 1;
        await lease!.release();
      }),
    );
    expect(most).toBe(investigationsWithin(settings.connections));
    expect(told).toBeGreaterThanOrEqual(12 - most);
    expect(told).toBeLessThanOrEqual(12);
  });

  it('claims once until the TTL passes; values expire', async () => {
    const store = await (await backend.fresh()).open();
    expect(await store.claim('c', 300)).toBe(true);
    expect(await store.claim('c', 300)).toBe(false);
    await store.put('k', COUNT, 1, null, 50);
    await waitFor(() => store.claim('c', 300), 'the claim to expire');
    expect(await store.get('k', COUNT)).toBeNull();
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
    await replicaA.put('incident', ANSWERS, { answers: [] }, null, 60_000);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        updateState(i % 2 === 0 ? replicaA : replicaB, 'incident', ANSWERS, 60_000, (s) => ({ answers: [...s.answers, i] })),
      ),
    );
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    const final = await replicaB.get('incident', ANSWERS);
    expect(final?.value.answers.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(final?.version).toBe(51);
  });

  it('expires a value after its idle time, a write restarts the clock, and an expired value starts afresh', async () => {
    const store = await (await backend.fresh()).open();
    await store.put('idle', N, { n: 1 }, null, 400);
    await store.put('busy', N, { n: 1 }, null, 400);
    expect(await store.put('busy', N, { n: 2 }, 1, 60_000)).toEqual({ ok: true, version: 2 });
    await waitFor(async () => (await store.get('idle', N)) === null, 'the idle session to expire');
    expect(await store.get('busy', N)).toEqual({ value: { n: 2 }, version: 2 });
    // Once expired, the session can be started afresh (expected version null).
    expect(await store.put('idle', N, { n: 2 }, null, 60_000)).toEqual({ ok: true, version: 1 });
  });

  it('lists the live values under a key prefix, taking glob characters literally, never claims or expired values', async () => {
    const store = await (await backend.fresh()).open();
    for (let i = 0; i < 1_200; i++) await store.put(`inflight:C1:${i}.0`, ITEM, { i }, null, 60_000);
    await store.put('inflight?:C2:1.0', ITEM, {}, null, 60_000);
    await store.put('thread:C1:1.0', ITEM, {}, null, 60_000);
    await store.put('inflight:C3:1.0', ITEM, {}, null, 1);
    await store.claim('inflight:C4:1.0', 60_000);
    await new Promise((r) => setTimeout(r, 20));
    const keys = await store.keys('inflight:');
    expect(keys).toHaveLength(1_200);
    expect(new Set(keys)).toEqual(new Set(Array.from({ length: 1_200 }, (_, i) => `inflight:C1:${i}.0`)));
    expect(await store.keys('inflight?')).toEqual(['inflight?:C2:1.0']);
  });

  it('deletes a value, and only that value', async () => {
    const store = await (await backend.fresh()).open();
    await store.put('gone', N, { n: 1 }, null, 60_000);
    await store.put('kept', N, { n: 1 }, null, 60_000);
    await store.delete('gone');
    expect(await store.get('gone', N)).toBeNull();
    expect(await store.keys('')).toEqual(['kept']);
    expect(await store.put('gone', N, { n: 2 }, null, 60_000)).toEqual({ ok: true, version: 1 });
  });

  it('reads a value that is not of its kind as absent: reported once, removed, and the next write starts afresh', async () => {
    const reported: Array<{ key: string; reason: string }> = [];
    const shared = await backend.fresh((key, reason) => reported.push({ key, reason }));
    const [a, b] = [await shared.open(), await shared.open()];
    // Written as something else (another version, another writer): an object where steps are expected.
    const OTHER = kind(z.object({ step: z.string() }));
    await a.put('thread:C1:1.0', OTHER, { step: 'one' }, null, 60_000);
    await a.put('thread:C1:2.0', STEP, { step: 2 }, null, 60_000);
    expect(await b.get('thread:C1:1.0', STEP)).toBeNull();
    expect(reported).toEqual([{ key: 'thread:C1:1.0', reason: 'test record: step: Invalid input: expected number, received string; removed' }]);
    expect(await a.keys('thread:')).toEqual(['thread:C1:2.0']);
    expect(await a.get('thread:C1:1.0', STEP)).toBeNull();
    expect(await updateState(b, 'thread:C1:1.0', STEP, 60_000, (s) => ({ step: s.step + 1 }))).toMatchObject({ ok: false });
    expect(reported).toHaveLength(1);
    expect(await b.put('thread:C1:1.0', STEP, { step: 1 }, null, 60_000)).toEqual({ ok: true, version: 1 });
    expect(await a.get('thread:C1:2.0', STEP)).toEqual({ value: { step: 2 }, version: 1 });
  });

  it('reads a value longer than its kind holds as absent, reported once and removed, inside updateState too', async () => {
    const reported: Array<{ key: string; reason: string }> = [];
    const store = await (await backend.fresh((key, reason) => reported.push({ key, reason }))).open();
    const LONG = kind(z.object({ step: z.number(), note: z.string() }), 1_000_000);
    const SHORT = kind(z.object({ step: z.number(), note: z.string() }), 1_000);
    await store.put('big', LONG, { step: 1, note: 'x'.repeat(5_000) }, null, 60_000);
    const outcome = await updateState(store, 'big', SHORT, 60_000, (s) => ({ ...s, step: s.step + 1 }));
    expect(outcome).toEqual({ ok: false, reason: 'no state under big (expired or never written)' });
    // Told by its length, as the store knows it without reading it: characters in memory, bytes in Redis.
    expect(reported).toEqual([{ key: 'big', reason: expect.stringMatching(/^test record: 5020 (characters|bytes), more than the 1000 (characters )?it may hold; removed$/) }]);
    expect(await store.get('big', LONG)).toBeNull();
    expect(await store.keys('')).toEqual([]);
  });

  it('reads back a report whose numbers JSON could not hold (NaN, Infinity) as that report, not as a malformed record', async () => {
    const reported: string[] = [];
    const store = await (await backend.fresh((key) => reported.push(key))).open();
    const REPORT = kind(ReportSchema, 2_000_000);
    const report = buildReport({ evidence: makeEvidence('session:*', {}), runbook, target: { host: '127.0.0.1', port: 6390, tls: false }, cache: null, checks: [], generatedAt: NOW });
    report.causes[0]!.score = Number.NaN;
    report.target.db = Number.POSITIVE_INFINITY;
    await store.put('report', REPORT, report, null, 60_000);
    const read = await store.get('report', REPORT);
    expect(reported).toEqual([]);
    expect(read?.value.causes[0]?.score).toBeNaN();
    expect(read?.value.target.db).toBeNaN();
    expect(read?.value.headline).toBe(report.headline);
  });

  it('refuses to write a value longer than its kind holds, and writes nothing', async () => {
    const store = await (await backend.fresh()).open();
    const SMALL = kind(z.object({ note: z.string() }), 100);
    await expect(store.put('note', SMALL, { note: 'x'.repeat(200) }, null, 60_000)).rejects.toThrow(RecordTooLarge);
    await expect(store.put('note', SMALL, { note: 'x'.repeat(200) }, null, 60_000)).rejects.toThrow('the test record under note is 211 characters, more than the 100 it may hold');
    expect(await store.keys('')).toEqual([]);
    expect(await store.put('note', SMALL, { note: 'short' }, null, 60_000)).toEqual({ ok: true, version: 1 });
  });
});
