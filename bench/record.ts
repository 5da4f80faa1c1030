// Recorder benchmark: key events driven at rising rates on a local redis-server holding 1,000,000 keys; the highest
// rate one `keyloss record` process (its own process, one core) keeps up with, its peak RSS, the state Redis bytes per
// million recorded removals, and the slowest command the recorder sent the watched cache (SLOWLOG).
// Run alone: npm run bench -- record
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedis, stopRedis } from '../test/support/redis-server.ts';
import type { BenchSize } from './registry.ts';

export const BIN = fileURLToPath(new URL('../bin/keyloss.js', import.meta.url));
const RATES = [10_000, 25_000, 50_000, 75_000, 100_000, 150_000];
const STEP_SECONDS = 5;
/** The recorder keeps up when everything driven is in the record this soon after the driving stops. */
const CATCH_UP_MS = 3_000;
const TICK_MS = 100;
const FAMILIES = 20;

// Each call: SET then DEL `count` fresh keys spread over FAMILIES families; every DEL publishes one `del` keyevent.
const DRIVE = `
local prefix, first, count, families = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
for i = first, first + count - 1 do
  local key = prefix .. (i % families) .. ':' .. i
  redis.call('SET', key, '1')
  redis.call('DEL', key)
end
return count`;

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

export async function recordedFor(state: Redis, record: string, prefix: string): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await state.scan(cursor, 'MATCH', `keyloss:rec:{${record}}:m:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      for (const [field, count] of Object.entries(await state.hgetall(key))) if (field.startsWith(`del|${prefix}`)) total += Number(count);
    }
  } while (cursor !== '0');
  return total;
}

/** Drives `rate` removals a second for `seconds`; returns how many were driven. */
export async function drive(cache: Redis, prefix: string, rate: number, seconds: number): Promise<number> {
  const perTick = Math.round((rate * TICK_MS) / 1000);
  const started = performance.now();
  let driven = 0;
  for (let tick = 0; tick < (seconds * 1000) / TICK_MS; tick++) {
    await cache.eval(DRIVE, 0, prefix, driven, perTick, FAMILIES);
    driven += perTick;
    const due = started + (tick + 1) * TICK_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return driven;
}

async function subscriberOutputBytes(cache: Redis): Promise<number> {
  const list = String(await cache.client('LIST'));
  return Math.max(0, ...[...list.matchAll(/name=keyloss-record .*?omem=(\d+)/g)].map((m) => Number(m[1])));
}

const SIZES: Record<BenchSize, { rates: number[]; stepSeconds: number; watchedKeys: number; removals: number }> = {
  full: { rates: RATES, stepSeconds: STEP_SECONDS, watchedKeys: 1_000_000, removals: 1_000_000 },
  smoke: { rates: [2_000], stepSeconds: 1, watchedKeys: 10_000, removals: 10_000 },
};

export async function benchRecord(size: BenchSize = 'full'): Promise<Record<string, number | string>> {
  const sized = SIZES[size];
  const [watched, stateServer] = await Promise.all([
    startRedis(['--notify-keyspace-events', 'Exeg', '--enable-debug-command', 'local', '--slowlog-log-slower-than', '0', '--slowlog-max-len', '100000', '--client-output-buffer-limit', 'pubsub 256mb 128mb 60']),
    startRedis(),
  ]);
  const cache = new Redis(watched.port);
  const state = new Redis(stateServer.port);
  const record = `127.0.0.1:${watched.port}`;
  const child = spawn(process.execPath, [BIN, 'record', '--redis', watched.url, '--state', stateServer.url], {
    env: { ...process.env, KEYLOSS_RECORD_SAMPLE_MS: '1000', KEYLOSS_RECORD_FLUSH_MS: '500', KEYLOSS_REPLICA_ID: 'bench' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk) => {
    log += String(chunk);
  });
  try {
    await cache.call('DEBUG', 'POPULATE', String(sized.watchedKeys), 'bench:key');
    for (let i = 0; i < 200 && !/psub=[1-9]/.test(String(await cache.client('LIST'))); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await cache.call('SLOWLOG', 'RESET');

    const steps: string[] = [];
    let keptUp = 0;
    let maxOutput = 0;
    for (const [index, rate] of sized.rates.entries()) {
      const prefix = `s${index}f`;
      const driven = await drive(cache, prefix, rate, sized.stepSeconds);
      maxOutput = Math.max(maxOutput, await subscriberOutputBytes(cache));
      const deadline = Date.now() + CATCH_UP_MS;
      let recorded = await recordedFor(state, record, prefix);
      while (recorded < driven && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        recorded = await recordedFor(state, record, prefix);
      }
      steps.push(`${rate / 1000}k/s:${recorded === driven ? 'ok' : `${Math.round((recorded / driven) * 100)}%`}`);
      if (recorded !== driven) {
        // Let it drain before the next measurement, then stop: the rates only go up.
        break;
      }
      keptUp = rate;
    }

    // Bytes per million: one more million at a rate it kept up with, the state Redis's used_memory before and after.
    const before = Number(/used_memory:(\d+)/.exec(await state.info('memory'))?.[1]);
    const millionRate = Math.max(Math.min(10_000, sized.removals), Math.min(keptUp, 50_000));
    const driven = await drive(cache, 'million', millionRate, sized.removals / millionRate);
    for (let i = 0; i < 100 && (await recordedFor(state, record, 'million')) < driven; i++) await new Promise((resolve) => setTimeout(resolve, 200));
    const after = Number(/used_memory:(\d+)/.exec(await state.info('memory'))?.[1]);

    const entries = (await cache.call('SLOWLOG', 'GET', '-1')) as Array<[number, number, number, string[], string, string]>;
    let slowest = { us: 0, command: '' };
    for (const [, , us, args, , name] of entries) {
      if (!String(name).startsWith('keyloss')) continue;
      if (us > slowest.us) slowest = { us, command: args.slice(0, 2).join(' ') };
    }
    const rss = peakRssMb(child.pid!);
    return {
      watched_keys: sized.watchedKeys,
      steps: steps.join(' '),
      highest_rate_kept_up_events_per_s: keptUp,
      recorder_peak_rss_mb: rss,
      subscriber_output_buffer_peak_bytes: maxOutput,
      state_bytes_per_million_removals: Math.round(((after - before) / driven) * 1_000_000),
      million_driven_at_events_per_s: millionRate,
      slowest_recorder_command_us: slowest.us,
      slowest_recorder_command: slowest.command,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    if (/unexpected error/.test(log)) process.stderr.write(log);
    cache.disconnect();
    state.disconnect();
    await Promise.all([stopRedis(watched), stopRedis(stateServer)]);
  }
}
