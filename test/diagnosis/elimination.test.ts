import { describe, expect, it } from 'vitest';
import { explainDiagnosis } from '../../src/report/build.ts';
import { eliminationSignals, isExcluded } from '../../src/diagnosis/signals/elimination.ts';
import { makeEvidence } from './evidence-fixture.ts';
import { runbook } from './runbook-fixture.ts';

const MB = 1024 * 1024;

// volatile-lru at the limit, evicting other (TTL-carrying) keys; the missing family carries no TTL; 80 DELs counted.
const volatileWithDeletes = {
  memory: { usedMemory: 4 * MB, maxmemory: 4 * MB, policy: 'volatile-lru', evictedKeys: 9_000, expiredKeys: 120 },
  'commands.deletion': { calls: { del: 80, unlink: 0, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 } },
} as const;

function cause(d: ReturnType<typeof explainDiagnosis>, id: string) {
  const found = d.causes.find((c) => c.id === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
}

describe('elimination', () => {
  it('calls deletion likely when every other cause is excluded and removing commands were counted', () => {
    const d = explainDiagnosis(makeEvidence('session:17', volatileWithDeletes), runbook);
    expect(d.verdict).toBe('explained');
    expect(d.causes[0]?.id).toBe('deletion');
    expect(d.causes[0]?.likelihood).toBe('likely');
    const line = d.causes[0]?.evidence[0]?.summary ?? '';
    expect(line).toMatch(/^DEL 80, UNLINK 0, HDEL 0, GETDEL 0 calls since the node started 3 d ago, and nothing else can have removed these keys/);
    expect(line).toContain('deletion is what is left');
    expect(line).toMatch(/expiration, eviction, replication, flush, wrong database and instance failure excluded/);
    // Without elimination the counters alone leave it possible at best.
    expect(cause(d, 'eviction').likelihood).toBe('unlikely');
  });

  it('does not eliminate when another cause remains open (a flush was counted too)', () => {
    const d = explainDiagnosis(
      makeEvidence('session:17', {
        ...volatileWithDeletes,
        'commands.deletion': { calls: { del: 80, unlink: 0, hdel: 0, getdel: 0, flushdb: 1, flushall: 0 } },
      }),
      runbook,
    );
    const text = d.causes.flatMap((c) => c.evidence.map((e) => e.summary)).join('\n');
    expect(text).not.toContain('is what is left');
    expect(cause(d, 'deletion').likelihood).not.toBe('likely');
  });

  it('does not eliminate a cause that could not be judged (the restart check failed)', () => {
    const d = explainDiagnosis(makeEvidence('session:17', { ...volatileWithDeletes, 'persistence.restart': { failed: 'INFO timed out' } }), runbook);
    expect(cause(d, 'instance-failure').likelihood).toBe('unknown');
    expect(cause(d, 'deletion').likelihood).not.toBe('likely');
  });

  it('leaves a healthy node inconclusive: with no removing command counted nothing is left', () => {
    const d = explainDiagnosis(makeEvidence('session:17', { memory: volatileWithDeletes.memory }), runbook);
    expect(d.verdict).toBe('inconclusive');
  });

  it('needs evidence pointing at the cause left, not only the absence of others', () => {
    const against = { cause: 'eviction', check: 'memory', weight: -1, rulesOut: true, summary: 'maxmemory 0' } as const;
    const weak = { cause: 'deletion', check: 'clients', weight: 0.2, summary: '1 client last ran DEL' } as const;
    const causes = [
      { id: 'eviction', likelihood: 'ruled-out', signals: [against] },
      { id: 'deletion', likelihood: 'unlikely', signals: [weak] },
    ] as const;
    expect(eliminationSignals(causes.map((c) => ({ ...c, signals: [...c.signals] })))).toEqual([]);
    const strong = { ...weak, check: 'commands.deletion', weight: 0.35, summary: 'DEL 3 calls' } as const;
    const [signal] = eliminationSignals([
      { id: 'eviction', likelihood: 'ruled-out', signals: [against] },
      { id: 'deletion', likelihood: 'possible', signals: [strong] },
    ]);
    expect(signal).toMatchObject({ cause: 'deletion', check: 'commands.deletion', weight: 0.6 });
    expect(signal?.summary).toBe('DEL 3 calls, and nothing else can have removed these keys (eviction ruled out): deletion is what is left');
  });

  it('excludes only on strong evidence against: weakly unlikely is still open', () => {
    const weakAgainst = { cause: 'flush', check: 'commands.deletion', weight: -0.15, summary: 'FLUSHDB 0' } as const;
    expect(isExcluded({ id: 'flush', likelihood: 'unlikely', signals: [weakAgainst] })).toBe(false);
    expect(isExcluded({ id: 'flush', likelihood: 'unlikely', signals: [{ ...weakAgainst, weight: -0.8 }] })).toBe(true);
    expect(isExcluded({ id: 'flush', likelihood: 'unknown', signals: [] })).toBe(false);
  });
});
