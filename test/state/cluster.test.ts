// keyloss's own state on a Redis Cluster of 3 primaries with a replica each (what Azure Managed Redis with the OSS
// clustering policy is): `keyloss record` writes there through a coordinated failover of the record's shard and loses
// nothing, and `keyloss record status` and `keyloss diagnose --state` read it back.
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE_MS, RecordLayout } from '../../src/record/layout.ts';
import { openStateClient, type StateClient } from '../../src/state/redis.ts';
import { startCluster, type LocalCluster } from '../support/cluster.ts';
import { runDiagnose, runKeyloss } from '../support/keyloss-cli.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

let cluster: LocalCluster;
let cache: RedisProcess;
let state: StateClient;

beforeAll(async () => {
  [cluster, cache] = await Promise.all([startCluster({ replicas: 1 }), startRedis(['--notify-keyspace-events', 'Eg'])]);
  const opened = await openStateClient(cluster.url);
  if (!opened.ok) throw new Error(opened.reason);
  expect(opened.cluster).toBe(true);
  state = opened.client;
}, 60_000);

afterAll(async () => {
  state?.disconnect();
  await cluster?.stop();
  await stopAllRedis();
});

/** Removals of `field` in every minute of the record from `since` to now. */
async function recorded(layout: RecordLayout, field: string, since: number): Promise<number> {
  let total = 0;
  for (let minute = Math.floor(since / MINUTE_MS); minute <= Math.floor(Date.now() / MINUTE_MS); minute++) {
    total += Number((await state.hget(layout.minute(minute), field)) ?? 0);
  }
  return total;
}

/** The port of the primary serving `key`'s slot, and of its replica, once CLUSTER NODES on one node shows both. */
function shardOf(key: string): Promise<{ primary: number; replica: number }> {
  return waitFor(() => shardNow(key), `the primary and replica of ${key}'s slot in CLUSTER NODES`);
}

async function shardNow(key: string): Promise<{ primary: number; replica: number } | null> {
  const any = new Redis(cluster.nodes[0]!.port);
  try {
    const slot = Number(await any.cluster('KEYSLOT', key));
    const lines = String(await any.cluster('NODES')).trim().split('\n').map((line) => line.split(' '));
    const port = (fields: string[]) => Number(/:(\d+)@/.exec(fields[1]!)![1]);
    const primary = lines.find((fields) => fields[2]!.includes('master') && fields.slice(8).some((range) => {
      const [from, to = from] = range.split('-').map(Number);
      return slot >= from! && slot <= to!;
    }));
    const replica = primary && lines.find((fields) => fields[3] === primary[0]);
    return primary && replica ? { primary: port(primary), replica: port(replica) } : null;
  } finally {
    any.disconnect();
  }
}

describe('the state on a 3-primary Redis Cluster', () => {
  it('keyloss record keeps every deletion through a CLUSTER FAILOVER of its shard; record status and diagnose --state read the record', async () => {
    const record = `127.0.0.1:${cache.port}`;
    const layout = new RecordLayout('keyloss:', record);
    const since = Date.now();
    let recorder: ChildProcess | undefined;
    const run = runKeyloss(
      'record',
      ['--redis', cache.url],
      { STATE_REDIS_URL: cluster.url, KEYLOSS_REPLICA_ID: 'recorder-c', KEYLOSS_RECORD_LEASE_MS: '3000', KEYLOSS_RECORD_FLUSH_MS: '100', KEYLOSS_RECORD_SAMPLE_MS: '500' },
      (child) => {
        recorder = child;
      },
    );
    const app = new Redis(cache.port);
    try {
      await waitFor(async () => (await state.get(layout.lease)) === 'recorder-c', 'the recorder holding its lease');
      await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
      const keys = Array.from({ length: 3_000 }, (_, i) => `cart:${i}`);
      await app.mset(...keys.flatMap((key) => [key, '1']));
      const shard = await shardOf(layout.meta);
      const deleteBatch = async (from: number) => {
        await app.del(...keys.slice(from, from + 100));
        await new Promise((resolve) => setTimeout(resolve, 50));
      };
      for (let i = 0; i < 1_000; i += 100) await deleteBatch(i);
      await waitFor(async () => (await recorded(layout, 'del|cart:', since)) === 1_000, 'the first thousand written before the failover');
      // The replica of the record's shard takes over, coordinated with its primary, while deletions go on.
      const replica = new Redis(shard.replica);
      const failover = replica.cluster('FAILOVER');
      for (let i = 1_000; i < 2_000; i += 100) await deleteBatch(i);
      expect(await failover).toBe('OK');
      await waitFor(async () => /role:master/.test(await replica.info('replication')), 'the replica promoted');
      replica.disconnect();
      for (let i = 2_000; i < 3_000; i += 100) await deleteBatch(i);
      await waitFor(async () => (await recorded(layout, 'del|cart:', since)) >= 3_000, 'every deletion in the record', 30_000);
      // Writes still in flight at the failover are settled once the recorder has written again since.
      const lastAt = Number(await state.hget(layout.meta, 'lastAt'));
      await waitFor(async () => Number(await state.hget(layout.meta, 'lastAt')) > lastAt + 500, 'more writes after it');
      expect(await recorded(layout, 'del|cart:', since)).toBe(3_000);
      await waitFor(async () => (await shardNow(layout.meta))?.primary === shard.replica, 'the promoted replica serving the record');
    } finally {
      recorder?.kill('SIGTERM');
      app.disconnect();
    }
    const done = await run;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/a Redis Cluster/);
    expect(await state.exists(layout.lease)).toBe(0);

    const status = await runKeyloss('record', ['status', '--state', cluster.url, '--json'], { KEYLOSS_CACHES: '/nonexistent/caches.yaml' });
    expect(status.code, status.stderr).toBe(0);
    const { records } = JSON.parse(status.stdout) as { records: Array<{ cache: string; addresses: string[]; bytes: { used: number } | null }> };
    expect(records.find((r) => r.cache === record)).toMatchObject({ addresses: [record], bytes: { used: expect.any(Number) } });
    expect(records.find((r) => r.cache === record)!.bytes!.used).toBeGreaterThan(0);

    const diagnosed = await runDiagnose(['--redis', cache.url, '--key', 'cart:1500', '--since', '10m', '--state', cluster.url, '--json']);
    expect(diagnosed.code, diagnosed.stderr).not.toBe(2);
    const report = JSON.parse(diagnosed.stdout);
    expect(report.checks.find((check: { id: string }) => check.id === 'record')).toMatchObject({ status: 'ok' });
    expect(report.causes.find((cause: { id: string }) => cause.id === 'deletion')).toMatchObject({ confirmed: true });
  }, 120_000);
});
