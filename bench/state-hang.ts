// The recorder with its state Redis hung: `keyloss record` (its own process) while the state Redis is stopped (SIGSTOP)
// for 15 s, twice: 10,000 deletions during the stop (how many the record counts once it is back), then removals at
// 20,000 a second for the whole stop (the recorder's RSS before, at its peak meanwhile, and the count once back).
// Run alone: npm run bench -- statehang
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { RecordLayout } from '../src/record/layout.ts';
import { startRedis, stopRedis } from '../test/support/redis-server.ts';
import { BIN, drive, recordedFor } from './record.ts';
import type { BenchSize } from './registry.ts';

const SIZES: Record<BenchSize, { hangMs: number; deletions: number; pauseMs: number; rate: number; settledMs: number }> = {
  full: { hangMs: 15_000, deletions: 10_000, pauseMs: 1_400, rate: 20_000, settledMs: 3_000 },
  smoke: { hangMs: 2_000, deletions: 2_000, pauseMs: 300, rate: 2_000, settledMs: 1_000 },
};

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function benchStateHang(size: BenchSize = 'full'): Promise<Record<string, number | string>> {
  const { hangMs: HANG_MS, deletions: DELETIONS, pauseMs, rate: RATE, settledMs } = SIZES[size];
  const [watched, stateServer] = await Promise.all([startRedis(['--notify-keyspace-events', 'Eg', '--client-output-buffer-limit', 'pubsub 256mb 128mb 60']), startRedis()]);
  const cache = new Redis(watched.port);
  const state = new Redis(stateServer.port);
  const record = `127.0.0.1:${watched.port}`;
  const layout = new RecordLayout('keyloss:', record);
  const child = spawn(process.execPath, [BIN, 'record', '--redis', watched.url, '--state', stateServer.url], {
    env: { ...process.env, KEYLOSS_REPLICA_ID: 'bench' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  // The recorder's RSS every 250 ms while `sampling` is set.
  let sampling: number[] | null = null;
  const sampler = setInterval(() => sampling?.push(rssMb(child.pid!)), 250);
  /** Waits until the record's count of `family` stops changing for `settledMs` after the state Redis is back. */
  const settled = async (family: string): Promise<number> => {
    let last = -1;
    let same = 0;
    while (same < settledMs / 250) {
      await sleep(250);
      const now = await recordedFor(state, record, family);
      same = now === last ? same + 1 : 0;
      last = now;
    }
    return last;
  };
  try {
    for (let i = 0; i < 200 && !/psub=[1-9]/.test(String(await cache.client('LIST'))); i++) await sleep(50);
    // 10,000 deletions, 1,000 every 1.5 s, while the state Redis is stopped.
    const keys = Array.from({ length: DELETIONS }, (_, i) => `hung:${i}`);
    for (let i = 0; i < keys.length; i += 1_000) await cache.mset(...keys.slice(i, i + 1_000).flatMap((key) => [key, '1']));
    stateServer.pause();
    const stoppedAt = Date.now();
    for (let i = 0; i < keys.length; i += 1_000) {
      await cache.del(...keys.slice(i, i + 1_000));
      await sleep(pauseMs);
    }
    await sleep(Math.max(0, HANG_MS - (Date.now() - stoppedAt)));
    stateServer.resume();
    const deletions = await settled('hung:');

    // 20,000 removals a second for the whole stop.
    await sleep(2_000);
    const before = rssMb(child.pid!);
    sampling = [];
    stateServer.pause();
    const driven = await drive(cache, 'flood', RATE, HANG_MS / 1000);
    stateServer.resume();
    const peak = Math.max(...sampling);
    sampling = null;
    const flood = await settled('flood');
    const written = await state.hgetall(layout.meta);
    return {
      state_redis_stopped_s: HANG_MS / 1000,
      deletions_during_stop: DELETIONS,
      deletions_recorded: deletions,
      removal_rate_during_stop_per_s: RATE,
      removals_driven_during_stop: driven,
      removals_recorded: flood,
      recorder_rss_before_stop_mb: before,
      recorder_rss_peak_during_stop_mb: peak,
      record_holder: written.holder ?? '',
    };
  } finally {
    clearInterval(sampler);
    stateServer.resume();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    cache.disconnect();
    state.disconnect();
    await Promise.all([stopRedis(watched), stopRedis(stateServer)]);
  }
}
