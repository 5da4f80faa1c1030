// CLIENT LIST on a server with thousands of clients: the server builds the whole reply at once (a stall that grows
// with the clients), so keyloss reads connected_clients from INFO first and, above CLIENT_LIST_MAX_CLIENTS, skips
// CLIENT LIST with the reason instead of sending it.
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_LIST_MAX_CLIENTS } from '../../src/checks/clients.ts';
import { infoText, startHostileRedis, type HostileServer } from '../support/hostile-redis.ts';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';
import { dataOf, open, runSome, stagingClient } from './support.ts';

const servers: HostileServer[] = [];
const sockets: Socket[] = [];
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => server.close()));
  await stopAllRedis();
});

/** `count` application connections, each named `app`, all answered before this resolves. */
async function connectClients(port: number, count: number): Promise<void> {
  for (let done = 0; done < count; ) {
    const batch = Math.min(250, count - done);
    await Promise.all(
      Array.from({ length: batch }, () =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1');
          sockets.push(socket);
          socket.once('error', reject);
          socket.once('data', () => resolve());
          socket.write('CLIENT SETNAME app\r\n');
        }),
      ),
    );
    done += batch;
  }
}

/** How many CLIENT LIST the server ran (INFO commandstats), read on a staging connection. */
async function clientListCalls(port: number): Promise<number> {
  const staging = stagingClient(port);
  try {
    const stats = String(await staging.info('commandstats'));
    return Number(/cmdstat_client\|list:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  } finally {
    staging.disconnect();
  }
}

describe('the clients check on a crowded server', () => {
  it('a server announcing 9,901 clients is never sent CLIENT LIST, and the check says why', async () => {
    const server = await startHostileRedis((command) => {
      if (command[0]?.toUpperCase() !== 'INFO') return undefined;
      return { bulk: infoText({ Server: { redis_version: '7.2.0', uptime_in_seconds: 86_400 }, Clients: { connected_clients: 9_901 }, Replication: { role: 'master' } }) };
    });
    servers.push(server);
    const target = await open(server.url);
    const results = await runSome(target, ['clients'], 'session:1');
    await target.close();
    expect(results.clients).toMatchObject({
      status: 'skipped',
      reason: `9,901 clients: CLIENT LIST skipped to spare the server (keyloss lists at most ${CLIENT_LIST_MAX_CLIENTS.toLocaleString('en')})`,
    });
    expect(server.commands.filter((c) => c.command[0]?.toUpperCase() === 'CLIENT' && c.command[1]?.toUpperCase() === 'LIST')).toEqual([]);
  });

  it(`a real redis-server: listed at ${CLIENT_LIST_MAX_CLIENTS.toLocaleString('en')} clients, skipped past them`, async () => {
    const redis = await startRedis(['--maxclients', String(CLIENT_LIST_MAX_CLIENTS + 500)]);
    const target = await open(redis.url);
    // keyloss's own connection is one of the clients: this many more make exactly the bound.
    await connectClients(redis.port, CLIENT_LIST_MAX_CLIENTS - 1);
    const listed = dataOf(await runSome(target, ['clients'], 'session:1'), 'clients');
    expect(listed.names).toContainEqual({ name: 'app', clients: CLIENT_LIST_MAX_CLIENTS - 1, dbs: [0] });
    expect(await clientListCalls(redis.port)).toBe(1);

    await connectClients(redis.port, 100);
    const crowded = await runSome(target, ['clients'], 'session:1');
    await target.close();
    expect(crowded.clients?.status).toBe('skipped');
    expect(crowded.clients).toMatchObject({ reason: expect.stringMatching(/^2,\d{3} clients: CLIENT LIST skipped to spare the server/) });
    expect(await clientListCalls(redis.port)).toBe(1);
  }, 60_000);
});
