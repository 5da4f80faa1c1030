// What one CLIENT LIST costs a server with many clients: its server time (INFO commandstats usec_per_call) and its
// reply size at 1,000 to 10,000 connected clients, which is what chose the clients check's bound (CLIENT_LIST_MAX_CLIENTS).
// Run alone: npm run bench -- clientlist
import { connect, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { CLIENT_LIST_MAX_CLIENTS } from '../src/checks/clients.ts';
import { startRedis, stopRedis } from '../test/support/redis-server.ts';
import type { BenchSize } from './registry.ts';

const SIZES: Record<BenchSize, { steps: number[]; calls: number }> = {
  full: { steps: [1_000, 2_500, 5_000, 10_000], calls: 5 },
  smoke: { steps: [50, 100], calls: 2 },
};

/** Opens one plain socket that names itself like an application connection would, and waits for the OK. */
function applicationClient(port: number, n: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('data', () => resolve(socket));
    socket.write(`CLIENT SETNAME app-${n % 7}\r\n`);
  });
}

export async function benchClientList(size: BenchSize = 'full'): Promise<Record<string, number | string>> {
  const { steps: STEPS, calls: CALLS } = SIZES[size];
  const redis = await startRedis(['--maxclients', '12000', '--save', '']);
  const reader = new Redis(redis.port, '127.0.0.1');
  const sockets: Socket[] = [];
  const out: Record<string, number | string> = { boundClients: CLIENT_LIST_MAX_CLIENTS };
  try {
    for (const clients of STEPS) {
      while (sockets.length < clients) {
        const batch = Array.from({ length: Math.min(200, clients - sockets.length) }, (_, i) => applicationClient(redis.port, sockets.length + i));
        sockets.push(...(await Promise.all(batch)));
      }
      await reader.call('CONFIG', 'RESETSTAT');
      let bytes = 0;
      for (let i = 0; i < CALLS; i++) bytes = String(await reader.call('CLIENT', 'LIST')).length;
      const stats = String(await reader.call('INFO', 'commandstats'));
      const line = stats.split('\r\n').find((l) => l.startsWith('cmdstat_client|list:')) ?? '';
      const perCall = Number(/usec_per_call=([\d.]+)/.exec(line)?.[1] ?? Number.NaN);
      out[`serverMsPerCall@${clients}`] = Math.round(perCall) / 1000;
      out[`replyKB@${clients}`] = Math.round(bytes / 1024);
    }
    return out;
  } finally {
    for (const socket of sockets) socket.destroy();
    reader.disconnect();
    await stopRedis(redis);
  }
}
