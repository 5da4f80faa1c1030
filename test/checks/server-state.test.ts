// clients, memory, commands.deletion and rates on staged server state: evictions, named clients, DELs in the slow log.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisTarget } from '../../src/redis/target.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { dataOf, open, runSome, stagingClient } from './support.ts';

let server: RedisProcess;
let staging: Redis;
let app: Redis;
let target: RedisTarget;

beforeAll(async () => {
  // Every command goes to the slow log, so the DELs below are there to be found.
  server = await startRedis(['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru', '--slowlog-log-slower-than', '0', '--slowlog-max-len', '1024']);
  staging = stagingClient(server.port);
  const value = 'x'.repeat(1024);
  for (let i = 0; i < 4000; i++) await staging.set(`blob:${i}`, value);
  // An application connection, named, in db 3, whose last command was a DEL.
  app = new Redis(server.port, { protocol: 2, disableClientInfo: true, connectionName: 'orders-api', db: 3 });
  await app.set('order:1', 'v');
  await app.set('order:2', 'v');
  await app.del('order:1', 'order:2');
  await staging.unlink('blob:3999');
  target = await open(server.url);
});

afterAll(async () => {
  await target.close();
  app.disconnect();
  staging.disconnect();
  await stopRedis(server);
});

describe('memory', () => {
  it('reports usage against maxmemory, the policy from INFO and the evictions', async () => {
    const memory = dataOf(await runSome(target, ['memory'], 'blob:*'), 'memory');
    expect(memory.maxmemory).toBe(2 * 1024 * 1024);
    expect(memory.policy).toBe('allkeys-lru');
    expect(memory.evictedKeys).toBeGreaterThan(0);
    expect(memory.usedMemory).toBeGreaterThan(0);
    expect(memory.fragmentationRatio).toEqual(expect.any(Number));
    expect(memory.evictionExceededMs).toEqual(expect.any(Number));
    expect(memory.nodes).toEqual([
      expect.objectContaining({ address: `127.0.0.1:${server.port}`, maxmemory: 2 * 1024 * 1024, evictedKeys: memory.evictedKeys }),
    ]);
  });
});

describe('clients', () => {
  it('names the clients, their dbs and the ones whose last command removed keys, leaving out our own', async () => {
    const clients = dataOf(await runSome(target, ['clients'], 'order:*'), 'clients');
    expect(clients.names).toEqual([{ name: 'orders-api', clients: 1, dbs: [3] }]);
    expect(clients.byDb).toEqual([
      { db: 0, clients: 1 },
      { db: 3, clients: 1 },
    ]);
    expect(clients.total).toBe(2);
    expect(clients.removers).toHaveLength(2);
    expect(clients.removers).toEqual(
      expect.arrayContaining([
        { addr: expect.stringMatching(/^127\.0\.0\.1:\d+$/), name: 'orders-api', db: 3, cmd: 'del' },
        { addr: expect.stringMatching(/^127\.0\.0\.1:\d+$/), name: '', db: 0, cmd: 'unlink' },
      ]),
    );
  });
});

describe('commands.deletion', () => {
  it('counts removing commands and finds them in the slow log with key and client', async () => {
    const deletion = dataOf(await runSome(target, ['commands.deletion'], 'order:*'), 'commands.deletion');
    expect(deletion.calls).toEqual({ del: 1, unlink: 1, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 });
    expect(deletion.slowlogRead).toBe(true);
    expect(deletion.slowlogError).toBeNull();
    expect(deletion.slowlog.map(({ command, key }) => ({ command, key }))).toEqual([
      { command: 'unlink', key: 'blob:3999' },
      { command: 'del', key: 'order:1' },
    ]);
    expect(deletion.slowlog[1]?.client).toMatch(/^127\.0\.0\.1:\d+ \(orders-api\)$/);
    expect(deletion.slowlog[1]?.address).toBe(`127.0.0.1:${server.port}`);
  });

  it('records a refused SLOWLOG as slowlogError, not as a failed check', async () => {
    const locked = await startRedis(['--rename-command', 'SLOWLOG', '']);
    const lockedTarget = await open(locked.url);
    try {
      // A DEL since start, so the SLOWLOG may hold one and is asked.
      const deleter = stagingClient(locked.port);
      await deleter.del('x');
      deleter.disconnect();
      const deletion = dataOf(await runSome(lockedTarget, ['commands.deletion'], 'x'), 'commands.deletion');
      expect(deletion.slowlogRead).toBe(false);
      expect(deletion.slowlogError).toMatch(/^SLOWLOG GET is not available on 127\.0\.0\.1:\d+: ERR unknown command/);
    } finally {
      await lockedTarget.close();
      await stopRedis(locked);
    }
  });
});

describe('commands.deletion on a node that never ran a removing command', () => {
  it('does not ask SLOWLOG, which cannot hold one: no reply, no new command kind for the server', async () => {
    const fresh = await startRedis();
    const freshTarget = await open(fresh.url);
    const admin = stagingClient(fresh.port);
    try {
      await admin.set('kept', 'v');
      const deletion = dataOf(await runSome(freshTarget, ['commands.deletion'], 'x'), 'commands.deletion');
      expect(deletion.slowlogRead).toBe(true);
      expect(deletion.slowlog).toEqual([]);
      expect(String(await admin.info('commandstats'))).not.toMatch(/cmdstat_slowlog/);
    } finally {
      admin.disconnect();
      await freshTarget.close();
      await stopRedis(fresh);
    }
  });
});

describe('rates', () => {
  it('measures deletions and flushes between two samples', async () => {
    const deleter = stagingClient(server.port);
    const deleting = (async () => {
      for (let i = 0; i < 20; i++) {
        await deleter.del(`blob:${i}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const results = await runSome(target, ['rates'], 'blob:*', { options: { rateIntervalMs: 150 } });
    await deleting;
    deleter.disconnect();
    const rates = dataOf(results, 'rates');
    expect(rates.intervalMs).toBeGreaterThan(0);
    expect(rates.deletedPerSec).toBeGreaterThan(0);
    expect(rates.flushesInInterval).toBe(0);
    expect(rates.evictedPerSec).toBeGreaterThanOrEqual(0);
  });
});
