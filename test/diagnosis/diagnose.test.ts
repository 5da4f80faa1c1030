import { describe, expect, it } from 'vitest';
import { explainDiagnosis } from '../../src/report/build.ts';
import { CAUSE_IDS, type CauseId } from '../../src/domain/causes.ts';
import { makeEvidence, NOW } from './evidence-fixture.ts';
import { runbook } from './runbook-fixture.ts';

const MB = 1024 * 1024;

function cause(d: ReturnType<typeof explainDiagnosis>, id: CauseId) {
  const found = d.causes.find((c) => c.id === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
}

describe('diagnose', () => {
  it('reports all seven causes, highest score first, with runbook words', () => {
    const d = explainDiagnosis(makeEvidence('session:17'), runbook);
    expect(d.causes.map((c) => c.id).sort()).toEqual([...CAUSE_IDS].sort());
    const scores = d.causes.map((c) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const c of d.causes) {
      expect(c.title).toBe(runbook.causes[c.id]?.title);
      expect(c.score).toBeGreaterThanOrEqual(0);
      expect(c.score).toBeLessThanOrEqual(1);
    }
  });

  it('finds nothing on a healthy node: inconclusive, every cause unlikely or ruled out', () => {
    const d = explainDiagnosis(makeEvidence('session:17'), runbook);
    expect(d.verdict).toBe('inconclusive');
    for (const c of d.causes) expect(['unlikely', 'ruled-out']).toContain(c.likelihood);
    expect(d.headline).toContain('session:17');
  });

  it('explains eviction under allkeys-lru at the memory limit, with the numbers', () => {
    const d = explainDiagnosis(
      makeEvidence('cache:*', {
        memory: { usedMemory: 4 * MB, maxmemory: 4 * MB, policy: 'allkeys-lru', evictedKeys: 25_611 },
        rates: { evictedPerSec: 120 },
      }),
      runbook,
    );
    expect(d.verdict).toBe('explained');
    expect(d.causes[0]?.id).toBe('eviction');
    expect(d.causes[0]?.likelihood).toBe('likely');
    expect(d.causes[0]?.evidence[0]?.summary).toContain('evicted_keys 25,611');
    expect(d.causes[0]?.evidence[0]?.summary).toContain('4.0 MB of 4.0 MB');
    expect(d.causes[0]?.evidence[0]?.direction).toBe('for');
    expect(d.facts).toEqual(expect.arrayContaining(['policy-allkeys', 'memory-near-limit']));
    expect(d.headline).toContain(runbook.causes.eviction?.title);
  });

  it('does not blame eviction under volatile-lru when the missing keys carry no TTL, even with evictions', () => {
    const d = explainDiagnosis(
      makeEvidence('session:17', {
        memory: { usedMemory: 4 * MB, maxmemory: 4 * MB, policy: 'volatile-lru', evictedKeys: 9_000 },
        rates: { evictedPerSec: 50 },
      }),
      runbook,
    );
    const eviction = cause(d, 'eviction');
    expect(['unlikely', 'possible']).toContain(eviction.likelihood);
    expect(eviction.likelihood).not.toBe('likely');
    expect(eviction.evidence[0]?.summary).toMatch(/volatile-lru evicts only keys with a TTL/);
    expect(d.facts).toEqual(expect.arrayContaining(['policy-volatile', 'keys-without-ttl']));
  });

  it('rules eviction out under noeviction and with maxmemory 0', () => {
    const noeviction = explainDiagnosis(makeEvidence('k', { memory: { policy: 'noeviction', evictedKeys: 0 } }), runbook);
    expect(cause(noeviction, 'eviction').likelihood).toBe('ruled-out');
    const unlimited = explainDiagnosis(makeEvidence('k', { memory: { maxmemory: 0, evictedKeys: 3 } }), runbook);
    expect(cause(unlimited, 'eviction').likelihood).toBe('ruled-out');
    expect(cause(unlimited, 'eviction').evidence[0]?.summary).toContain('maxmemory 0');
  });

  it('explains expiration when siblings carry short TTLs and keys expire', () => {
    const d = explainDiagnosis(
      makeEvidence('session:17', {
        'keyspace.ttl-sample': { sampled: 120, withTtl: 118, withoutTtl: 2, medianTtlMs: 41_000, minTtlMs: 2_000, maxTtlMs: 60_000 },
        memory: { expiredKeys: 4_210 },
      }),
      runbook,
    );
    expect(d.verdict).toBe('explained');
    expect(d.causes[0]?.id).toBe('expiration');
    expect(d.causes[0]?.evidence[0]?.summary).toContain('118 of 120 sampled');
    expect(d.causes[0]?.evidence[0]?.summary).toContain('median 41 s');
    expect(d.facts).toContain('short-ttls');
  });

  it('says a TTL spread that collapses to one value once', () => {
    const d = explainDiagnosis(
      makeEvidence('session:17', {
        'keyspace.ttl-sample': { sampled: 40, withTtl: 40, withoutTtl: 0, medianTtlMs: 270_000, minTtlMs: 268_000, maxTtlMs: 272_000 },
        memory: { expiredKeys: 900 },
      }),
      runbook,
    );
    const summary = cause(d, 'expiration').evidence.map((e) => e.summary).join('\n');
    expect(summary).toContain('40 of 40 sampled');
    expect(summary).toContain('(all 4.5 min)');
    expect(summary).not.toContain('4.5 min–4.5 min');
  });

  it('finds the keys in another database', () => {
    const d = explainDiagnosis(
      makeEvidence('session:*', {
        'keyspace.presence': { matches: [{ db: 3, count: 12, sampled: false }] },
        clients: { total: 4, byDb: [{ db: 0, clients: 1 }, { db: 3, clients: 3 }] },
      }),
      runbook,
    );
    expect(d.verdict).toBe('explained');
    expect(d.causes[0]?.id).toBe('wrong-database');
    expect(d.causes[0]?.evidence.map((e) => e.summary).join('\n')).toMatch(/db 3 \(12 keys\)/);
    expect(d.causes[0]?.evidence.map((e) => e.summary).join('\n')).toMatch(/3 of 4 clients use db 3/);
    expect(d.facts).toContain('keys-in-other-db');
    expect(d.scope).toBe('complete');
  });

  it('says a node up for less than a second is "up under 1 s", not "up 0 ms" (uptime_in_seconds is whole seconds)', () => {
    const startedAt = new Date(NOW.getTime() - 500).toISOString();
    const d = explainDiagnosis(
      makeEvidence('session:*', {
        'persistence.restart': {
          nodes: [{ address: '10.0.0.4:6379', uptimeSeconds: 0, startedAt, restartedInWindow: true, rdbLastLoadKeysLoaded: 0, aofEnabled: false, persistenceOff: true, rdbLastSaveAt: null, loading: false }],
        },
      }),
      runbook,
    );
    const lines = cause(d, 'instance-failure').evidence.map((e) => e.summary).join('\n');
    expect(lines).toMatch(/restarted at \d\d:\d\d:\d\d UTC \(up under 1 s\), after the keys were last seen/);
    expect(lines).not.toContain('0 ms');
  });

  it('agrees the verb with the count: "1 of 1 client uses db 3", "the one connected client uses db 0"', () => {
    const summaries = (byDb: { db: number; clients: number }[], matches: { db: number; count: number; sampled: boolean }[]) =>
      cause(explainDiagnosis(makeEvidence('session:*', { 'keyspace.presence': { matches }, clients: { total: 1, byDb } }), runbook), 'wrong-database').evidence.map((e) => e.summary);
    expect(summaries([{ db: 3, clients: 1 }], [{ db: 3, count: 12, sampled: false }])).toContain('1 of 1 client uses db 3, not db 0');
    expect(summaries([{ db: 0, clients: 1 }], [])).toContain('the one connected client uses db 0');
  });

  it('says how the other databases were searched, once and in one pair of parentheses', () => {
    const summaries = (d: ReturnType<typeof explainDiagnosis>) => cause(d, 'wrong-database').evidence.map((e) => e.summary);
    const onlyDb0 = { 'keyspace.presence': { dbsChecked: [{ db: 0, scannedKeys: 5_000, complete: true, ms: 2 }] } };
    const exact = summaries(explainDiagnosis(makeEvidence('session:17'), runbook));
    const pattern = summaries(explainDiagnosis(makeEvidence('session:*'), runbook));
    const alone = [...summaries(explainDiagnosis(makeEvidence('session:17', onlyDb0), runbook)), ...summaries(explainDiagnosis(makeEvidence('session:*', onlyDb0), runbook))];
    for (const summary of [...exact, ...pattern, ...alone]) expect(summary.match(/\(/g)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(exact.join('\n')).toMatch(/session:17 is in none of the 15 other dbs with keys \(looked up in each\)/);
    expect(pattern.join('\n')).toMatch(/no key matching session:\* in any of the 15 other dbs with keys \(5,000 keys scanned; every db scanned completely\)/);
    expect(alone.filter((summary) => summary.includes(' db'))).toEqual([
      'no other db holds any key (INFO keyspace)',
      'all 3 connected clients use db 0',
      'no other db holds any key (INFO keyspace)',
      'all 3 connected clients use db 0',
    ]);
  });

  it('says no-loss when the exact key is present in the selected db', () => {
    const d = explainDiagnosis(makeEvidence('session:17', { 'keyspace.presence': { present: true, matches: [{ db: 0, count: 1, sampled: false }] } }), runbook);
    expect(d.verdict).toBe('no-loss');
    expect(d.headline).toMatch(/session:17 exists in db 0/);
    expect(d.scope).toBe('partial');
  });

  it('does not call a present pattern no-loss (some keys may still be gone)', () => {
    const d = explainDiagnosis(makeEvidence('session:*', { 'keyspace.presence': { present: true, matches: [{ db: 0, count: 40, sampled: false }] } }), runbook);
    expect(d.verdict).not.toBe('no-loss');
  });

  it('points at deletion: DEL calls, keys without TTL, nothing evicted; a SLOWLOG entry names the key', () => {
    const plain = explainDiagnosis(makeEvidence('user:42', { 'commands.deletion': { calls: { del: 1_204, unlink: 3, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 } } }), runbook);
    expect(plain.causes[0]?.id).toBe('deletion');
    expect(plain.causes[0]?.likelihood).toBe('likely');
    expect(plain.causes[0]?.evidence.map((e) => e.summary).join('\n')).toContain('DEL 1,204, UNLINK 3');

    const named = explainDiagnosis(
      makeEvidence('user:42', {
        'commands.deletion': {
          calls: { del: 1, unlink: 0, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 },
          slowlog: [{ address: '10.0.0.4:6379', at: '2026-11-26T05:30:00.000Z', durationUs: 12, command: 'del', key: 'user:42', client: '10.1.1.1:5000' }],
        },
        clients: { removers: [{ addr: '10.1.1.1:5000', name: 'cleanup-job', db: 0, cmd: 'del' }] },
      }),
      runbook,
    );
    const deletion = cause(named, 'deletion');
    expect(deletion.score).toBeGreaterThan(cause(plain, 'deletion').score);
    // The SLOWLOG entry leads (elimination quotes it and adds that nothing else is left).
    expect(deletion.evidence[0]?.summary).toMatch(/^SLOWLOG on 10\.0\.0\.4:6379: DEL user:42 at 05:30:00 UTC from 10\.1\.1\.1:5000(,|$)/);
    expect(deletion.evidence.map((e) => e.summary).join('\n')).toContain('cleanup-job');
  });

  it('points at a flush when FLUSHDB ran and the db is empty', () => {
    const d = explainDiagnosis(
      makeEvidence('session:*', {
        'commands.deletion': { calls: { del: 0, unlink: 0, hdel: 0, getdel: 0, flushdb: 1, flushall: 0 } },
        'keyspace.presence': { keyspace: [] },
        'keyspace.ttl-sample': { sampled: 0, withTtl: 0, withoutTtl: 0 },
      }),
      runbook,
    );
    expect(d.causes[0]?.id).toBe('flush');
    expect(d.causes[0]?.likelihood).toBe('likely');
    expect(d.causes[0]?.evidence[0]?.summary).toContain('FLUSHDB 1');
    expect(cause(d, 'instance-failure').likelihood).toBe('unlikely');
  });

  it('points at replication on a promoted primary, and rules it out on Basic', () => {
    const promoted = explainDiagnosis(
      makeEvidence('order:9', {
        replication: {
          nodes: [
            {
              address: '10.0.0.5:6379', role: 'primary', promoted: true, promotedAtOffset: 5_001, masterReplOffset: 9_000,
              connectedReplicas: 0, replicas: [], masterLinkStatus: null, masterLinkDownSinceSeconds: null,
            },
          ],
        },
      }),
      runbook,
    );
    expect(promoted.causes[0]?.id).toBe('replication');
    expect(promoted.causes[0]?.likelihood).toBe('likely');
    expect(promoted.causes[0]?.evidence[0]?.summary).toContain('offset 5,001');
    expect(promoted.facts).toContain('promoted');

    const basic = explainDiagnosis(makeEvidence('order:9', {}, { tier: 'basic' }), runbook);
    expect(cause(basic, 'replication').likelihood).toBe('ruled-out');
    expect(basic.tierSource).toBe('asked');
    expect(basic.facts).toContain('no-replica');
  });

  it('weighs instance failure after a restart in the window, and says the counters are bounded by it', () => {
    const startedAt = new Date(NOW.getTime() - 600_000).toISOString();
    const d = explainDiagnosis(
      makeEvidence('session:*', {
        'persistence.restart': {
          nodes: [{ address: '10.0.0.4:6379', uptimeSeconds: 600, startedAt, restartedInWindow: true, rdbLastLoadKeysLoaded: 0, aofEnabled: false, persistenceOff: true, rdbLastSaveAt: null, loading: false }],
        },
        'keyspace.presence': { keyspace: [{ db: 0, keys: 2, expires: 0, avgTtlMs: 0 }] },
      }),
      runbook,
    );
    expect(d.causes[0]?.id).toBe('instance-failure');
    expect(d.causes[0]?.likelihood).toBe('likely');
    expect(d.causes[0]?.evidence[0]?.summary).toContain('restarted at 05:50:00 UTC');
    const eviction = cause(d, 'eviction');
    expect(eviction.evidence.map((e) => e.summary).join('\n')).toMatch(/restarted at 05:50:00 UTC, after the keys were last seen/);
    // Zero counters after a restart prove little: eviction is not pushed as far down as on a node up for days.
    const healthy = explainDiagnosis(makeEvidence('session:*'), runbook);
    expect(eviction.score).toBeGreaterThanOrEqual(cause(healthy, 'eviction').score);
    expect(d.facts).toEqual(expect.arrayContaining(['restarted-in-window', 'persistence-off']));
  });

  it('after a restart, keys found only in another db point at the wrong database rather than at the restart', () => {
    const startedAt = new Date(NOW.getTime() - 600_000).toISOString();
    const restart = {
      nodes: [{ address: '10.0.0.4:6379', uptimeSeconds: 600, startedAt, restartedInWindow: true, rdbLastLoadKeysLoaded: 0, aofEnabled: false, persistenceOff: true, rdbLastSaveAt: null, loading: false }],
    };
    const keyspace = [
      { db: 0, keys: 2, expires: 0, avgTtlMs: 0 },
      { db: 4, keys: 40, expires: 0, avgTtlMs: 0 },
    ];
    const onlyRestart = explainDiagnosis(makeEvidence('session:*', { 'persistence.restart': restart, 'keyspace.presence': { keyspace } }), runbook);
    const movedToDb4 = explainDiagnosis(
      makeEvidence('session:*', {
        'persistence.restart': restart,
        'keyspace.presence': { keyspace, matches: [{ db: 4, count: 40, sampled: false }] },
      }),
      runbook,
    );
    const failure = cause(movedToDb4, 'instance-failure');
    expect(failure.score).toBeLessThan(cause(onlyRestart, 'instance-failure').score);
    expect(failure.evidence.map((e) => e.summary)).toContain(
      'keys matching session:* exist in db 4 after the restart: they were written to another db since, and a restart does not move keys between dbs',
    );
    expect(movedToDb4.causes[0]?.id).toBe('wrong-database');
  });

  it('never calls a cause likely from absence of evidence; failed checks make causes unknown and say so', () => {
    const d = explainDiagnosis(
      makeEvidence('session:17', {
        memory: { failed: 'INFO timed out after 3000 ms on 10.0.0.4:6379' },
        'commands.deletion': { failed: 'ERR unknown command' },
        'azure.resource': { skipped: 'no Azure resource configured' },
        'azure.metrics': { skipped: 'no Azure resource configured' },
      }),
      runbook,
    );
    expect(d.verdict).toBe('inconclusive');
    expect(cause(d, 'deletion').likelihood).toBe('unknown');
    expect(cause(d, 'flush').likelihood).toBe('unknown');
    expect(cause(d, 'eviction').likelihood).toBe('unknown');
    const text = d.unchecked.join('\n');
    expect(text).toContain('The memory check failed: INFO timed out after 3000 ms on 10.0.0.4:6379; expiration and eviction rest on the other evidence.');
    expect(text).toContain('Not run: the Azure settings and Azure Monitor metrics checks, because no Azure resource configured.');
    expect(d.headline).toMatch(/could not be checked/);
  });

  it('shows fixes by tier and facts', () => {
    const facts = (tier: 'basic' | 'premium' | null) =>
      explainDiagnosis(makeEvidence('session:17', { memory: { expiredKeys: 10 }, 'keyspace.ttl-sample': { sampled: 10, withTtl: 10, withoutTtl: 0, medianTtlMs: 5_000, minTtlMs: 1_000, maxTtlMs: 9_000 } }, { tier }), runbook);
    const basicFixes = cause(facts('basic'), 'instance-failure').fixes;
    const premiumFixes = cause(facts('premium'), 'instance-failure').fixes;
    const unknownFixes = cause(facts(null), 'instance-failure').fixes;
    expect(basicFixes).not.toEqual(premiumFixes);
    expect(unknownFixes.length).toBeGreaterThanOrEqual(Math.max(basicFixes.length, premiumFixes.length));
  });

  it('orders two likely causes by which explains the key', () => {
    const d = explainDiagnosis(
      makeEvidence('session:17', {
        memory: { usedMemory: 4 * MB, maxmemory: 4 * MB, policy: 'allkeys-lru', evictedKeys: 3_000, expiredKeys: 9_000 },
        'keyspace.ttl-sample': { sampled: 50, withTtl: 50, withoutTtl: 0, medianTtlMs: 20_000, minTtlMs: 1_000, maxTtlMs: 30_000 },
        rates: { expiredPerSec: 40, evictedPerSec: 0 },
      }),
      runbook,
    );
    expect(cause(d, 'expiration').likelihood).toBe('likely');
    expect(cause(d, 'eviction').likelihood).toBe('likely');
    expect(d.causes[0]?.id).toBe('expiration');
    expect(d.headline).toContain(`Also likely: ${runbook.causes.eviction?.title}`);
  });

  it('uses the tier Azure reports over the asked one', () => {
    const d = explainDiagnosis(
      makeEvidence('k', {
        'azure.resource': {
          kind: 'redis', sku: 'Basic', tier: 'basic', shardCount: 0, replicasPerPrimary: 0, redisVersion: '6.0', maxmemoryPolicy: 'volatile-lru',
          maxmemoryReserved: null, rdbBackupEnabled: false, aofBackupEnabled: false, notifyKeyspaceEvents: null, geoReplicated: false,
        },
      }, { tier: 'premium' }),
      runbook,
    );
    expect(d.tier).toBe('basic');
    expect(d.tierSource).toBe('azure');
    expect(cause(d, 'replication').likelihood).toBe('ruled-out');
  });
});
