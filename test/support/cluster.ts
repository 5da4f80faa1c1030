// Starts a local Redis Cluster (3 primaries, optionally one replica each) on free ports for tests, and stops it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startRedis, stopRedis, type RedisProcess } from './redis-server.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

export interface LocalCluster {
  nodes: RedisProcess[];
  /** A URL to any one node, as a user would paste it. */
  url: string;
  stop(): Promise<void>;
}

export async function startCluster(options: { replicas?: 0 | 1; /** Extra redis-server arguments for every node. */ args?: string[] } = {}): Promise<LocalCluster> {
  const replicas = options.replicas ?? 0;
  const count = 3 * (1 + replicas);
  const nodes = await Promise.all(
    Array.from({ length: count }, () =>
      startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000', ...(options.args ?? [])]),
    ),
  );
  const stop = async () => {
    await Promise.all(nodes.map((node) => stopRedis(node)));
  };
  try {
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await waitUntilReady(nodes, replicas);
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, url: nodes[0]!.url, stop };
}

/** Every node says cluster_state:ok and knows all nodes; every replica has finished its first sync. */
async function waitUntilReady(nodes: RedisProcess[], replicas: number, timeoutMs = 20_000): Promise<void> {
  const clients = nodes.map((node) => new Redis(node.port, { lazyConnect: false, maxRetriesPerRequest: 1 }));
  const ready = async () => {
    const states = await Promise.all(
      clients.map(async (client) => {
        const info = String(await client.call('CLUSTER', 'INFO'));
        const replication = String(await client.call('INFO', 'replication'));
        const known = Number(/cluster_known_nodes:(\d+)/.exec(info)?.[1] ?? 0);
        const isReplica = replication.includes('role:slave');
        const synced = !isReplica || replication.includes('master_link_status:up');
        return info.includes('cluster_state:ok') && known === nodes.length && synced;
      }),
    );
    const replicaCount = (
      await Promise.all(clients.map(async (client) => String(await client.call('INFO', 'replication')).includes('role:slave')))
    ).filter(Boolean).length;
    return states.every(Boolean) && replicaCount === 3 * replicas;
  };
  try {
    await waitFor(ready, 'the local cluster to become ready', { timeoutMs, everyMs: 100 });
  } finally {
    for (const client of clients) client.disconnect();
  }
}
