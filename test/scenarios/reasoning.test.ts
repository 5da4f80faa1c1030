// The reasoning an expert does from what is not possible and from where a key lives, on real redis-server processes.
import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { keySlot } from '../../src/redis/slot.ts';
import { startCluster } from '../support/cluster.ts';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';
import { afterStartSecond, causeOf, diagnoseAt, expectTopCause, infoField, sleep, stagingClient, writeKeys } from './support.ts';

afterAll(() => stopAllRedis());

describe('reasoning by elimination', () => {
  it('volatile-lru evicting other keys, the missing family carries no TTL, DELs counted: deletion is likely', async () => {
    const redis = await startRedis(['--maxmemory', '3mb', '--maxmemory-policy', 'volatile-lru']);
    const since = await afterStartSecond(redis.url);
    const app = stagingClient(redis.url);
    await writeKeys(app, 'account:', 0, 500, 500);
    // Keys with a TTL fill memory past the limit: volatile-lru evicts among them, never among account:*.
    await writeKeys(app, 'cache:', 0, 4_000, 1_000, 3_600_000);
    expect(await infoField(app, 'evicted_keys')).toBeGreaterThan(0);
    const job = stagingClient(redis.url);
    await job.del(...Array.from({ length: 80 }, (_, i) => `account:${i}`));
    await job.quit();
    await app.quit();

    const report = await diagnoseAt(redis.url, { key: 'account:17', since });
    expect(report.verdict).toBe('explained');
    expectTopCause(report, 'deletion', 'likely', /DEL 1, UNLINK 0, HDEL 0, GETDEL 0 calls since the node started .*, and nothing else can have removed these keys \(/);
    expect(causeOf(report, 'deletion').evidence[0]?.summary).toMatch(/deletion is what is left$/);
    expect(causeOf(report, 'eviction').evidence.map((e) => e.summary).join('\n')).toMatch(/policy volatile-lru evicts only keys with a TTL, and none of the \d+ sampled account:\* keys/);
    expect(causeOf(report, 'eviction').likelihood).toBe('unlikely');
  });
});

describe('one shard of a cluster', () => {
  it('FLUSHALL sent to one primary: flush is judged on the shard that owns the key, named, wherever the engineer pointed', async () => {
    const cluster = await startCluster();
    try {
      const staging = new Cluster(cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })));
      const value = 'x'.repeat(32);
      for (let from = 0; from < 4_500; from += 500) {
        await Promise.all(Array.from({ length: 500 }, (_, i) => staging.set(`session:${from + i}`, value)));
      }
      await staging.quit();
      const since = new Date();
      // Which primary owns session:17's slot, as the cluster says.
      const probe = new Redis(cluster.nodes[0]!.port, '127.0.0.1');
      const slot = keySlot('session:17');
      const slots = (await probe.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
      await probe.quit();
      const ownerPort = slots.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
      const owner = cluster.nodes.find((node) => node.port === ownerPort)!;
      const elsewhere = cluster.nodes.find((node) => node !== owner)!;
      // A client that is not cluster-aware flushes the one node it is connected to.
      const oneNode = new Redis(owner.port, '127.0.0.1');
      await oneNode.flushall();
      await oneNode.quit();

      const report = await diagnoseAt(elsewhere.url, { key: 'session:17', since });
      expect(report.verdict).toBe('explained');
      const shard = `shard 127\\.0\\.0\\.1:${owner.port} \\(slots [\\d, -]+\\), which owns slot ${slot} of session:17, holds 0 keys in db 0 while the other 2 shards hold [\\d,]+ and [\\d,]+`;
      expectTopCause(report, 'flush', 'likely', new RegExp(`FLUSHDB 0, FLUSHALL 1 calls on 127\\.0\\.0\\.1:${owner.port}, and ${shard}: that node alone was flushed`));
      const flushLines = causeOf(report, 'flush').evidence.map((e) => e.summary).join('\n');
      expect(flushLines).not.toMatch(/a flush would have emptied it/);

      // The same cluster asked for the pattern: the emptied shard stands out next to the full ones.
      const glob = await diagnoseAt(elsewhere.url, { key: 'session:*', since });
      expectTopCause(glob, 'flush', 'likely', new RegExp(`shard 127\\.0\\.0\\.1:${owner.port} \\(slots [\\d, -]+\\), which holds part of session:\\*, holds 0 keys in db 0`));
      expect(causeOf(glob, 'flush').evidence.map((e) => e.summary).join('\n')).not.toMatch(/a flush would have emptied it/);
      // The shards that were not flushed still hold their keys: the flush is not blamed on them.
      expect(causeOf(glob, 'flush').evidence.filter((e) => e.summary.includes('still holds')).length).toBe(2);
    } finally {
      await cluster.stop();
    }
  }, 60_000);
});

describe('a hot shard', () => {
  it('one primary at maxmemory evicting, the others not: eviction judged on that shard and its node named, wherever the engineer pointed', async () => {
    const cluster = await startCluster();
    try {
      // Every key of one cart lives in the slot of its hash tag {u42}, so on one primary.
      const key = (i: number) => `cart:{u42}:${i}`;
      const slot = keySlot(key(0));
      const probe = new Redis(cluster.nodes[0]!.port, '127.0.0.1');
      const slots = (await probe.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
      await probe.quit();
      const ownerPort = slots.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
      const owner = cluster.nodes.find((node) => node.port === ownerPort)!;
      const others = cluster.nodes.filter((node) => node !== owner);
      // The same policy everywhere; the hot shard's limit is the one its data reaches.
      for (const node of cluster.nodes) {
        const admin = new Redis(node.port, '127.0.0.1');
        await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
        await admin.config('SET', 'maxmemory', node === owner ? '4mb' : '256mb');
        await admin.quit();
      }
      const staging = new Cluster(cluster.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })));
      for (let from = 0; from < 3_000; from += 500) {
        await Promise.all(Array.from({ length: 500 }, (_, i) => staging.set(`session:${from + i}`, 'x'.repeat(64))));
      }
      await staging.quit();
      const since = new Date();
      // The cart grows past the hot shard's limit: allkeys-lru evicts there, and only there.
      const hot = stagingClient(owner.url);
      await writeKeys(hot, 'cart:{u42}:', 0, 6_000, 1_000);
      expect(await infoField(hot, 'evicted_keys')).toBeGreaterThan(0);
      let missing = 0;
      while ((await hot.exists(key(missing))) === 1) missing += 1;
      await hot.quit();
      for (const node of others) {
        const peer = stagingClient(node.url);
        expect(await infoField(peer, 'evicted_keys')).toBe(0);
        await peer.quit();
      }

      const at = (port: number) => `127\\.0\\.0\\.1:${port}`;
      const hotShard = (owns: string) =>
        new RegExp(`shard ${at(owner.port)} \\(slots [\\d, -]+\\), which ${owns}, uses [\\d.]+ MB of 4\\.0 MB \\(\\d+ %\\) while the others use \\d+ %, \\d+ %: a hot shard evicts \\(evicted_keys [\\d,]+ there\\)`);
      // The engineer points at each node that does not own the key: the verdict is the same, about the hot shard.
      for (const pointed of others) {
        const report = await diagnoseAt(pointed.url, { key: key(missing), since });
        expect(report.verdict).toBe('explained');
        expectTopCause(report, 'eviction', 'likely', hotShard(`owns slot ${slot} of cart:\\{u42\\}:${missing}`));
        // Redis evicts per node: the counters cited first are the owning shard's, not the cluster's sum.
        expect(report.causes[0]?.evidence[0]?.summary).toMatch(new RegExp(`^evicted_keys [\\d,]+ on ${at(owner.port)} .*; used_memory [\\d.]+ MB of 4\\.0 MB`));
      }
      // The cart as a pattern, from the hot node itself: its fixed hash tag puts it on the same shard.
      const glob = await diagnoseAt(owner.url, { key: 'cart:{u42}:*', since });
      expectTopCause(glob, 'eviction', 'likely', hotShard(`owns slot ${slot} of cart:\\{u42\\}:\\*`));
      // A family spread over every shard: the evictions are on one of them, and the evidence says which.
      const spread = await diagnoseAt(others[0]!.url, { key: 'session:*', since, scope: 'partial' });
      expect(causeOf(spread, 'eviction').evidence.map((e) => e.summary).join('\n')).toMatch(hotShard('holds part of session:\\*'));
    } finally {
      await cluster.stop();
    }
  }, 90_000);
});

describe('reading a replica', () => {
  it('a replica whose link went down before the keys were written: replication likely, proved on the primary', async () => {
    const primary = await startRedis(['--repl-diskless-sync-delay', '0']);
    const admin = stagingClient(primary.url);
    // The replica signs in as its own user, so that user can be switched off without touching the engineer's.
    await admin.call('ACL', 'SETUSER', 'repl', 'on', '>repl-secret', '+@all', '~*', '&*');
    const replica = await startRedis(['--replicaof', '127.0.0.1', String(primary.port), '--masteruser', 'repl', '--masterauth', 'repl-secret']);
    await writeKeys(admin, 'session:', 0, 100, 64);
    for (let tries = 0; (await admin.wait(1, 1000)) < 1 && tries < 50; tries += 1);
    // The link breaks: the replication user is switched off and its connection dropped; the replica cannot sign in again.
    await admin.call('ACL', 'SETUSER', 'repl', 'off');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'replica');
    const replicaAdmin = stagingClient(replica.url);
    while (!(await replicaAdmin.info('replication')).includes('master_link_status:down')) await sleep(50);
    await replicaAdmin.quit();
    await sleep(1_100);
    const since = new Date();
    await writeKeys(admin, 'session:', 100, 100, 64);
    await admin.quit();

    const report = await diagnoseAt(replica.url, { key: 'session:150', since });
    expect(report.verdict).toBe('explained');
    const at = (port: number) => `127\\.0\\.0\\.1:${port}`;
    expectTopCause(
      report,
      'replication',
      'likely',
      new RegExp(`session:150 exists on the primary ${at(primary.port)} \\(db 0\\) but not on replica ${at(replica.port)}, read with the same credentials.*: the application reads a replica that is behind`),
    );
    expect(causeOf(report, 'replication').evidence.map((e) => e.summary).join('\n')).toMatch(
      new RegExp(`replica ${at(replica.port)} has had no link to ${at(primary.port)} for [\\d.]+ m?s \\(master_link_down_since_seconds\\), since before the keys were last seen`),
    );
    expect(causeOf(report, 'replication').fixes.join('\n')).toMatch(/reads a replica that is behind its primary/);
  });
});
