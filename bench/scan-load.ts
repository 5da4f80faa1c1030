// What a production cache feels while keyloss searches it: the p99 latency of a concurrent `redis-benchmark -t get`
// load on 16 dbs x 125k keys, without keyloss, with keyloss's adaptive pacing (the default), at the fixed 20 % duty
// cycle it had before, and unpaced, in one run; and how long one search takes on the idle server.
// Run alone: npm run bench -- scanload
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { DEFAULT_CHECK_OPTIONS } from '../src/checks/registry.ts';
import { investigate } from '../src/investigate.ts';
import { loadDefaultRunbook } from '../src/runbook/load.ts';
import { getLoad, loadRunning, type GetLatency } from './get-load.ts';
import { startRedis, stopRedis } from '../test/support/redis-server.ts';

const DBS = 16;
const KEYS_PER_DB = 125_000;
const REQUESTS = 100_000;
const ROUNDS = 3;

/** Runs `keyloss`'s presence search (a glob absent from every db: the full scan budget in each) until `until` settles. */
async function diagnoseWhile(url: string, until: Promise<unknown>, dutyCycle: number | 'adaptive') {
  const runbook = await loadDefaultRunbook();
  let done = false;
  until.finally(() => {
    done = true;
  });
  const runs: number[] = [];
  let commands = 0;
  const duties: number[] = [];
  const counts: number[] = [];
  do {
    const started = performance.now();
    const result = await investigate({
      redisUrl: url,
      runbook,
      query: { key: 'session:*', isPattern: true, db: 0, since: new Date(Date.now() - 3600_000), tier: 'standard', scope: null },
      checks: ['keyspace.presence'],
      options: { ...DEFAULT_CHECK_OPTIONS, scanDutyCycle: dutyCycle },
    });
    if (!result.ok) throw new Error(result.reason);
    runs.push(performance.now() - started);
    commands += result.commandsSent;
    for (const node of result.report.key.pacing ?? []) {
      duties.push(...node.duty);
      counts.push(...node.count);
    }
  } while (!done);
  const range = (values: number[]) => (values.length ? `${Math.min(...values)}–${Math.max(...values)}` : 'fixed');
  return {
    runs: runs.length,
    msPerSearch: runs.length ? Math.round(runs.reduce((a, b) => a + b, 0) / runs.length) : Number.NaN,
    commands,
    duty: range(duties),
    count: range(counts),
  };
}

export async function benchScanLoad(): Promise<Record<string, number | string>> {
  const redis = await startRedis(['--enable-debug-command', 'yes', '--save', '']);
  const staging = new Redis(redis.port, '127.0.0.1');
  try {
    const stagedAt = performance.now();
    for (let db = 0; db < DBS; db++) {
      await staging.select(db);
      // Staging only (never keyloss): DEBUG POPULATE writes key:0 … key:N-1 in this db.
      await staging.call('DEBUG', 'POPULATE', KEYS_PER_DB, 'key');
    }
    const stagingMs = Math.round(performance.now() - stagedAt);

    // One search on the idle server first: how fast the adaptive pacing goes when nobody else is there.
    const idle = await diagnoseWhile(redis.url, Promise.resolve(), 'adaptive');
    const underLoad = async (dutyCycle: number | 'adaptive') => {
      const load = getLoad(redis.port, REQUESTS, KEYS_PER_DB);
      await loadRunning(redis.port);
      const search = await diagnoseWhile(redis.url, load, dutyCycle);
      return { search, latency: await load };
    };
    // The machine is shared: alternate rounds of without / adaptive, and take the medians.
    const withouts: GetLatency[] = [];
    const adaptives: Array<Awaited<ReturnType<typeof underLoad>>> = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      withouts.push(await getLoad(redis.port, REQUESTS, KEYS_PER_DB));
      adaptives.push(await underLoad('adaptive'));
    }
    const fixed = await underLoad(0.2);
    const unpaced = await underLoad(1);
    const again = await getLoad(redis.port, REQUESTS, KEYS_PER_DB);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    const baseline = { p99: median(withouts.map((run) => run.p99)), rps: median(withouts.map((run) => run.rps)) };
    const adaptive = {
      latency: { p99: median(adaptives.map((run) => run.latency.p99)), rps: median(adaptives.map((run) => run.latency.rps)) },
      search: adaptives[adaptives.length - 1]!.search,
    };
    const base = baseline.p99;
    const ratio = (p99: number) => Math.round((p99 / base) * 100) / 100;
    return {
      'cache (dbs x keys)': `${DBS} x ${KEYS_PER_DB.toLocaleString('en')}`,
      'staging ms': stagingMs,
      'load average (1 min) at the end': `${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`,
      'ms per 16-db search, idle server': idle.msPerSearch,
      'duty / COUNT chosen, idle server': `${idle.duty} / ${idle.count}`,
      'GET p99 ms, without keyloss (median)': baseline.p99,
      'GET p99 ms, without keyloss (after)': again.p99,
      'GET p99 ms, keyloss adaptive (default, median)': adaptive.latency.p99,
      'GET p99 ms each round, without / adaptive': withouts.map((run, i) => `${run.p99} / ${adaptives[i]?.latency.p99}`).join('; '),
      'GET p99 ms, keyloss fixed duty 0.2': fixed.latency.p99,
      'GET p99 ms, keyloss unpaced': unpaced.latency.p99,
      'p99 ratio adaptive / baseline': ratio(adaptive.latency.p99),
      'p99 ratio fixed 0.2 / baseline': ratio(fixed.latency.p99),
      'p99 ratio unpaced / baseline': ratio(unpaced.latency.p99),
      'GET rps without / adaptive / fixed / unpaced': `${baseline.rps} / ${adaptive.latency.rps} / ${fixed.latency.rps} / ${unpaced.latency.rps}`,
      'duty / COUNT chosen under load': `${adaptive.search.duty} / ${adaptive.search.count}`,
      'searches during the load (adaptive)': adaptive.search.runs,
      'ms per 16-db search under load (adaptive / fixed / unpaced)': `${adaptive.search.msPerSearch} / ${fixed.search.msPerSearch} / ${unpaced.search.msPerSearch}`,
      'commands per search under load (adaptive)': adaptive.search.runs ? Math.round(adaptive.search.commands / adaptive.search.runs) : Number.NaN,
    };
  } finally {
    await staging.quit().catch(() => undefined);
    await stopRedis(redis);
  }
}
