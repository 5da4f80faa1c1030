// The rates check measures across the run: its second sample waits for the other checks, and no less than the floor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHECK_OPTIONS } from '../../src/checks/registry.ts';
import { ratesCheck } from '../../src/checks/rates.ts';
import { runChecks } from '../../src/checks/run.ts';
import type { Check } from '../../src/checks/types.ts';
import { openTarget, type RedisTarget } from '../../src/redis/target.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { queryFor } from './support.ts';

let redis: RedisProcess;
let target: RedisTarget;

beforeAll(async () => {
  redis = await startRedis();
  const opened = await openTarget(redis.url);
  if (!opened.ok) throw new Error(opened.reason);
  target = opened.target;
});

afterAll(async () => {
  await target?.close();
  await stopAllRedis();
});

/** A check that takes `ms` and, while it runs, expires keys the rates should see. */
function slowCheck(ms: number, during: () => Promise<void>): Check {
  return {
    id: 'clients',
    title: 'slow',
    budgetMs: 5_000,
    needs: [],
    async run() {
      await during();
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { total: 0, byDb: [], names: [], removers: [] };
    },
  } as Check;
}

describe('rates across the run', () => {
  it('spans the other checks when they take longer than the floor, and counts what happened meanwhile', async () => {
    const { Redis } = await import('ioredis');
    const writer = new Redis(redis.port, '127.0.0.1');
    const expireSome = async () => {
      const pipeline = writer.pipeline();
      for (let i = 0; i < 50; i += 1) pipeline.set(`gone:${i}`, 'v', 'PX', 1);
      await pipeline.exec();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await writer.exists(...Array.from({ length: 50 }, (_, i) => `gone:${i}`));
    };
    const results = await runChecks([ratesCheck as Check, slowCheck(400, expireSome)], {
      ...queryFor('session:*'),
      redis: target,
      azure: null,
      options: { ...DEFAULT_CHECK_OPTIONS, rateIntervalMs: 50 },
    });
    await writer.quit();
    const rates = results.rates;
    expect(rates?.status).toBe('ok');
    if (rates?.status !== 'ok') return;
    // Not the 50 ms floor: the 400 ms the other check took.
    expect(rates.data.intervalMs).toBeGreaterThanOrEqual(400);
    expect(rates.data.expiredPerSec).toBeGreaterThan(0);
    expect(rates.data.resolutionPerSec).toBeCloseTo(1000 / rates.data.intervalMs, 1);
    expect(Date.parse(rates.data.startedAt ?? '')).toBeLessThanOrEqual(Date.now());
  });

  it('waits at least the floor when the other checks are quicker, and the floor alone when run on its own', async () => {
    const results = await runChecks([ratesCheck as Check, slowCheck(0, async () => undefined)], {
      ...queryFor('session:*'),
      redis: target,
      azure: null,
      options: { ...DEFAULT_CHECK_OPTIONS, rateIntervalMs: 300 },
    });
    const rates = results.rates;
    expect(rates?.status === 'ok' && rates.data.intervalMs).toBeGreaterThanOrEqual(300);
  });
});
