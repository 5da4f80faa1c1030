// Diagnosis benchmark: time to verdict on a redis-server holding 1,000,000 keys across 16 dbs, commands sent,
// the slowest single command on the server and the peak RSS of the diagnosing process; then a 10,000,000-key cache
// (staging timed apart) with the p99 a concurrent `redis-benchmark -t get` load sees with and without keyloss. Run alone: npx tsx bench/diagnose.ts
import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import type { CheckId } from '../src/domain/checks.ts';
import { ALL_CHECKS } from '../src/investigate.ts';
import { loadDefaultRunbook } from '../src/runbook/load.ts';
import { diagnose, loadBeside } from './beside.ts';
import { getLoad, type GetLatency } from './get-load.ts';
import { startRedis, stopRedis, type RedisProcess } from '../test/support/redis-server.ts';
import type { BenchSize } from './registry.ts';

interface Sized {
  dbs: number;
  keysPerDb: number;
  runs: number;
  loadRounds: number;
  loadRequests: number;
  bigKeys: number;
  bigOrders: number;
}

const SIZES: Record<BenchSize, Sized> = {
  full: { dbs: 16, keysPerDb: 62_500, runs: 3, loadRounds: 5, loadRequests: 300_000, bigKeys: 10_000_000, bigOrders: 100_000 },
  smoke: { dbs: 2, keysPerDb: 1_000, runs: 1, loadRounds: 1, loadRequests: 5_000, bigKeys: 20_000, bigOrders: 1_000 },
};
/** The size of the run under way (benchDiagnose sets it). */
let size: Sized = SIZES.full;

interface Measured {
  ms: number;
  verdict: string;
  commands: number;
  slowestUs: number;
  slowestCommand: string;
  p99Us: number;
  medianUs: number;
}

/** The slowest command the diagnosis sent (SLOWLOG logs every command on this server), and the 99th percentile. */
async function serverTimes(admin: Redis): Promise<{ us: number; command: string; p99Us: number; medianUs: number }> {
  // Each entry: [id, timestamp, duration µs, [command, args…], client addr, client name].
  const entries = (await admin.call('SLOWLOG', 'GET', '-1')) as Array<[number, number, number, string[]]>;
  let worst = { us: 0, command: '' };
  const durations: number[] = [];
  for (const [, , us, args] of entries) {
    const command = String(args[0] ?? '').toUpperCase();
    if (command === 'SLOWLOG') continue;
    durations.push(us);
    if (us > worst.us) worst = { us, command: args.slice(0, 2).join(' ') };
  }
  durations.sort((a, b) => a - b);
  const p99Us = durations[Math.min(durations.length - 1, Math.ceil(durations.length * 0.99) - 1)] ?? 0;
  return { ...worst, p99Us, medianUs: durations[Math.floor(durations.length / 2)] ?? 0 };
}

async function measure(url: string, admin: Redis, key: string, checks: CheckId[]): Promise<Measured> {
  const runbook = await loadDefaultRunbook();
  await admin.call('SLOWLOG', 'RESET');
  const started = performance.now();
  const result = await diagnose({ url, key, checks, tier: null, dutyCycle: 'adaptive' }, runbook);
  const ms = performance.now() - started;
  if (!result.ok) throw new Error(`the diagnosis could not reach the bench server: ${result.reason}`);
  const times = await serverTimes(admin);
  return { ms, verdict: result.report.verdict, commands: result.commandsSent, slowestUs: times.us, slowestCommand: times.command, p99Us: times.p99Us, medianUs: times.medianUs };
}

/** The best of a few runs for time (the first warms the module cache), the worst for server time. */
async function measureRuns(url: string, admin: Redis, key: string, checks: CheckId[]): Promise<Measured> {
  const runs: Measured[] = [];
  for (let i = 0; i < size.runs; i += 1) runs.push(await measure(url, admin, key, checks));
  const fastest = runs.reduce((a, b) => (a.ms <= b.ms ? a : b));
  const slowestRun = runs.reduce((a, b) => (a.slowestUs >= b.slowestUs ? a : b));
  return { ...fastest, slowestUs: slowestRun.slowestUs, slowestCommand: slowestRun.slowestCommand, p99Us: Math.max(...runs.map((r) => r.p99Us)) };
}

const runFile = promisify(execFile);

function loadAverage(): string {
  return `${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`;
}

/**
 * The same `redis-benchmark -t get` load, side by side: alone, then with keyloss diagnosing `key` again and again
 * until it ends (in a process of its own at nice 19, as on its own host: bench/beside.ts), in `loadRounds` alternating
 * rounds (the machine is shared: one pair of runs is noise); the medians are the numbers, every round is listed.
 * SLOWLOG stops logging every command meanwhile, so both loads see the same server.
 */
async function getLoadSideBySide(server: RedisProcess, admin: Redis, keyspace: number, key: string, checks: CheckId[]) {
  // About 3 s of GETs a round, as in bench/scan-load.ts: the p99 covers whole diagnoses.
  const requests = size.loadRequests;
  await admin.config('SET', 'slowlog-log-slower-than', '10000');
  try {
    const alone: GetLatency[] = [];
    const beside: GetLatency[] = [];
    let diagnoses = 0;
    const duties: number[] = [];
    for (let round = 0; round < size.loadRounds; round += 1) {
      alone.push(await getLoad(server.port, requests, keyspace));
      const { latency, diagnosis } = await loadBeside(server.port, requests, keyspace, { url: server.url, key, checks, tier: null, dutyCycle: 'adaptive' });
      beside.push(latency);
      diagnoses += diagnosis.runs;
      duties.push(...diagnosis.duties);
    }
    const pacing = duties.length ? `duty ${Math.min(...duties)}–${Math.max(...duties)}` : 'no scan';
    const p99s = (runs: GetLatency[]) => runs.map((run) => run.p99).join(' / ');
    return { without: medianRun(alone), with: medianRun(beside), rounds: `without ${p99s(alone)}; with ${p99s(beside)}`, diagnoses, pacing };
  } finally {
    await admin.config('SET', 'slowlog-log-slower-than', '0');
  }
}


/** The run with the median p99. */
function medianRun(runs: GetLatency[]): GetLatency {
  const sorted = [...runs].sort((a, b) => a.p99 - b.p99);
  return sorted[Math.floor(sorted.length / 2)] as GetLatency;
}


/**
 * `npm run --silent keyloss -- diagnose …` as a user runs it (npm, process start, connect, every check including the
 * rates, exit): the median of RUNS runs, in ms. From a checkout that `npm ci` built, bin/keyloss.js runs dist/.
 */
async function cliVerdictMs(url: string, key: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < size.runs; i += 1) {
    const started = performance.now();
    await runFile('npm', ['run', '--silent', 'keyloss', '--', 'diagnose', '--redis', url, '--key', key, '--json'], { maxBuffer: 16 * 1024 * 1024 });
    runs.push(performance.now() - started);
  }
  return Math.round(runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)] as number);
}

/** 10,000,000 keys in db 0 and a few families in db 3 of a redis-server of our own. */
async function benchBigCache(): Promise<Record<string, number | string>> {
  const server = await startRedis(['--enable-debug-command', 'yes', '--slowlog-log-slower-than', '0', '--slowlog-max-len', '100000']);
  const admin = new Redis(server.port, '127.0.0.1');
  try {
    const staging = performance.now();
    // DEBUG POPULATE on our own bench server (never through the gateway): keys "key:0" … "key:9999999".
    await admin.call('DEBUG', 'POPULATE', String(size.bigKeys), 'key', '32');
    await admin.select(3);
    await admin.call('DEBUG', 'POPULATE', String(size.bigOrders), 'order', '32');
    await admin.select(0);
    const stagingMs = Math.round(performance.now() - staging);
    const all = ALL_CHECKS.map((check) => check.id);
    const exact = await measureRuns(server.url, admin, 'key:99999999', all);
    const glob = await measureRuns(server.url, admin, 'order:*', all);
    const exactCliMs = await cliVerdictMs(server.url, 'key:99999999');
    const globCliMs = await cliVerdictMs(server.url, 'order:*');
    const load = await getLoadSideBySide(server, admin, size.bigKeys, 'order:*', all);
    return {
      big_keys: size.bigKeys + size.bigOrders,
      big_staging_ms: stagingMs,
      big_exact_verdict_ms: Math.round(exact.ms),
      big_exact_verdict_cli_ms: exactCliMs,
      big_exact_commands: exact.commands,
      big_glob_verdict_ms: Math.round(glob.ms),
      big_glob_verdict_cli_ms: globCliMs,
      big_glob_commands: glob.commands,
      big_glob_verdict: glob.verdict,
      big_slowest_command_us: Math.max(exact.slowestUs, glob.slowestUs),
      big_slowest_command: exact.slowestUs >= glob.slowestUs ? exact.slowestCommand : glob.slowestCommand,
      big_get_p99_ms_without_keyloss: load.without.p99,
      big_get_p99_ms_with_keyloss: load.with.p99,
      big_get_p99_ms_each_round: load.rounds,
      big_get_rps_without_keyloss: load.without.rps,
      big_get_rps_with_keyloss: load.with.rps,
      big_diagnoses_during_load: load.diagnoses,
      big_pacing_under_load: load.pacing,
      big_load_average_1m: loadAverage(),
    };
  } finally {
    await admin.quit().catch(() => undefined);
    await stopRedis(server);
  }
}

export async function benchDiagnose(sized: BenchSize = 'full'): Promise<Record<string, number | string>> {
  size = SIZES[sized];
  const small = await benchSmallCache();
  const big = await benchBigCache();
  return { ...small, ...big };
}

async function benchSmallCache(): Promise<Record<string, number | string>> {
  const loadAtStart = loadAverage();
  // Every command is logged (slower than 0 µs) so the slowest one the diagnosis sends can be read back.
  const server = await startRedis(['--enable-debug-command', 'yes', '--slowlog-log-slower-than', '0', '--slowlog-max-len', '100000']);
  const admin = new Redis(server.port, '127.0.0.1');
  try {
    // Loading goes through a direct connection, never the gateway (which refuses DEBUG and every write).
    for (let db = 0; db < size.dbs; db += 1) {
      await admin.select(db);
      await admin.call('DEBUG', 'POPULATE', String(size.keysPerDb), db === 0 ? 'session' : `db${db}`, '32');
    }
    await admin.select(0);
    // Some TTLs so the TTL sample and avg_ttl have something to read.
    const pipeline = admin.pipeline();
    for (let i = 0; i < 5_000; i += 1) pipeline.expire(`session:${i}`, 3_600 + i);
    await pipeline.exec();
    const total = (await admin.dbsize()) + (size.dbs - 1) * size.keysPerDb;

    // The peak before any diagnosis (tsx, the modules, the loading connection) is what the diagnosis adds to.
    const rssBeforeKb = process.resourceUsage().maxRSS;
    const all = ALL_CHECKS.map((check) => check.id);
    const withoutRates = all.filter((id) => id !== 'rates');
    const exact = await measureRuns(server.url, admin, 'session:99999999', withoutRates);
    const exactWithRates = await measureRuns(server.url, admin, 'session:99999999', all);
    const glob = await measureRuns(server.url, admin, 'order:*', withoutRates);
    const globWithRates = await measureRuns(server.url, admin, 'order:*', all);
    const round = (n: number) => Math.round(n);
    // As a user runs it (process start, tsx, connect, every check including rates, exit): the yardstick.
    const exactCliMs = await cliVerdictMs(server.url, 'session:99999999');
    const globCliMs = await cliVerdictMs(server.url, 'order:*');
    const load = await getLoadSideBySide(server, admin, size.keysPerDb, 'order:*', all);
    return {
      load_average_1m_at_start: loadAtStart,
      keys: total,
      dbs: size.dbs,
      exact_key_verdict_cli_ms: exactCliMs,
      glob_verdict_cli_ms: globCliMs,
      exact_key_verdict_ms: round(exact.ms),
      exact_key_verdict_with_rates_ms: round(exactWithRates.ms),
      exact_key_commands: exact.commands,
      exact_key_verdict: exact.verdict,
      glob_verdict_ms: round(glob.ms),
      glob_verdict_with_rates_ms: round(globWithRates.ms),
      glob_commands: glob.commands,
      glob_verdict: glob.verdict,
      slowest_command_us: Math.max(exact.slowestUs, exactWithRates.slowestUs, glob.slowestUs, globWithRates.slowestUs),
      slowest_command: [exact, exactWithRates, glob, globWithRates].reduce((a, b) => (a.slowestUs >= b.slowestUs ? a : b)).slowestCommand,
      // The machine may be shared: one descheduled command inflates the maximum, the 99th percentile shows the rule.
      command_p99_us: Math.max(exact.p99Us, exactWithRates.p99Us, glob.p99Us, globWithRates.p99Us),
      command_median_us: glob.medianUs,
      // resourceUsage().maxRSS is in KiB: the peak of this whole process, which is the one diagnosing.
      // SLOWLOG times are wall-clock: on a busy machine a descheduled redis-server inflates them.
      load_average_1m: loadAverage(),
      get_p99_ms_without_keyloss: load.without.p99,
      get_p99_ms_with_keyloss: load.with.p99,
      get_p99_ms_each_round: load.rounds,
      get_rps_without_keyloss: load.without.rps,
      get_rps_with_keyloss: load.with.rps,
      diagnoses_during_load: load.diagnoses,
      pacing_under_load: load.pacing,
      peak_rss_mb: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
      peak_rss_before_diagnosing_mb: Math.round((rssBeforeKb / 1024) * 10) / 10,
    };
  } finally {
    await admin.quit().catch(() => undefined);
    await stopRedis(server);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchDiagnose().then(
    (numbers) => {
      for (const [name, value] of Object.entries(numbers)) process.stdout.write(`${name.padEnd(34)} ${value}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`bench/diagnose: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
