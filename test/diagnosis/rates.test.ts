import { describe, expect, it } from 'vitest';
import { explainDiagnosis } from '../../src/report/build.ts';
import { makeEvidence } from './evidence-fixture.ts';
import { runbook } from './runbook-fixture.ts';

const MB = 1024 * 1024;

describe('rates evidence', () => {
  it('states the window the rates were measured over and their precision', () => {
    const d = explainDiagnosis(
      makeEvidence('cache:*', {
        memory: { usedMemory: 4 * MB, maxmemory: 4 * MB, policy: 'allkeys-lru', evictedKeys: 25_611 },
        rates: { intervalMs: 312, startedAt: '2026-11-26T05:59:58.000Z', resolutionPerSec: 3.21, evictedPerSec: 83.9 },
      }),
      runbook,
    );
    const lines = d.causes.find((c) => c.id === 'eviction')?.evidence.map((e) => e.summary) ?? [];
    expect(lines).toContain('83.9 keys/s being evicted now (measured over 312 ms from 05:59:58 UTC, to within 3.2/s)');
  });

  it("tells no rate from a single eviction in the interval (what keyloss's own connection can cost a full cache), and does from two", () => {
    const evictionLines = (evictedPerSec: number) =>
      explainDiagnosis(
        makeEvidence('session:gone', {
          memory: { usedMemory: 4 * MB, maxmemory: 4 * MB, policy: 'allkeys-lru', evictedKeys: 25_611 },
          rates: { intervalMs: 502, startedAt: '2026-11-26T05:59:58.000Z', resolutionPerSec: 1.99, evictedPerSec },
        }),
        runbook,
      ).causes.find((c) => c.id === 'eviction')?.evidence.map((e) => e.summary) ?? [];
    const one = evictionLines(1.99);
    expect(one.join('\n')).not.toMatch(/being evicted now/);
    expect(one).toContain(
      "1 key evicted while the rates were measured (measured over 502 ms from 05:59:58 UTC, to within 2/s): a single eviction is within what keyloss's own connection can cause on a full cache, so no rate is told from it",
    );
    expect(evictionLines(3.98)).toContain('4 keys/s being evicted now (measured over 502 ms from 05:59:58 UTC, to within 2/s)');
  });

  it('reads rates stored without a start or precision (older evidence): the precision follows from the interval', () => {
    const d = explainDiagnosis(makeEvidence('session:17', { rates: { intervalMs: 2_000, expiredPerSec: 12 } }), runbook);
    const lines = d.causes.find((c) => c.id === 'expiration')?.evidence.map((e) => e.summary) ?? [];
    expect(lines).toContain('12 keys/s expiring now (measured over 2 s, to within 0.5/s)');
  });
});
