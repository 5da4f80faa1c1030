// The load a production application puts on a cache while keyloss reads it: `redis-benchmark -t get`, parsed from its CSV line.
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';

export interface GetLatency {
  rps: number;
  p50: number;
  p99: number;
  max: number;
}

/** `redis-benchmark -t get` with 20 clients against 127.0.0.1:`port`, over `keyspace` random keys of db 0 (latencies in ms). */
export function getLoad(port: number, requests: number, keyspace: number): Promise<GetLatency> {
  return new Promise((resolve, reject) => {
    const args = ['-h', '127.0.0.1', '-p', String(port), '-t', 'get', '-n', String(requests), '-c', '20', '-r', String(keyspace), '--csv', '--precision', '3'];
    const child = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', () => {
      // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
      const line = out.split('\n').find((l) => l.startsWith('"GET"'));
      if (!line) return reject(new Error(`redis-benchmark printed no GET line: ${out.slice(0, 200)}`));
      const cells = line.split(',').map((cell) => Number(cell.replace(/"/g, '')));
      resolve({ rps: Math.round(cells[1] ?? Number.NaN), p50: cells[4] ?? Number.NaN, p99: cells[6] ?? Number.NaN, max: cells[7] ?? Number.NaN });
    });
  });
}

/**
 * Resolves once the bench server on `port` has counted `commands` more commands: the load is running, as a production
 * cache's traffic is before keyloss arrives.
 */
export async function loadRunning(port: number, commands = 2_000): Promise<void> {
  const client = new Redis(port, '127.0.0.1');
  try {
    const count = async () => Number(/total_commands_processed:(\d+)/.exec(await client.info('stats'))?.[1] ?? 0);
    const before = await count();
    while ((await count()) - before < commands) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    client.disconnect();
  }
}
