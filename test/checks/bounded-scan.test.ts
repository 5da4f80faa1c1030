// A pattern scan on a db with 200,000 keys stops at its budget and says its count is a lower bound.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHECK_OPTIONS } from '../../src/checks/registry.ts';
import type { RedisTarget } from '../../src/redis/target.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { dataOf, open, runSome, stagingClient } from './support.ts';

let server: RedisProcess;
let staging: Redis;
let target: RedisTarget;

beforeAll(async () => {
  server = await startRedis(['--enable-debug-command', 'yes']);
  staging = stagingClient(server.port);
  await staging.call('DEBUG', 'POPULATE', 200_000, 'key');
  target = await open(server.url);
});

afterAll(async () => {
  await target.close();
  staging.disconnect();
  await stopRedis(server);
});

describe('bounded SCAN', () => {
  it('stops at the key budget and reports sampled: true', async () => {
    const presence = dataOf(await runSome(target, ['keyspace.presence'], 'key:*'), 'keyspace.presence');
    const [match] = presence.matches;
    expect(match?.sampled).toBe(true);
    expect(match?.count).toBeGreaterThan(0);
    expect(match?.count).toBeLessThan(200_000);
    const [checked] = presence.dbsChecked;
    expect(checked?.complete).toBe(false);
    expect(checked?.scannedKeys).toBeLessThanOrEqual(DEFAULT_CHECK_OPTIONS.scanKeyBudget + DEFAULT_CHECK_OPTIONS.scanCount);
  });

  it('stops at the time budget when the key budget is out of reach', async () => {
    const presence = dataOf(
      await runSome(target, ['keyspace.presence'], 'key:1*', { options: { scanKeyBudget: 10_000_000, scanMsBudget: 1, scanCount: 100 } }),
      'keyspace.presence',
    );
    expect(presence.matches[0]?.sampled).toBe(true);
    expect(presence.dbsChecked[0]?.complete).toBe(false);
  });

  it('counts everything when the budget allows', async () => {
    const presence = dataOf(
      await runSome(target, ['keyspace.presence'], 'key:1999*', { options: { scanKeyBudget: 1_000_000, scanMsBudget: 60_000 } }),
      'keyspace.presence',
    );
    // key:1999, key:19990..19999, key:199900..199999
    expect(presence.matches).toEqual([{ db: 0, count: 111, sampled: false }]);
  });
});
