// keyloss watch on real redis-server processes: every removal event, matching, counters, clients, notifications off.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watch } from '../../src/record/watch.ts';
import { parseRedisUrl } from '../../src/redis/url.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';

function endpointOf(server: RedisProcess) {
  const parsed = parseRedisUrl(server.url);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.endpoint;
}

let on: RedisProcess;
let off: RedisProcess;

beforeAll(async () => {
  [on, off] = await Promise.all([startRedis(['--notify-keyspace-events', 'KEA', '--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru']), startRedis()]);
});
afterAll(stopAllRedis);

describe('keyloss watch', () => {
  it('captures every removal event type, counts the matching keys and names the client sending DELs', async () => {
    const app = new Redis(on.port);
    // A cleanup job: its last command stays DEL, which is what CLIENT LIST shows between two samples.
    const cleanup = new Redis(on.port, { connectionName: 'cart-cleanup' });
    const outcome = await watch(
      { endpoint: endpointOf(on), key: 'session:*', db: null, durationMs: 2_500 },
      {
        capture: { sampleIntervalMs: 200 },
        onReady: () => {
          void (async () => {
            await app.set('session:1', 'a', 'PX', 20);
            await new Promise((resolve) => setTimeout(resolve, 40));
            await app.get('session:1'); // an expired key is removed on access at the latest
            await app.set('session:2', 'b');
            await app.set('cart:1', 'c');
            await cleanup.del('session:2');
            await app.unlink('cart:1');
            await app.set('session:3', 'x');
            await app.rename('session:3', 'session:renamed');
            await app.set('session:4', 'x');
            await app.move('session:4', 1);
            await app.hset('h:1', 'f', 'v', 'g', 'w');
            await app.hdel('h:1', 'f');
            // Fill past maxmemory so that allkeys-lru evicts.
            const big = 'x'.repeat(10_000);
            for (let i = 0; i < 400; i++) await app.set(`fill:${i}`, big);
          })();
        },
      },
    );
    await Promise.all([app.quit(), cleanup.quit()]);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const result = outcome.result;
    const byType = Object.fromEntries(result.events.map((event) => [event.type, event]));
    expect(byType.expired?.sample).toContain('session:1');
    expect(byType.del?.count).toBeGreaterThanOrEqual(2);
    expect(byType.del?.matching).toBe(1);
    expect(byType.del?.sample).toEqual(['session:2']);
    expect(byType.rename_from?.sample).toEqual(['session:3']);
    expect(byType.move_from?.sample).toEqual(['session:4']);
    expect(byType.hdel?.sample).toEqual([]);
    expect(byType.hdel?.count).toBe(1);
    expect(byType.evicted?.count).toBeGreaterThan(0);
    expect(result.events[0]!.count).toBeGreaterThanOrEqual(result.events.at(-1)!.count);
    expect(result.notifications).toMatchObject({ enabled: true, source: 'config' });
    expect(result.counters.del).toBe(1);
    expect(result.counters.unlink).toBe(1);
    expect(result.counters.evicted_keys).toBe(byType.evicted?.count);
    expect(result.timeline.reduce((sum, row) => sum + row.evicted, 0)).toBe(byType.evicted?.count);
    expect(result.clients.some((client) => client.name === 'cart-cleanup')).toBe(true);
    expect(result.summary).toMatch(/session:\* keys deleted/);
  });

  it('with notifications off says so and how to turn them on, and still reports counter deltas and flushes', async () => {
    const app = new Redis(off.port);
    const outcome = await watch(
      { endpoint: endpointOf(off), key: null, db: 0, durationMs: 1_200 },
      {
        capture: { sampleIntervalMs: 200 },
        onReady: () => {
          void (async () => {
            await app.set('a', '1');
            await app.del('a');
            await app.flushdb();
          })();
        },
      },
    );
    await app.quit();
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const result = outcome.result;
    expect(result.notifications).toMatchObject({ enabled: false, flags: '', source: 'config' });
    expect(result.events).toEqual([]);
    expect(result.counters).toMatchObject({ del: 1, flushdb: 1 });
    expect(result.changes.some((change) => change.type === 'flush')).toBe(true);
    expect(result.summary).toMatch(/notifications are off/);
    expect(result.summary).toMatch(/Advanced settings/);
  });

  it('an unreachable cache is an outcome with a reason, not a throw', async () => {
    const outcome = await watch({ endpoint: { ...endpointOf(off), port: 1 }, key: null, db: null, durationMs: 1_000 });
    expect(outcome).toMatchObject({ ok: false, kind: 'unreachable' });
  });
});
