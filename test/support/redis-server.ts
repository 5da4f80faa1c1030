// Starts real redis-server processes on free ports for tests, and stops them. Never touches 6379.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.ts';

export interface RedisProcess {
  port: number;
  url: string;
  dir: string;
  process: ChildProcess;
  /** SIGSTOP / SIGCONT: a hung node. */
  pause(): void;
  resume(): void;
  /** Stops the process (SIGKILL when `hard`), keeping its directory for a restart. */
  stop(hard?: boolean): Promise<void>;
  /** Starts again on the same port and directory with the same arguments (a restart). */
  restart(extraArgs?: string[]): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end('PING\r\n');
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => answers(port), `redis-server to start on port ${port}`, timeoutMs);
}

const running = new Set<RedisProcess>();

/**
 * Starts redis-server with persistence off unless `args` turn it on, e.g.
 * `startRedis(['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru'])`.
 */
export async function startRedis(args: string[] = [], options: { port?: number; binary?: string } = {}): Promise<RedisProcess> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'keyloss-redis-'));
  const base = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', ''];
  let currentArgs = args;
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(options.binary ?? 'redis-server', [...base, ...currentArgs], { stdio: 'ignore' });
    await waitForPort(port);
    return child;
  };
  const handle: RedisProcess = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    process: await launch(),
    pause: () => handle.process.kill('SIGSTOP'),
    resume: () => handle.process.kill('SIGCONT'),
    stop: async (hard = false) => {
      const child = handle.process;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGCONT');
      child.kill(hard ? 'SIGKILL' : 'SIGTERM');
      await exited;
    },
    restart: async (extraArgs) => {
      await handle.stop();
      if (extraArgs) currentArgs = [...args, ...extraArgs];
      handle.process = await launch();
    },
  };
  running.add(handle);
  return handle;
}

/** redis-server arguments for a TLS port with `certificate` (clients need no certificate of their own). */
export function tlsArgs(port: number, certificate: { certPath: string; keyPath: string }): string[] {
  return [
    '--tls-port', String(port),
    '--tls-cert-file', certificate.certPath,
    '--tls-key-file', certificate.keyPath,
    '--tls-ca-cert-file', certificate.certPath,
    '--tls-auth-clients', 'no',
  ];
}

export async function stopRedis(handle: RedisProcess): Promise<void> {
  await handle.stop(true);
  running.delete(handle);
  rmSync(handle.dir, { recursive: true, force: true });
}

export async function stopAllRedis(): Promise<void> {
  await Promise.all([...running].map((h) => stopRedis(h)));
}

process.once('exit', () => {
  for (const h of running) h.process.kill('SIGKILL');
});
