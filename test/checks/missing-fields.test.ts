// Missing is unknown: every INFO field a signal source reads, left out or garbled, is reported as unknown and never
// read as 0 (a restart "0 ms ago", "evicted_keys 0", "maxmemory 0 (no limit)", "no replica connected"…).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Likelihood } from '../../src/domain/causes.ts';
import { investigate } from '../../src/investigate.ts';
import { renderText } from '../../src/report/text.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import type { Runbook } from '../../src/runbook/schema.ts';
import { infoText, startHostileRedis, type HostileServer } from '../support/hostile-redis.ts';

type Fields = Record<string, Record<string, string | number | undefined>>;

/** A healthy primary, up a day, with every counter non-zero so that a 0 in the report can only come from a default. */
const BASELINE: Fields = {
  Server: { redis_version: '7.2.4', uptime_in_seconds: 86_400 },
  Clients: { connected_clients: 3, maxclients: 10_000 },
  Memory: { used_memory: 1_000_000, maxmemory: 2_000_000_000, maxmemory_policy: 'allkeys-lru', mem_fragmentation_ratio: 1.1 },
  Persistence: { loading: 0, aof_enabled: 0, rdb_saves: 3, rdb_last_save_time: Math.floor(Date.now() / 1000) - 600 },
  Stats: { expired_keys: 7, evicted_keys: 3, total_commands_processed: 1000 },
  Replication: { role: 'master', connected_slaves: 1, master_replid2: '0'.repeat(40), master_repl_offset: 5000, second_repl_offset: -1, slave0: 'ip=127.0.0.1,port=1,state=online,offset=5000,lag=0' },
  Commandstats: { cmdstat_del: 'calls=2,usec=10,usec_per_call=5.00', cmdstat_flushdb: 'calls=1,usec=10,usec_per_call=10.00', cmdstat_info: 'calls=9,usec=10,usec_per_call=1.00' },
  Cluster: { cluster_enabled: 0 },
  Keyspace: { db0: 'keys=500,expires=10,avg_ttl=1000' },
};

/** Every field a signal source reads, with the section it lives in, and what the report must never say without it. */
const FIELDS: Array<{ section: string; field: string; never: RegExp }> = [
  { section: 'Server', field: 'uptime_in_seconds', never: /restarted at|up (0 ms|less than a second)|started less than a second ago/ },
  { section: 'Memory', field: 'used_memory', never: /used_memory 0 B/ },
  { section: 'Memory', field: 'maxmemory', never: /maxmemory 0/ },
  { section: 'Stats', field: 'evicted_keys', never: /evicted_keys 0/ },
  { section: 'Stats', field: 'expired_keys', never: /expired_keys 0/ },
  { section: 'Replication', field: 'connected_slaves', never: /no replica connected/ },
  { section: 'Replication', field: 'master_repl_offset', never: /lag by up to/ },
  { section: 'Persistence', field: 'loading', never: /still loading/ },
];

let runbook: Runbook;
const servers: HostileServer[] = [];
beforeAll(async () => {
  runbook = await loadDefaultRunbook();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function diagnose(fields: Fields) {
  const server = await startHostileRedis((command) => (command[0]?.toUpperCase() === 'INFO' ? { bulk: infoText(fields) } : undefined));
  servers.push(server);
  const since = new Date(Date.now() - 3600_000);
  const result = await investigate({
    redisUrl: server.url,
    runbook,
    query: { key: 'session:17', isPattern: false, db: 0, since, tier: 'standard', scope: null },
    options: { rateIntervalMs: 50 },
  });
  if (!result.ok) throw new Error(result.reason);
  const likelihoods = Object.fromEntries(result.report.causes.map((cause) => [cause.id, cause.likelihood])) as Record<string, Likelihood>;
  return { report: result.report, text: renderText(result.report, { color: false }).replace(/\s+/g, ' '), likelihoods };
}

function without(section: string, field: string, value: string | undefined): Fields {
  return { ...BASELINE, [section]: { ...BASELINE[section], [field]: value } };
}

const RANK: Record<Likelihood, number> = { 'ruled-out': 0, unlikely: 1, unknown: 2, possible: 3, likely: 4 };

describe('INFO fields a signal source reads, missing or garbled', () => {
  let baseline: Awaited<ReturnType<typeof diagnose>>;
  beforeAll(async () => {
    baseline = await diagnose(BASELINE);
  });

  it('the baseline reads every field', () => {
    expect(baseline.text).toMatch(/evicted_keys 3/);
    expect(baseline.text).not.toMatch(/unknown: INFO|no usable/);
  });

  for (const { section, field, never } of FIELDS) {
    for (const [how, value] of [
      ['missing', undefined],
      ['garbled', 'n/a'],
    ] as const) {
      it(`${field} ${how}: unknown, never 0, and no cause becomes likely for it`, async () => {
        const { text, likelihoods, report } = await diagnose(without(section, field, value));
        expect(text).not.toMatch(never);
        for (const [cause, likelihood] of Object.entries(likelihoods)) {
          if (likelihood === 'likely') expect(baseline.likelihoods[cause], `${cause} became likely without ${field}`).toBe('likely');
        }
        expect(report.verdict === 'explained' && baseline.report.verdict !== 'explained').toBe(false);
        // The cause this field would have judged is not ruled out or called unlikely on a field that is not there.
        if (field === 'uptime_in_seconds') {
          expect(text).toMatch(/no usable uptime_in_seconds/);
          expect(RANK[likelihoods['instance-failure'] ?? 'unknown'] as number).toBeGreaterThanOrEqual(RANK.unknown);
        }
        if (field === 'maxmemory' || field === 'evicted_keys') {
          expect(text).toMatch(new RegExp(`no usable ${field}`));
          expect(likelihoods.eviction).not.toBe('ruled-out');
        }
      });
    }
  }

  it('no commandstats section at all: DEL and FLUSH counts are unknown, not 0', async () => {
    const { Commandstats: _dropped, ...rest } = BASELINE;
    const { text, likelihoods } = await diagnose(rest);
    expect(text).not.toMatch(/DEL 0|FLUSHDB 0/);
    expect(text).toMatch(/no commandstats/);
    expect(likelihoods.deletion).toBe('unknown');
    expect(likelihoods.flush).toBe('unknown');
  });
});
