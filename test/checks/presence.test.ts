// keyspace.presence and keyspace.ttl-sample on staged data in several dbs.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisTarget } from '../../src/redis/target.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { dataOf, open, runSome, stagingClient } from './support.ts';

let server: RedisProcess;
let staging: Redis;
let target: RedisTarget;

beforeAll(async () => {
  server = await startRedis();
  staging = stagingClient(server.port);
  // db 0: sessions with 10-minute TTLs, carts without. db 3: the sessions an app wrote after selecting the wrong db.
  for (let i = 0; i < 120; i++) await staging.set(`session:${i}`, 'v', 'PX', 600_000);
  for (let i = 0; i < 30; i++) await staging.set(`cart:${i}`, 'v');
  await staging.set('lonely', 'v');
  await staging.select(3);
  for (let i = 1000; i < 1012; i++) await staging.set(`session:${i}`, 'v');
  await staging.select(0);
  target = await open(server.url);
});

afterAll(async () => {
  await target.close();
  staging.disconnect();
  await stopRedis(server);
});

describe('keyspace.presence', () => {
  it('counts pattern matches in the app db and in every db INFO lists', async () => {
    const presence = dataOf(await runSome(target, ['keyspace.presence'], 'session:*'), 'keyspace.presence');
    expect(presence.present).toBe(true);
    expect(presence.matches).toEqual([
      { db: 0, count: 120, sampled: false },
      { db: 3, count: 12, sampled: false },
    ]);
    expect(presence.dbsChecked.map(({ db, complete }) => ({ db, complete }))).toEqual([
      { db: 0, complete: true },
      { db: 3, complete: true },
    ]);
    expect(presence.keyspace).toEqual([
      { db: 0, keys: 151, expires: 120, avgTtlMs: expect.any(Number) },
      { db: 3, keys: 12, expires: 0, avgTtlMs: 0 },
    ]);
    expect(presence.sampleKeys).toHaveLength(50);
    expect(presence.sampleKeys.every((key) => key.startsWith('session:'))).toBe(true);
  });

  it('finds the keys in another db when the app db has none, and looks at the app db even when empty', async () => {
    const presence = dataOf(await runSome(target, ['keyspace.presence'], 'session:10*', { query: { db: 5 } }), 'keyspace.presence');
    expect(presence.present).toBe(false);
    expect(presence.dbsChecked.map((entry) => entry.db)).toEqual([0, 3, 5]);
    expect(presence.matches).toEqual([
      { db: 0, count: 11, sampled: false },
      { db: 3, count: 12, sampled: false },
    ]);
    expect(presence.sampleKeys).toEqual([]);
  });

  it('looks an exact key up in every db', async () => {
    const found = dataOf(await runSome(target, ['keyspace.presence'], 'session:1005'), 'keyspace.presence');
    expect(found.present).toBe(false);
    expect(found.matches).toEqual([{ db: 3, count: 1, sampled: false }]);
    const here = dataOf(await runSome(target, ['keyspace.presence'], 'cart:4'), 'keyspace.presence');
    expect(here.present).toBe(true);
    expect(here.sampleKeys).toEqual(['cart:4']);
  });

  it('fails with the reason when the application\'s db cannot be selected: never "not found" in a db nobody searched', async () => {
    const presence = (await runSome(target, ['keyspace.presence'], 'session:*', { query: { db: 40 } }))['keyspace.presence'];
    expect(presence).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^db 40 could not be searched: SELECT is not available on 127\.0\.0\.1:\d+: ERR DB index is out of range/),
    });
  });
});

describe('keyspace.ttl-sample', () => {
  it('samples the TTLs of matching keys', async () => {
    const sample = dataOf(await runSome(target, ['keyspace.ttl-sample'], 'session:*'), 'keyspace.ttl-sample');
    expect(sample).toMatchObject({ pattern: 'session:*', siblingsOf: null, db: 0, sampled: 50, withTtl: 50, withoutTtl: 0 });
    expect(sample.medianTtlMs).toBeGreaterThan(500_000);
    expect(sample.medianTtlMs).toBeLessThanOrEqual(600_000);
    expect(sample.minTtlMs).toBeLessThanOrEqual(sample.medianTtlMs ?? 0);
    expect(sample.maxTtlMs).toBeGreaterThanOrEqual(sample.medianTtlMs ?? 0);
  });

  it('samples the siblings of a missing exact key', async () => {
    const sample = dataOf(await runSome(target, ['keyspace.ttl-sample'], 'cart:999'), 'keyspace.ttl-sample');
    expect(sample).toMatchObject({ pattern: 'cart:*', siblingsOf: 'cart:999', sampled: 30, withTtl: 0, withoutTtl: 30, medianTtlMs: null });
  });

  it('is skipped for a missing key without siblings, and when its need failed', async () => {
    const results = await runSome(target, ['keyspace.ttl-sample'], 'nothing');
    expect(results['keyspace.ttl-sample']).toMatchObject({ status: 'skipped', reason: expect.stringContaining('no ":"') });
    const refused = await runSome(target, ['keyspace.ttl-sample'], 'session:*', { query: { db: 40 } });
    expect(refused['keyspace.ttl-sample']).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^needs keyspace.presence, which failed: db 40 could not be searched/) });
  });
});
