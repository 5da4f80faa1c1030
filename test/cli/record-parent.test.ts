// A recorder that outlives what started it stops, on real processes: `npm run keyloss -- record` with npm sent SIGTERM,
// and a shell that does not exec the recorder killed outright. Either way the recorder writes what it holds, marks the
// record stopped, releases its lease and exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordLayout } from '../../src/record/layout.ts';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const started: number[] = [];

afterAll(async () => {
  // Only the recorders these tests started, by their pid, should one have survived a failing assertion.
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await stopAllRedis();
});

/** The pid of the node process running `keyloss record` against the state Redis on `statePort`. */
function recorderPid(statePort: number): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((arg) => arg.endsWith('bin/keyloss.js')) && argv.includes('record') && argv.includes(`redis://127.0.0.1:${statePort}`)) return Number(entry);
    } catch {
      // it exited while we looked
    }
  }
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function recording(): Promise<{ state: Redis; statePort: number; cacheUrl: string; layout: RecordLayout }> {
  const [cache, stateServer] = await Promise.all([startRedis(['--notify-keyspace-events', 'Eg']), startRedis()]);
  return { state: new Redis(stateServer.port), statePort: stateServer.port, cacheUrl: cache.url, layout: new RecordLayout('keyloss:', `127.0.0.1:${cache.port}`) };
}

async function holdsLease(state: Redis, layout: RecordLayout, child: ChildProcess): Promise<void> {
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitFor(async () => (await state.get(layout.lease)) !== null, 'the lease taken', 40_000).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${output}`);
  });
}

describe('a recorder whose starter exits', () => {
  it('stops when npm running it (`npm run keyloss -- record`) is sent SIGTERM: lease released, record marked stopped', async () => {
    const { state, statePort, cacheUrl, layout } = await recording();
    const npm = spawn('npm', ['run', '--silent', 'keyloss', '--', 'record', '--redis', cacheUrl, '--state', `redis://127.0.0.1:${statePort}`], {
      cwd: ROOT,
      env: { ...process.env, KEYLOSS_REPLICA_ID: 'under-npm', KEYLOSS_RECORD_FLUSH_MS: '200' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await holdsLease(state, layout, npm);
    const pid = recorderPid(statePort);
    expect(pid).not.toBeNull();
    started.push(pid!);
    npm.kill('SIGTERM');
    await waitFor(async () => !alive(pid!), 'the recorder gone', 20_000);
    expect(await state.get(layout.lease)).toBeNull();
    expect(await state.hget(layout.meta, 'stoppedAt')).not.toBeNull();
    state.disconnect();
  }, 90_000);

  it('stops when the shell that started it (not exec-ing it) is killed outright', async () => {
    const { state, statePort, cacheUrl, layout } = await recording();
    // `; true` keeps the shell from exec-ing node: the recorder is its child, and SIGKILL reaches only the shell.
    const shell = spawn('sh', ['-c', `"${process.execPath}" bin/keyloss.js record --redis ${cacheUrl} --state redis://127.0.0.1:${statePort}; true`], {
      cwd: ROOT,
      env: { ...process.env, KEYLOSS_REPLICA_ID: 'under-sh', KEYLOSS_RECORD_FLUSH_MS: '200' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await holdsLease(state, layout, shell);
    const pid = recorderPid(statePort);
    expect(pid).not.toBeNull();
    started.push(pid!);
    shell.kill('SIGKILL');
    await waitFor(async () => !alive(pid!), 'the recorder gone', 20_000);
    expect(await state.get(layout.lease)).toBeNull();
    expect(await state.hget(layout.meta, 'stoppedAt')).not.toBeNull();
    state.disconnect();
  }, 90_000);
});
