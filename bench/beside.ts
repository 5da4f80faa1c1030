// keyloss diagnosing again and again beside a load, in a process of its own, for the side-by-side p99 benches.
// In production keyloss runs on another host than the cache; on this 2-core machine it shares the cores with
// redis-server and redis-benchmark, and any process taking 5 % of a core doubles the load's p99 by itself (a busy
// loop does). So the diagnosing process runs at nice 19 by default: the cache still serves every SCAN and INFO it
// sends (the server-side cost the pacing controls), but keyloss's own CPU yields to the two processes being measured.
// `niceness: 0` runs it at the same priority, for the colocated number.
import { spawn } from 'node:child_process';
import type { Tier } from '../src/domain/query.ts';
import { getLoad, loadRunning, type GetLatency } from './get-load.ts';

export interface BesideRequest {
  url: string;
  key: string;
  checks: string[];
  tier: Tier | null;
  dutyCycle: number | 'adaptive';
}

export interface BesideResult {
  runs: number;
  msPerRun: number;
  commands: number;
  duties: number[];
  counts: number[];
  /** CPU the diagnosing process used from "go" to "stop". */
  cpuMs: number;
}

const CHILD = new URL('./beside-child.ts', import.meta.url).pathname;

/**
 * The yardstick for the colocated number: the same load beside a process that only burns 1 ms of CPU every 20 ms
 * (5 % of a core) at the same priority, and talks to no Redis at all.
 */
export async function loadBesideBusyLoop(port: number, requests: number, keyspace: number): Promise<GetLatency> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => { const t = performance.now(); while (performance.now() - t < 1); }, 20)'], { stdio: 'ignore' });
  try {
    return await getLoad(port, requests, keyspace);
  } finally {
    child.kill();
  }
}

/**
 * `redis-benchmark -t get` (`requests` over `keyspace` keys of db 0 on `port`) with keyloss diagnosing `request` in its
 * own process from the moment the load runs until it ends.
 */
export async function loadBeside(port: number, requests: number, keyspace: number, request: BesideRequest, niceness = 19): Promise<{ latency: GetLatency; diagnosis: BesideResult }> {
  const node = [process.execPath, '--import', 'tsx', CHILD, JSON.stringify(request)];
  const [command, ...args] = niceness === 0 ? node : ['nice', '-n', String(niceness), ...node];
  const child = spawn(command as string, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages: unknown[] = [];
  const waiters: Array<() => void> = [];
  child.on('message', (message) => {
    messages.push(message);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const next = async (): Promise<unknown> => {
    while (messages.length === 0) {
      const code = await Promise.race([new Promise<'message'>((resolve) => waiters.push(() => resolve('message'))), exited]);
      if (code !== 'message' && messages.length === 0) throw new Error(`the diagnosing process exited with ${code} before answering`);
    }
    return messages.shift();
  };
  try {
    if ((await next()) !== 'ready') throw new Error('the diagnosing process did not say ready');
    const load = getLoad(port, requests, keyspace);
    await loadRunning(port);
    child.send('go');
    const latency = await load;
    child.send('stop');
    const diagnosis = (await next()) as BesideResult;
    return { latency, diagnosis };
  } finally {
    if (child.exitCode === null) child.kill();
  }
}
