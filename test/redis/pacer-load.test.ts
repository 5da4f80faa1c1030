// The scan pacer on a real redis-server: it scans at the idle level when nobody else uses the server, and backs off to
// the busy level while a concurrent `redis-benchmark -t get` load runs. What is asserted is the pacing decisions the
// pacer recorded from its INFO readings, never how long anything took.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PACING, type PacingDecision } from '../../src/redis/pacer.ts';
import { boundedScan } from '../../src/redis/scan.ts';
import type { RedisTarget } from '../../src/redis/target.ts';
import { dataOf, open, runSome, stagingClient } from '../checks/support.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';

const KEYS = 400_000;
let server: RedisProcess;
let staging: Redis;
const targets: RedisTarget[] = [];
let load: ChildProcess | null = null;

beforeAll(async () => {
  server = await startRedis(['--enable-debug-command', 'yes']);
  staging = stagingClient(server.port);
  await staging.call('DEBUG', 'POPULATE', KEYS, 'key');
});

afterEach(async () => {
  load?.kill('SIGKILL');
  load = null;
  await Promise.all(targets.splice(0).map((target) => target.close()));
});

afterAll(async () => {
  staging.disconnect();
  await stopRedis(server);
});

async function freshTarget(): Promise<RedisTarget> {
  const target = await open(server.url);
  targets.push(target);
  return target;
}

/** A search for a family that is not there: the whole budget goes to scanning, paced by the node's pacer. */
async function pacedSearch(target: RedisTarget): Promise<readonly PacingDecision[]> {
  const pacer = await target.pacer(target.address);
  await boundedScan(await target.gateway(target.address, 0), 'absent:*', { pacing: pacer, keyBudget: KEYS * 4, msBudget: 1_500 });
  return pacer.decisions;
}

/** Starts redis-benchmark GETs (20 clients) and resolves once the server has counted a few thousand of them. */
async function startGetLoad(): Promise<void> {
  load = spawn('redis-benchmark', ['-h', '127.0.0.1', '-p', String(server.port), '-t', 'get', '-c', '20', '-n', '100000000', '-r', String(KEYS), '-q'], {
    stdio: 'ignore',
  });
  const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await staging.info('stats'))?.[1] ?? 0);
  const before = await commands();
  while ((await commands()) - before < 5_000) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('adaptive scan pacing on a real server', () => {
  it('scans at the idle level when nobody else uses the server', async () => {
    const decisions = await pacedSearch(await freshTarget());
    expect(decisions.length).toBeGreaterThan(1);
    const last = decisions.at(-1);
    expect(last?.othersOpsPerSec).toBeLessThan(PACING.opsPerSec.idle);
    expect(last?.duty).toBe(PACING.idle.duty);
    // COUNT was sized up from the cautious start to the idle level's 1 ms SCANs.
    expect(last?.count).toBeGreaterThan(PACING.count.start);
  });

  it('backs off to the busy level while a concurrent GET load runs, and says so in the evidence', async () => {
    await startGetLoad();
    const decisions = await pacedSearch(await freshTarget());
    expect(decisions.length).toBeGreaterThan(2);
    // Never the idle level while others are there, down to the busy level itself; on a shared machine the load
    // generator is descheduled now and then, so a window may read a lighter load than the one before.
    expect(Math.max(...decisions.map((d) => d.duty))).toBeLessThan(PACING.idle.duty);
    expect(Math.min(...decisions.map((d) => d.duty))).toBe(PACING.busy.duty);
    const duties = decisions.map((d) => d.duty).sort((a, b) => a - b);
    expect(duties[Math.floor(duties.length / 2)]).toBeLessThan(PACING.idle.duty / 4);
    expect(Math.max(...decisions.map((d) => d.othersOpsPerSec ?? 0))).toBeGreaterThan(PACING.opsPerSec.busy);

    const presence = dataOf(await runSome(await freshTarget(), ['keyspace.presence'], 'absent:*'), 'keyspace.presence');
    const [node] = presence.pacing ?? [];
    expect(node?.address).toBe(`127.0.0.1:${server.port}`);
    expect(node?.duty[0]).toBe(PACING.busy.duty);
    expect(node?.duty[1]).toBeLessThan(PACING.idle.duty / 2);
    expect(node?.othersOpsPerSecMax).toBeGreaterThan(PACING.opsPerSec.busy);
  });
});
