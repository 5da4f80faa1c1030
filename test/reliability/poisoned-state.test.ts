// Records in the state Redis are untrusted input: a malformed or oversized run record is reported once, removed and
// skipped, and never stops the lost-run sweep (a huge one is never read); a claim whose work failed is given back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InFlightRegistry } from '../../src/state/inflight.ts';
import { MemoryStateStore } from '../../src/state/memory.ts';
import { openRedisStateStore, type RedisStateStore } from '../../src/state/redis.ts';
import { withClaim } from '../../src/state/store.ts';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';
import { stagingClient } from '../checks/support.ts';

let store: RedisStateStore;
let port: number;
/** What the store reported as unreadable, in order. */
const unreadable: string[] = [];

beforeAll(async () => {
  const state = await startRedis();
  port = state.port;
  const opened = await openRedisStateStore(state.url, { onUnreadable: (key) => unreadable.push(key) });
  if (!opened.ok) throw new Error(opened.reason);
  store = opened.store;
});
afterAll(async () => {
  await store?.close();
  await stopAllRedis();
});

describe('the lost-run sweep over poisoned records', () => {
  it('announces the lost run past 30 malformed records, reports each once, and removes them', async () => {
    const raw = stagingClient(port);
    const poison = [
      '{not json',
      '"a string"',
      'null',
      '[]',
      '{"runId":5}',
      JSON.stringify({ runId: 'r', replica: 'x', startedAt: 'yesterday', heartbeatAt: 'never', endedAt: null, outcome: null, note: null }),
      JSON.stringify({ runId: 'r', replica: 'x'.repeat(20_000), startedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString(), endedAt: null, outcome: null, note: null }),
    ];
    for (let i = 0; i < 28; i++) {
      await raw.hset(`${store.prefix}state:inflight:C0POISON:${i}.000`, 'v', '1', 'j', poison[i % poison.length]!);
    }
    // Not a hash at all, and a hash without its JSON.
    await raw.set(`${store.prefix}state:inflight:C0POISON:28.000`, 'a plain string');
    await raw.hset(`${store.prefix}state:inflight:C0POISON:29.000`, 'v', '1');
    // A run whose replica died: begun at t0 and never heard from again.
    const t0 = new Date('2026-01-01T05:00:00Z');
    const crashed = new InFlightRegistry(store, { replica: 'crashed', heartbeatMs: 1000, clock: () => t0 });
    const begun = await crashed.begin('C0LOST:1.000');
    expect(begun.ok).toBe(true);

    const sweeper = new InFlightRegistry(store, { replica: 'sweeper', heartbeatMs: 1000, clock: () => new Date(t0.getTime() + 60_000) });
    const lost = await sweeper.claimLost();
    expect(lost.map((l) => l.incident)).toEqual(['C0LOST:1.000']);
    expect(unreadable).toHaveLength(30);
    expect(new Set(unreadable).size).toBe(30);
    // Removed: the next sweep neither reports nor reads them again.
    expect(await store.keys('inflight:C0POISON')).toEqual([]);
    await sweeper.claimLost();
    expect(unreadable).toHaveLength(30);
    // A click on an incident with a poisoned record reads it as no run at all.
    await raw.hset(`${store.prefix}state:inflight:C0CLICK:1.000`, 'v', '1', 'j', '{"runId":');
    expect((await sweeper.status('C0CLICK:1.000')).status).toBe('idle');
    expect(unreadable.slice(30)).toEqual(['inflight:C0CLICK:1.000']);
    await raw.quit();
  });
});

describe('oversized records', () => {
  it('a 32 MB run record, and one that is no hash, are removed and reported once without being read', async () => {
    const raw = stagingClient(port);
    const huge = 'x'.repeat(32 * 1_048_576);
    await raw.hset(`${store.prefix}state:inflight:C0HUGE:1.000`, 'v', '1', 'j', huge);
    await raw.set(`${store.prefix}state:inflight:C0HUGE:2.000`, huge);
    const sentBefore = Number(/total_net_output_bytes:(\d+)/.exec(await raw.info('stats'))![1]);
    const registry = new InFlightRegistry(store, { replica: 'reader', heartbeatMs: 1000 });
    const before = unreadable.length;
    for (let i = 0; i < 3; i++) {
      expect((await registry.status('C0HUGE:1.000')).status).toBe('idle');
      expect((await registry.status('C0HUGE:2.000')).status).toBe('idle');
    }
    // Neither value left the state Redis: its replies since are a few hundred bytes, not 64 MB.
    const sent = Number(/total_net_output_bytes:(\d+)/.exec(await raw.info('stats'))![1]) - sentBefore;
    expect(sent).toBeLessThan(1_048_576);
    expect(unreadable.slice(before)).toEqual(['inflight:C0HUGE:1.000', 'inflight:C0HUGE:2.000']);
    expect(await raw.exists(`${store.prefix}state:inflight:C0HUGE:1.000`, `${store.prefix}state:inflight:C0HUGE:2.000`)).toBe(0);
    await raw.quit();
  });
});

describe('claims', () => {
  it('a claim whose work fails is given back; one whose work succeeds is not', async () => {
    for (const state of [new MemoryStateStore(), store]) {
      await expect(withClaim(state, 'answer:C1:1.0:q:0', 60_000, async () => {
        throw new Error('the state Redis is at maxmemory');
      })).rejects.toThrow(/maxmemory/);
      let ran = 0;
      expect(await withClaim(state, 'answer:C1:1.0:q:0', 60_000, async () => void ran++)).toBe(true);
      expect(await withClaim(state, 'answer:C1:1.0:q:0', 60_000, async () => void ran++)).toBe(false);
      expect(ran).toBe(1);
    }
  });
});
