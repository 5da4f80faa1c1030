// What one look costs a cache at its maxmemory: a redis-server (allkeys-lru, nothing else writing) filled until it
// evicts, then the keys evicted by one `redis-cli INFO`, one `keyloss diagnose`, one `keyloss watch` and one record
// sample, each the median of a few tries. Every new connection, query buffer and reply is memory the server counts
// against maxmemory, so on a full cache each look evicts keys. Run alone: npm run bench -- footprint
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { KEYLOSS_ARGV, runKeyloss } from '../test/support/keyloss-cli.ts';
import { startRedis, stopRedis } from '../test/support/redis-server.ts';

const run = promisify(execFile);
const TRIES = 5;

export interface FootprintOptions {
  /** maxmemory of the full cache. */
  maxmemory: string;
  tries: number;
  /** How long `keyloss watch` watches. */
  watchFor: string;
}

export const FULL: FootprintOptions = { maxmemory: '64mb', tries: TRIES, watchFor: '2s' };
/** Seconds, for the smoke test: a small cache, one try each. */
export const SMOKE: FootprintOptions = { maxmemory: '8mb', tries: 1, watchFor: '1s' };

async function evicted(admin: Redis): Promise<number> {
  return (await counters(admin)).evicted;
}

async function counters(admin: Redis): Promise<{ evicted: number; connections: number }> {
  const stats = String(await admin.call('INFO', 'stats'));
  const read = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(stats)?.[1] ?? Number.NaN);
  return { evicted: read('evicted_keys'), connections: read('total_connections_received') };
}

/** Writes 100-byte values until the server has evicted for a while, then lets it settle. */
async function fill(admin: Redis): Promise<number> {
  const value = 'v'.repeat(100);
  for (let batch = 0; (await evicted(admin)) < 5_000; batch++) {
    const pipeline = admin.pipeline();
    for (let i = 0; i < 5_000; i++) pipeline.set(`session:${batch}:${i}`, value);
    await pipeline.exec();
  }
  return Number(await admin.dbsize());
}

let topped = 0;
/** One more write, so the cache stands right at its limit (the write itself evicts to just under it). */
async function topUp(admin: Redis): Promise<void> {
  const pipeline = admin.pipeline();
  for (let i = 0; i < 50; i++) pipeline.set(`pad:${topped++}`, 'v'.repeat(100));
  await pipeline.exec();
}

/**
 * Keys evicted while `look` ran (the median of `tries`; `first`: the first try, which also pays a latency histogram
 * for each command kind the server runs for the first time), and the connections it opened.
 */
async function evictionsBy(admin: Redis, look: () => Promise<unknown>, tries: number): Promise<{ evicted: number; first: number; connections: number }> {
  const counts: number[] = [];
  let connections = 0;
  for (let i = 0; i < tries; i++) {
    await topUp(admin);
    const before = await counters(admin);
    await look();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = await counters(admin);
    counts.push(after.evicted - before.evicted);
    connections = after.connections - before.connections;
  }
  const first = counts[0] as number;
  counts.sort((a, b) => a - b);
  return { evicted: counts[Math.floor(counts.length / 2)] as number, first, connections };
}

export async function benchFootprint(options: FootprintOptions = FULL): Promise<Record<string, number | string>> {
  const cache = await startRedis(['--maxmemory', options.maxmemory, '--maxmemory-policy', 'allkeys-lru']);
  const state = await startRedis();
  const admin = new Redis(cache.port, '127.0.0.1');
  try {
    const keys = await fill(admin);
    const idle = await evictionsBy(admin, async () => undefined, options.tries);
    const cli = await evictionsBy(admin, () => run('redis-cli', ['-p', String(cache.port), 'INFO']), options.tries);
    const keyloss = (command: string, ...args: string[]) => async () => {
      const result = await runKeyloss(command, ['--redis', cache.url, ...args, '--json']);
      if (result.code !== 0) throw new Error(`${command} exited ${result.code}: ${result.stderr}`);
    };
    const diagnose = await evictionsBy(admin, keyloss('diagnose', '--key', 'session:1:1', '--rate-interval', '250'), options.tries);
    const glob = await evictionsBy(admin, keyloss('diagnose', '--key', 'session:*', '--rate-interval', '250'), options.tries);
    const watch = await evictionsBy(admin, keyloss('watch', '--for', options.watchFor), options.tries);
    // A record's samples: the recorder's connections are open all along, so what counts is one sampling round.
    const recordRound = await recordSampleEvictions(admin, cache.url, state.url, options.tries);
    const ratio = (look: { evicted: number }) => (cli.evicted > 0 ? Math.round((look.evicted / cli.evicted) * 100) / 100 : 'n/a (redis-cli evicted 0)');
    return {
      'cache keys at maxmemory': keys,
      maxmemory: options.maxmemory,
      'evicted: nothing (the measuring INFO)': idle.evicted,
      'evicted: redis-cli INFO': cli.evicted,
      'evicted: keyloss diagnose (exact key)': diagnose.evicted,
      'diagnose / redis-cli INFO': ratio(diagnose),
      'evicted: first redis-cli INFO / first diagnose (exact key)': `${cli.first} / ${diagnose.first}`,
      'connections: diagnose': diagnose.connections,
      'evicted: keyloss diagnose (glob, every key matches)': glob.evicted,
      'diagnose glob / redis-cli INFO': ratio(glob),
      [`evicted: keyloss watch --for ${options.watchFor}`]: watch.evicted,
      'watch / redis-cli INFO': ratio(watch),
      'connections: watch': watch.connections,
      'evicted: one record sample (median)': recordRound,
      'load average (1 min)': loadavg()[0]!.toFixed(2),
    };
  } finally {
    admin.disconnect();
    await stopRedis(cache);
    await stopRedis(state);
  }
}

/** Starts `keyloss record`, lets it settle, then counts evictions over single sampling rounds (its sample interval). */
async function recordSampleEvictions(admin: Redis, url: string, stateUrl: string, tries: number): Promise<number> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...KEYLOSS_ARGV, 'record', '--redis', url, '--state', stateUrl], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: 'ignore',
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const counts: number[] = [];
    for (let i = 0; i < tries; i++) {
      await topUp(admin);
      const before = await evicted(admin);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      counts.push((await evicted(admin)) - before);
    }
    counts.sort((a, b) => a - b);
    return counts[Math.floor(counts.length / 2)] as number;
  } finally {
    child.kill('SIGTERM');
  }
}
