// Diagnosis through an emulated Azure Managed Redis endpoint (test/support/amr-endpoint.ts: a proxy over 3 real
// redis-server shards): 1,000,000 keys, an exact key and a glob, timed as a user runs it (`npm run keyloss -- diagnose`,
// its own process, after one untimed warm-up run) and in this process; the slowest command each shard served (SLOWLOG logs every command there).
// Targets (issue 20): exact <= 1.0 s, glob <= 1.5 s, no command over 5 ms on any shard. Run: npm run bench -- amr
import { execFile } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { ALL_CHECKS } from '../src/investigate.ts';
import { loadDefaultRunbook } from '../src/runbook/load.ts';
import { startAmrEndpoint, type AmrEndpoint } from '../test/support/amr-endpoint.ts';
import { diagnose } from './beside.ts';
import type { BenchSize, Figures } from './registry.ts';

const runFile = promisify(execFile);
const SIZES: Record<BenchSize, { keys: number; runs: number }> = { full: { keys: 1_000_000, runs: 3 }, smoke: { keys: 20_000, runs: 1 } };
const ORDERS = 1_000;

function loadAverage(): string {
  return `${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`;
}

/** Writes `session:0…` and `order:0…` straight to the shard that owns each (never through the gateway), in MSET batches. */
async function stage(amr: AmrEndpoint, admins: Redis[], keys: number): Promise<void> {
  const batches: string[][] = admins.map(() => []);
  const flush = async (shard: number) => {
    const batch = batches[shard] ?? [];
    if (batch.length > 0) await admins[shard]?.mset(...batch);
    batches[shard] = [];
  };
  const put = async (key: string) => {
    const shard = amr.shardOf(key);
    batches[shard]?.push(key, 'x'.repeat(32));
    if ((batches[shard]?.length ?? 0) >= 2_000) await flush(shard);
  };
  for (let i = 0; i < keys - ORDERS; i += 1) await put(`session:${i}`);
  for (let i = 0; i < ORDERS; i += 1) await put(`order:${i}`);
  for (let shard = 0; shard < admins.length; shard += 1) await flush(shard);
  // Some TTLs for the TTL sample and avg_ttl.
  for (let i = 0; i < 3_000; i += 1) await admins[amr.shardOf(`session:${i}`)]?.expire(`session:${i}`, 3_600 + i);
}

/** The slowest command each shard served since its SLOWLOG was reset, as `shard N: 1.2 ms SCAN` figures. */
async function slowestPerShard(admins: Redis[]): Promise<Array<{ us: number; command: string; commands: number; over5ms: number }>> {
  return Promise.all(
    admins.map(async (admin) => {
      const entries = (await admin.call('SLOWLOG', 'GET', '-1')) as Array<[number, number, number, string[]]>;
      let worst = { us: 0, command: '', commands: 0, over5ms: 0 };
      for (const [, , us, args] of entries) {
        if (String(args[0] ?? '').toUpperCase() === 'SLOWLOG') continue;
        worst.commands += 1;
        if (us > 5_000) worst.over5ms += 1;
        if (us > worst.us) worst = { ...worst, us, command: args.slice(0, 6).join(' ') };
      }
      return worst;
    }),
  );
}

async function cliMs(url: string, key: string): Promise<number> {
  const started = performance.now();
  await runFile('npm', ['run', '--silent', 'keyloss', '--', 'diagnose', '--redis', url, '--key', key, '--json'], { maxBuffer: 16 * 1024 * 1024 });
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function benchAmr(size: BenchSize = 'full'): Promise<Figures> {
  const { keys, runs } = SIZES[size];
  const loadAtStart = loadAverage();
  const amr = await startAmrEndpoint({ shards: 3, shardArgs: ['--slowlog-log-slower-than', '0', '--slowlog-max-len', '100000'] });
  const admins = amr.shards.map((shard) => new Redis(shard.port, '127.0.0.1'));
  try {
    const staging = performance.now();
    await stage(amr, admins, keys);
    const stagingMs = Math.round(performance.now() - staging);
    const runbook = await loadDefaultRunbook();
    const all = ALL_CHECKS.map((check) => check.id);
    const figures: Figures = { keys, shards: amr.shards.length, staging_ms: stagingMs };
    const worst: Array<{ us: number; command: string }> = admins.map(() => ({ us: 0, command: '' }));
    let commands = 0;
    let over5ms = 0;
    // One untimed run first: npm, Node and the compiled modules come from disk the first time.
    await cliMs(amr.url, 'session:warm-up');
    for (const [name, key] of [['exact', 'session:99999999'], ['glob', 'order:*']] as const) {
      const inProcess: number[] = [];
      const viaNpm: number[] = [];
      let verdict = '';
      for (let run = 0; run < runs; run += 1) {
        await Promise.all(admins.map((admin) => admin.call('SLOWLOG', 'RESET')));
        const started = performance.now();
        const result = await diagnose({ url: amr.url, key, checks: all, tier: null, dutyCycle: 'adaptive' }, runbook);
        inProcess.push(performance.now() - started);
        if (!result.ok) throw new Error(`the diagnosis could not reach the emulated endpoint: ${result.reason}`);
        verdict = result.report.verdict;
        viaNpm.push(await cliMs(amr.url, key));
        for (const [shard, slowest] of (await slowestPerShard(admins)).entries()) {
          commands += slowest.commands;
          over5ms += slowest.over5ms;
          if (slowest.us > (worst[shard]?.us ?? 0)) worst[shard] = slowest;
        }
      }
      figures[`${name}_verdict_ms_via_npm`] = Math.round(median(viaNpm));
      figures[`${name}_verdict_ms_via_npm_each_run`] = viaNpm.map((ms) => Math.round(ms)).join(' / ');
      figures[`${name}_verdict_ms_in_process`] = Math.round(Math.min(...inProcess));
      figures[`${name}_verdict`] = verdict;
    }
    for (const [shard, slowest] of worst.entries()) figures[`slowest_command_shard_${shard}`] = `${(slowest.us / 1000).toFixed(2)} ms ${slowest.command}`;
    figures.slowest_command_ms_any_shard = Math.max(...worst.map((w) => w.us)) / 1000;
    // The shards, the emulated proxy and the diagnosing process share the machine's cores: a shard descheduled
    // mid-command shows in its SLOWLOG, so how many commands went over is said beside the slowest.
    figures.commands_over_5ms_of_all = `${over5ms} of ${commands}`;
    figures.load_average_1m_at_start = loadAtStart;
    figures.load_average_1m_at_end = loadAverage();
    return figures;
  } finally {
    for (const admin of admins) admin.disconnect();
    await amr.stop();
  }
}
