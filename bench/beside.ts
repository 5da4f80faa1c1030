// keyloss diagnosing again and again beside a load, in a process of its own, for the side-by-side p99 benches.
// In production keyloss runs on another host than the cache; on this 2-core machine it shares the cores with
// redis-server and redis-benchmark, and any process taking 5 % of a core doubles the load's p99 by itself (a busy
// loop does). So the diagnosing process runs at nice 19 by default: the cache still serves every SCAN and INFO it
// sends (the server-side cost the pacing controls), but keyloss's own CPU yields to the two processes being measured.
// `niceness: 0` runs it at the same priority, for the colocated number.
import { spawn } from 'node:child_process';
import { DEFAULT_CHECK_OPTIONS } from '../src/checks/registry.ts';
import type { CheckId } from '../src/domain/checks.ts';
import { isGlobPattern, type Tier } from '../src/domain/query.ts';
import { investigate } from '../src/investigate.ts';
import type { Runbook } from '../src/runbook/schema.ts';
import { getLoad, loadRunning, type GetLatency } from './get-load.ts';

/** One diagnosis a bench runs: `key` in db 0, last seen an hour ago, with these checks and this scan pacing. */
export interface BesideRequest {
  url: string;
  key: string;
  checks: CheckId[];
  tier: Tier | null;
  dutyCycle: number | 'adaptive';
}

/** Runs `request` once, in this process: every bench diagnoses through this. */
export function diagnose(request: BesideRequest, runbook: Runbook) {
  return investigate({
    redisUrl: request.url,
    runbook,
    query: { key: request.key, isPattern: isGlobPattern(request.key), db: 0, since: new Date(Date.now() - 3_600_000), tier: request.tier, scope: null },
    checks: request.checks,
    options: { ...DEFAULT_CHECK_OPTIONS, scanDutyCycle: request.dutyCycle },
  });
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
  // The child says two things, "ready" and then what it did; either way an exit first is a failure.
  const answer = () =>
    new Promise<unknown>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`the diagnosing process exited with ${code} before answering`));
      child.once('exit', exited);
      child.once('message', (message) => {
        child.off('exit', exited);
        resolve(message);
      });
    });
  try {
    if ((await answer()) !== 'ready') throw new Error('the diagnosing process did not say ready');
    const load = getLoad(port, requests, keyspace);
    await loadRunning(port);
    child.send('go');
    const latency = await load;
    const done = answer();
    child.send('stop');
    const diagnosis = (await done) as BesideResult;
    return { latency, diagnosis };
  } finally {
    if (child.exitCode === null) child.kill();
  }
}
