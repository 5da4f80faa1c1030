// Checks against a real local Redis Cluster: presence and counters summed over primaries; only db 0.
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisChecks, DEFAULT_CHECK_OPTIONS } from '../../src/checks/registry.ts';
import { runChecks } from '../../src/checks/run.ts';
import type { CheckResults } from '../../src/domain/checks.ts';
import { openTarget, type RedisTarget } from '../../src/redis/target.ts';
import { startCluster, type LocalCluster } from '../support/cluster.ts';
import { queryFor } from './support.ts';

let cluster: LocalCluster;
let target: RedisTarget;

beforeAll(async () => {
  cluster = await startCluster({ replicas: 1 });
  const staging = new Cluster(cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })));
  for (let i = 0; i < 300; i++) await staging.set(`session:${i}`, 'v', 'EX', 900);
  for (let i = 0; i < 40; i++) await staging.set(`cart:${i}`, 'v');
  for (let i = 0; i < 25; i++) await staging.del(`session:${i}`);
  await staging.quit();
  const opened = await openTarget(cluster.url);
  if (!opened.ok) throw new Error(opened.reason);
  target = opened.target;
}, 60_000);

afterAll(async () => {
  await target?.close();
  await cluster?.stop();
});

async function run(key: string, db = 0): Promise<CheckResults> {
  return runChecks(redisChecks, { ...queryFor(key, { db }), redis: target, azure: null, options: { ...DEFAULT_CHECK_OPTIONS, rateIntervalMs: 200 } });
}

describe('a 3-primary cluster with a replica each', () => {
  it('discovers every primary and replica by its own address', async () => {
    const topology = await target.nodes();
    expect(topology.clusterEnabled).toBe(true);
    expect(topology.nodes.filter((node) => node.role === 'primary')).toHaveLength(3);
    expect(topology.nodes.filter((node) => node.role === 'replica')).toHaveLength(3);
    expect(topology.nodes.map((node) => node.address).sort()).toEqual(cluster.nodes.map((node) => `127.0.0.1:${node.port}`).sort());
  });

  it('counts pattern matches across all primaries and samples their TTLs', async () => {
    const results = await run('session:*');
    const presence = results['keyspace.presence'];
    expect(presence?.status).toBe('ok');
    if (presence?.status !== 'ok') return;
    expect(presence.data.present).toBe(true);
    expect(presence.data.matches).toEqual([{ db: 0, count: 275, sampled: false }]);
    expect(presence.data.keyspace).toEqual([expect.objectContaining({ db: 0, keys: 315, expires: 275 })]);
    const ttl = results['keyspace.ttl-sample'];
    expect(ttl?.status === 'ok' && ttl.data.withTtl).toBe(DEFAULT_CHECK_OPTIONS.ttlSampleSize);
  });

  it('finds an exact key on the primary that owns its slot, and samples siblings of a missing one', async () => {
    const found = await run('cart:7');
    expect(found['keyspace.presence']?.status === 'ok' && found['keyspace.presence'].data.present).toBe(true);
    const missing = await run('session:3');
    const ttl = missing['keyspace.ttl-sample'];
    expect(ttl?.status).toBe('ok');
    if (ttl?.status !== 'ok') return;
    expect(ttl.data.siblingsOf).toBe('session:3');
    expect(ttl.data.pattern).toBe('session:*');
    expect(ttl.data.withTtl).toBeGreaterThan(0);
  });

  it('sums deletion counters over the primaries and reads INFO from all six nodes', async () => {
    const results = await run('session:*');
    const info = results.info;
    expect(info?.status === 'ok' && info.data.nodes.length).toBe(6);
    const deletion = results['commands.deletion'];
    expect(deletion?.status === 'ok' && deletion.data.calls?.del).toBe(25);
    const memory = results.memory;
    expect(memory?.status === 'ok' && memory.data.nodes.length).toBe(3);
    const replication = results.replication;
    expect(replication?.status === 'ok' && replication.data.nodes.filter((node) => node.role === 'replica').length).toBe(3);
  });

  it('an application db other than 0 fails the search with the reason, never "not in db 2"', async () => {
    const results = await run('session:*', 2);
    expect(results['keyspace.presence']).toMatchObject({ status: 'failed', error: 'db 2 cannot be searched: only db 0 can be read (it is a cluster)' });
    await expect(target.gateway(target.address, 2)).rejects.toThrow(/only db 0/);
  });

  // Last: it stops a node.
  it('lists a node that cannot be reached with the reason, and reads the others', async () => {
    const topology = await target.nodes();
    const replica = topology.nodes.find((node) => node.role === 'replica');
    const process = cluster.nodes.find((node) => `127.0.0.1:${node.port}` === replica?.address);
    await process?.stop(true);
    const fresh = await openTarget(cluster.url);
    if (!fresh.ok) throw new Error(fresh.reason);
    try {
      const results = await runChecks(redisChecks.filter((check) => check.id === 'info'), { ...queryFor('x'), redis: fresh.target, azure: null, options: DEFAULT_CHECK_OPTIONS });
      const info = results.info;
      expect(info?.status).toBe('ok');
      if (info?.status !== 'ok') return;
      expect(info.data.nodes).toHaveLength(5);
      expect(info.data.unreachable).toEqual([{ address: replica?.address, reason: 'connection refused' }]);
    } finally {
      await fresh.target.close();
    }
  });
});
