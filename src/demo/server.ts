// `keyloss demo`'s throwaway redis-server: found on PATH, started on a free port of 127.0.0.1 with persistence off in
// a temporary directory, restarted when a staged incident needs it, stopped and removed at the end. Nothing here is
// the diagnosed cache's reader: the diagnosis reaches this server through its gateway like any other.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface ThrowawayServer {
  port: number;
  /** redis://127.0.0.1:<port>: no password, nothing to redact. */
  url: string;
  /** Stops the process and starts it again on the same port and directory (a restart that loses what was in memory). */
  restart(): Promise<void>;
  /** Stops the process and removes its directory; safe to call more than once. */
  stop(): Promise<void>;
  /** The last resort on the way out (a second Ctrl-C, process exit): SIGKILL, no waiting. */
  kill(): void;
}

/** The redis-server binary on `path` (a PATH value), or null when none is there to run. */
export function findRedisServer(path: string | undefined): string | null {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** What to tell someone without redis-server: one way per common system to get one. */
export const NO_REDIS_SERVER =
  'keyloss demo starts a throwaway redis-server of its own, and there is none on PATH. Install one and run it again: ' +
  '`sudo apt-get install redis-server` (Debian, Ubuntu), `brew install redis` (macOS), ' +
  'or see https://redis.io/docs/latest/operate/oss_and_stack/install/ (any redis-server 6.2 or newer; it is started on 127.0.0.1 only, and stopped at the end).';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** True once something on the port answers PING with +PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
  });
}

const START_TIMEOUT_MS = 10_000;

/** Starts `binary` with `args` (beside its own port, bind address, directory and persistence off) and waits for PING. */
export async function startThrowawayServer(binary: string, args: readonly string[]): Promise<ThrowawayServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'keyloss-demo-'));
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', '', ...args];
  let child: ChildProcess | null = null;
  let removed = false;

  const launch = async (): Promise<void> => {
    const started = spawn(binary, argv, { stdio: 'ignore' });
    child = started;
    let exited = false;
    let spawnError: string | null = null;
    started.once('exit', () => {
      exited = true;
    });
    started.once('error', (error) => {
      exited = true;
      spawnError = error.message;
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited) {
        throw new Error(`redis-server (${binary}) exited before it answered on 127.0.0.1:${port}${spawnError ? `: ${spawnError}` : ''}`);
      }
      if (await answersPing(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    started.kill('SIGKILL');
    throw new Error(`redis-server (${binary}) did not answer on 127.0.0.1:${port} within ${START_TIMEOUT_MS / 1000} s`);
  };

  const halt = async (): Promise<void> => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const late = setTimeout(() => running.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(late);
  };

  const remove = () => {
    if (removed) return;
    removed = true;
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await launch();
  } catch (error) {
    remove();
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    restart: async () => {
      await halt();
      await launch();
    },
    stop: async () => {
      await halt();
      remove();
    },
    kill: () => {
      const running = child as ChildProcess | null;
      if (running && running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
      remove();
    },
  };
}
