// What a production cache feels while keyloss searches it: the p99 latency of a concurrent `redis-benchmark -t get`
// load on 16 dbs x 125k keys, without keyloss, with keyloss's paced scans (the default), and unpaced, in one run.
// Run alone: npm run bench -- scanload
import { Redis } from 'ioredis';
import { DEFAULT_CHECK_OPTIONS } from '../src/checks/registry.ts';
import { investigate } from '../src/investigate.ts';
import { loadDefaultRunbook } from '../src/runbook/load.ts';
import { getLoad } from './get-load.ts';
import { startRedis, stopRedis } from '../test/support/redis-server.ts';

const DBS = 16;
const KEYS_PER_DB = 125_000;
const REQUESTS = 150_000;

/** Runs `keyloss`'s presence search (a glob absent from every db: the full scan budget in each) until `until` settles. */
async function diagnoseWhile(url: string, until: Promise<unknown>, dutyCycle: number) {
  const runbook = await loadDefaultRunbook();
  let done = false;
  until.finally(() => {
    done = true;
  });
  const runs: number[] = [];
  let commands = 0;
  while (!done) {
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
  }
  return { runs: runs.length, msPerSearch: runs.length ? Math.round(runs.reduce((a, b) => a + b, 0) / runs.length) : Number.NaN, commands };
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

    const baseline = await getLoad(redis.port, REQUESTS, KEYS_PER_DB);
    const pacedLoad = getLoad(redis.port, REQUESTS, KEYS_PER_DB);
    const paced = await diagnoseWhile(redis.url, pacedLoad, DEFAULT_CHECK_OPTIONS.scanDutyCycle);
    const withKeyloss = await pacedLoad;
    const unpacedLoad = getLoad(redis.port, REQUESTS, KEYS_PER_DB);
    const unpaced = await diagnoseWhile(redis.url, unpacedLoad, 1);
    const withUnpaced = await unpacedLoad;
    const again = await getLoad(redis.port, REQUESTS, KEYS_PER_DB);
    return {
      'cache (dbs x keys)': `${DBS} x ${KEYS_PER_DB.toLocaleString('en')}`,
      'staging ms': stagingMs,
      'GET p99 ms, without keyloss': baseline.p99,
      'GET p99 ms, without keyloss (after)': again.p99,
      [`GET p99 ms, keyloss paced (duty ${DEFAULT_CHECK_OPTIONS.scanDutyCycle})`]: withKeyloss.p99,
      'GET p99 ms, keyloss unpaced': withUnpaced.p99,
      'p99 ratio paced / baseline': Math.round((withKeyloss.p99 / Math.max(baseline.p99, again.p99)) * 100) / 100,
      'p99 ratio unpaced / baseline': Math.round((withUnpaced.p99 / Math.max(baseline.p99, again.p99)) * 100) / 100,
      'GET rps without / paced / unpaced': `${baseline.rps} / ${withKeyloss.rps} / ${withUnpaced.rps}`,
      'searches during the load (paced)': paced.runs,
      'ms per 16-db search (paced)': paced.msPerSearch,
      'ms per 16-db search (unpaced)': unpaced.msPerSearch,
      'commands per search (paced)': paced.runs ? Math.round(paced.commands / paced.runs) : Number.NaN,
    };
  } finally {
    await staging.quit().catch(() => undefined);
    await stopRedis(redis);
  }
}
