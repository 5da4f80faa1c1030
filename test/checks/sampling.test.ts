// Large dbs: a sampled count is an estimate with a range, a match in another db stops that db's scan, the TTL sample
// stops once full. Staged with DEBUG POPULATE-free pipelines on a server of our own.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateMatches } from '../../src/checks/estimate.ts';
import { formatMatchCount } from '../../src/domain/format.ts';
import type { RedisTarget } from '../../src/redis/target.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { dataOf, open, runSome, stagingClient } from './support.ts';

let server: RedisProcess;
let staging: Redis;
let target: RedisTarget;

async function fill(db: number, prefix: string, count: number): Promise<void> {
  await staging.select(db);
  for (let from = 0; from < count; from += 5_000) {
    const pipeline = staging.pipeline();
    for (let i = from; i < Math.min(count, from + 5_000); i++) pipeline.set(`${prefix}${i}`, 'v');
    await pipeline.exec();
  }
}

beforeAll(async () => {
  server = await startRedis();
  staging = stagingClient(server.port);
  // db 0: 27,000 carts and 3,000 orders (10 %); db 1: 20,000 orders, the family an app wrote to the wrong db.
  await fill(0, 'cart:', 27_000);
  await fill(0, 'order:', 3_000);
  await fill(1, 'order:', 20_000);
  await staging.select(0);
  target = await open(server.url);
}, 60_000);

afterAll(async () => {
  await target.close();
  staging.disconnect();
  await stopRedis(server);
});

describe('sampled scans', () => {
  it('turns a sampled count into an estimate of the matching keys with a 95 % range', async () => {
    const presence = dataOf(
      await runSome(target, ['keyspace.presence'], 'order:*', { options: { scanKeyBudget: 5_000, scanCount: 500 } }),
      'keyspace.presence',
    );
    const here = presence.matches.find((m) => m.db === 0);
    expect(here?.sampled).toBe(true);
    const estimate = here?.estimate;
    if (!estimate || !here) throw new Error('no estimate');
    const scanned = presence.dbsChecked.find((d) => d.db === 0)?.scannedKeys ?? 0;
    expect(estimate.fraction).toBeCloseTo(scanned / 30_000, 5);
    expect(estimate.keys).toBe(Math.round((here.count / scanned) * 30_000));
    expect(estimate.low).toBeLessThanOrEqual(estimate.keys);
    expect(estimate.high).toBeGreaterThanOrEqual(estimate.keys);
    expect(estimate.low).toBeGreaterThanOrEqual(here.count);
    // The truth (3,000) is inside a range this wide but for a vanishingly unlikely sample.
    expect(estimate.low / 2).toBeLessThan(3_000);
    expect(estimate.high * 2).toBeGreaterThan(3_000);
    expect(formatMatchCount(here)).toMatch(/^about [\d,]+ \(95 % range [\d,]+–[\d,]+, from \d+ % of the db scanned; [\d,]+ seen\)$/);
  });

  it('stops scanning another db once a match proves the family is there', async () => {
    const presence = dataOf(await runSome(target, ['keyspace.presence'], 'order:*', { query: { db: 2 } }), 'keyspace.presence');
    const other = presence.dbsChecked.find((d) => d.db === 1);
    expect(other?.stoppedAtMatch).toBe(true);
    expect(other?.complete).toBe(false);
    expect(other?.scannedKeys).toBeLessThan(20_000);
    expect(presence.matches.find((m) => m.db === 1)).toMatchObject({ db: 1, sampled: true });
  });

  it('stops the TTL sample once it holds enough keys', async () => {
    const results = await runSome(target, ['keyspace.ttl-sample'], 'cart:99999999', { options: { ttlSampleSize: 20, scanCount: 100 } });
    const sample = dataOf(results, 'keyspace.ttl-sample');
    expect(sample.sampled).toBe(20);
    expect(sample.pattern).toBe('cart:*');
  });
});

describe('estimateMatches', () => {
  it('scales the share seen to the db, with a Wilson range never below what was seen', () => {
    expect(estimateMatches(1_000, 100_000, 10_000_000)).toEqual({ keys: 100_000, low: 94_018, high: 106_358, fraction: 0.01 });
    const none = estimateMatches(0, 100_000, 10_000_000);
    expect(none).toMatchObject({ keys: 0, low: 0, fraction: 0.01 });
    // No match in 100,000: at most about 3.8 per 100,000 at 95 %, so under ~400 in the whole db.
    expect(none?.high).toBeGreaterThan(300);
    expect(none?.high).toBeLessThan(400);
    expect(estimateMatches(5, 0, 100)).toBeUndefined();
    expect(estimateMatches(50, 50, 50)).toEqual({ keys: 50, low: 50, high: 50, fraction: 1 });
  });
});
