// What a production cache feels while keyloss searches it: the p99 latency of a concurrent `redis-benchmark -t get`
// load on 16 dbs x 125k keys, without keyloss, with keyloss's adaptive pacing (the default; keyloss in a process of its
// own at nice 19, as on its own host, and again at the same priority), at the fixed 20 % duty cycle it had before, and
// unpaced, in one run; and how long one search takes on the idle server.
// Run alone: npm run bench -- scanload
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { loadDefaultRunbook } from '../src/runbook/load.ts';
import { diagnose, loadBeside, loadBesideBusyLoop, type BesideRequest } from './beside.ts';
import { getLoad, type GetLatency } from './get-load.ts';
import { startRedis, stopRedis } from '../test/support/redis-server.ts';
import type { BenchSize } from './registry.ts';

const SIZES: Record<BenchSize, { dbs: number; keysPerDb: number; requests: number; rounds: number }> = {
  full: { dbs: 16, keysPerDb: 125_000, requests: 300_000, rounds: 5 },
  smoke: { dbs: 2, keysPerDb: 2_000, requests: 5_000, rounds: 1 },
};
// About 3 s of GETs a round, so the p99 covers whole searches (start, db walk, pauses), not only their first second;
// five alternating rounds, reported one by one, because one round on a shared 2-core machine is noise.

/** keyloss's presence search: a glob absent from every db, so the full scan budget in each. */
function searchRequest(url: string, dutyCycle: number | 'adaptive'): BesideRequest {
  return { url, key: 'session:*', checks: ['keyspace.presence'], tier: 'standard', dutyCycle };
}

const range = (values: number[]) => (values.length ? `${Math.min(...values)}–${Math.max(...values)}` : 'fixed');

export async function benchScanLoad(size: BenchSize = 'full'): Promise<Record<string, number | string>> {
  const { dbs: DBS, keysPerDb: KEYS_PER_DB, requests: REQUESTS, rounds: ROUNDS } = SIZES[size];
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
    const runbook = await loadDefaultRunbook();
    const idleStarted = performance.now();
    const idle = await diagnose(searchRequest(redis.url, 'adaptive'), runbook);
    if (!idle.ok) throw new Error(idle.reason);
    const idleMs = Math.round(performance.now() - idleStarted);
    const idlePacing = idle.report.key.pacing ?? [];
    const under = (dutyCycle: number | 'adaptive', niceness?: number) => loadBeside(redis.port, REQUESTS, KEYS_PER_DB, searchRequest(redis.url, dutyCycle), niceness);
    // The machine is shared: alternate rounds of without / adaptive / adaptive at the same priority, take the medians.
    const withouts: GetLatency[] = [];
    const adaptives: Array<Awaited<ReturnType<typeof under>>> = [];
    const colocated: Array<Awaited<ReturnType<typeof under>>> = [];
    const busyLoops: GetLatency[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      withouts.push(await getLoad(redis.port, REQUESTS, KEYS_PER_DB));
      adaptives.push(await under('adaptive'));
      colocated.push(await under('adaptive', 0));
      busyLoops.push(await loadBesideBusyLoop(redis.port, REQUESTS, KEYS_PER_DB));
    }
    const fixed = await under(0.2);
    const unpaced = await under(1);
    const again = await getLoad(redis.port, REQUESTS, KEYS_PER_DB);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    const medianP99 = (runs: Array<{ latency: GetLatency }>) => median(runs.map((run) => run.latency.p99));
    const base = median(withouts.map((run) => run.p99));
    const ratio = (p99: number) => Math.round((p99 / base) * 100) / 100;
    const searches = adaptives.map((run) => run.diagnosis);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const runs = sum(searches.map((d) => d.runs));
    const cpuShare = (d: { cpuMs: number; runs: number; msPerRun: number }) => d.cpuMs / (d.runs * d.msPerRun);
    return {
      'cache (dbs x keys)': `${DBS} x ${KEYS_PER_DB.toLocaleString('en')}`,
      'staging ms': stagingMs,
      'load average (1 min) at the end': `${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`,
      'GETs per round, rounds': `${REQUESTS.toLocaleString('en')}, ${ROUNDS}`,
      [`ms per ${DBS}-db search, idle server`]: idleMs,
      'duty / COUNT chosen, idle server': `${range(idlePacing.flatMap((n) => n.duty))} / ${range(idlePacing.flatMap((n) => n.count))}`,
      'GET p99 ms, without keyloss (median)': base,
      'GET p99 ms, without keyloss (after)': again.p99,
      'GET p99 ms, keyloss adaptive (default, median)': medianP99(adaptives),
      'GET p99 ms, keyloss adaptive at the same priority (median)': medianP99(colocated),
      'GET p99 ms beside a 5 % busy loop, no keyloss (median)': median(busyLoops.map((run) => run.p99)),
      'GET p99 ms each round, without / adaptive / same priority / busy loop': withouts
        .map((run, i) => `${run.p99} / ${adaptives[i]?.latency.p99} / ${colocated[i]?.latency.p99} / ${busyLoops[i]?.p99}`)
        .join('; '),
      'GET p99 ms, keyloss fixed duty 0.2': fixed.latency.p99,
      'GET p99 ms, keyloss unpaced': unpaced.latency.p99,
      'p99 ratio adaptive / baseline': ratio(medianP99(adaptives)),
      'p99 ratio adaptive at the same priority / baseline': ratio(medianP99(colocated)),
      'p99 ratio 5 % busy loop / baseline': ratio(median(busyLoops.map((run) => run.p99))),
      'p99 ratio fixed 0.2 / baseline': ratio(fixed.latency.p99),
      'p99 ratio unpaced / baseline': ratio(unpaced.latency.p99),
      'GET rps without / adaptive / fixed / unpaced': `${median(withouts.map((run) => run.rps))} / ${median(adaptives.map((run) => run.latency.rps))} / ${fixed.latency.rps} / ${unpaced.latency.rps}`,
      'duty / COUNT chosen under load': `${range(searches.flatMap((d) => d.duties))} / ${range(searches.flatMap((d) => d.counts))}`,
      'searches during the loads (adaptive)': runs,
      [`ms per ${DBS}-db search under load (adaptive / fixed / unpaced)`]: `${Math.round(median(searches.map((d) => d.msPerRun)))} / ${fixed.diagnosis.msPerRun} / ${unpaced.diagnosis.msPerRun}`,
      'commands per search under load (adaptive)': Math.round(sum(searches.map((d) => d.commands)) / runs),
      "keyloss's CPU while searching under load (share of one core)": `${Math.round(median(searches.map(cpuShare)) * 1000) / 10} %`,
    };
  } finally {
    await staging.quit().catch(() => undefined);
    await stopRedis(redis);
  }
}
