// replication and persistence.restart on real topologies: a replica, its promotion by REPLICAOF NO ONE, restarts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { dataOf, open, runSome, stagingClient } from './support.ts';
import { waitFor } from '../support/wait.ts';

describe('replication', () => {
  let primary: RedisProcess;
  let replica: RedisProcess;

  beforeAll(async () => {
    primary = await startRedis();
    replica = await startRedis();
    const direct = stagingClient(replica.port);
    await direct.call('REPLICAOF', '127.0.0.1', String(primary.port));
    await waitFor(async () => String(await direct.call('INFO', 'replication')).includes('master_link_status:up'), 'the replica to sync');
    direct.disconnect();
    // The replica says its link is up a little before the primary lists it as online; wait for both sides.
    const primarySide = stagingClient(primary.port);
    await waitFor(async () => /slave0:.*state=online/.test(String(await primarySide.call('INFO', 'replication'))), 'the primary to list its replica');
    primarySide.disconnect();
    const writer = stagingClient(primary.port);
    for (let i = 0; i < 50; i++) await writer.set(`k:${i}`, 'v');
    writer.disconnect();
  });

  afterAll(async () => {
    await stopRedis(primary);
    await stopRedis(replica);
  });

  it('shows a primary that was never promoted, with its replica, offsets and lag', async () => {
    const target = await open(primary.url);
    try {
      const { nodes } = dataOf(await runSome(target, ['replication'], 'k:*'), 'replication');
      expect(nodes).toHaveLength(1);
      const node = nodes[0];
      expect(node).toMatchObject({ role: 'primary', promoted: false, promotedAtOffset: null, connectedReplicas: 1, masterLinkStatus: null });
      expect(node?.replicas).toEqual([
        { address: `127.0.0.1:${replica.port}`, offset: expect.any(Number), lagBytes: expect.any(Number), lagSeconds: expect.any(Number), state: 'online' },
      ]);
      expect(node?.masterReplOffset).toBeGreaterThan(0);
    } finally {
      await target.close();
    }
  });

  it('shows the replica with its link up, then promoted after REPLICAOF NO ONE', async () => {
    const before = await open(replica.url);
    try {
      const { nodes } = dataOf(await runSome(before, ['replication'], 'k:*'), 'replication');
      expect(nodes[0]).toMatchObject({ role: 'replica', promoted: false, masterLinkStatus: 'up' });
    } finally {
      await before.close();
    }
    const direct = stagingClient(replica.port);
    await direct.call('REPLICAOF', 'NO', 'ONE');
    direct.disconnect();
    const after = await open(replica.url);
    try {
      const { nodes } = dataOf(await runSome(after, ['replication'], 'k:*'), 'replication');
      expect(nodes[0]).toMatchObject({ role: 'primary', promoted: true, promotedAtOffset: expect.any(Number) });
      expect(nodes[0]?.promotedAtOffset).toBeGreaterThan(0);
    } finally {
      await after.close();
    }
  });
});

describe('a replica whose primary died', () => {
  it('reports the link down', async () => {
    const primary = await startRedis();
    const replica = await startRedis();
    const direct = stagingClient(replica.port);
    try {
      await direct.call('REPLICAOF', '127.0.0.1', String(primary.port));
      await waitFor(async () => String(await direct.call('INFO', 'replication')).includes('master_link_status:up'), 'the replica to sync');
      await primary.stop(true);
      await waitFor(async () => String(await direct.call('INFO', 'replication')).includes('master_link_status:down'), 'the link to drop');
      const target = await open(replica.url);
      const { nodes } = dataOf(await runSome(target, ['replication'], 'k:*'), 'replication');
      await target.close();
      expect(nodes[0]).toMatchObject({ role: 'replica', masterLinkStatus: 'down', masterLinkDownSinceSeconds: expect.any(Number) });
    } finally {
      direct.disconnect();
      await stopRedis(primary);
      await stopRedis(replica);
    }
  });
});

describe('persistence.restart', () => {
  let server: RedisProcess;

  beforeAll(async () => {
    server = await startRedis(['--save', '3600 1']);
  });
  afterAll(async () => {
    await stopRedis(server);
  });

  it('sees a restart inside the window and the keys loaded from the snapshot', async () => {
    const staging = stagingClient(server.port);
    for (let i = 0; i < 25; i++) await staging.set(`k:${i}`, 'v');
    await staging.call('SAVE');
    staging.disconnect();
    await server.restart();
    const target = await open(server.url);
    try {
      const { nodes } = dataOf(await runSome(target, ['persistence.restart'], 'k:*'), 'persistence.restart');
      expect(nodes).toEqual([
        {
          address: `127.0.0.1:${server.port}`,
          uptimeSeconds: expect.any(Number),
          startedAt: expect.any(String),
          startedWithin: { from: expect.any(String), to: expect.any(String) },
          restartedInWindow: true,
          rdbLastLoadKeysLoaded: 25,
          aofEnabled: false,
          persistenceOff: false,
          rdbLastSaveAt: expect.any(String),
          loading: false,
        },
      ]);
      // Keys last seen after the node started: the restart is not inside the window.
      const later = await runSome(target, ['persistence.restart'], 'k:*', { query: { since: new Date(Date.now() + 60_000) } });
      expect(dataOf(later, 'persistence.restart').nodes[0]?.restartedInWindow).toBe(false);
    } finally {
      await target.close();
    }
  });

  it('tells persistence is off from CONFIG GET, and cannot tell where CONFIG is refused', async () => {
    const bare = await startRedis();
    const azureLike = await startRedis(['--rename-command', 'CONFIG', '']);
    const withAof = await startRedis(['--rename-command', 'CONFIG', '', '--appendonly', 'yes']);
    try {
      const read = async (url: string) => {
        const target = await open(url);
        try {
          return dataOf(await runSome(target, ['persistence.restart'], 'k:*'), 'persistence.restart').nodes[0];
        } finally {
          await target.close();
        }
      };
      expect((await read(bare.url))?.persistenceOff).toBe(true);
      expect((await read(azureLike.url))?.persistenceOff).toBeNull();
      expect(await read(withAof.url)).toMatchObject({ aofEnabled: true, persistenceOff: false });
    } finally {
      await Promise.all([stopRedis(bare), stopRedis(azureLike), stopRedis(withAof)]);
    }
  });
});
