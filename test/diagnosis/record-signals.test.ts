// The record's signals on hand-made record data: a glob's majority event is confirmed without a gap and stays below
// likely over one; a key the record never saw removed speaks against the keyevent causes only when the record is whole.
import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/domain/checks.ts';
import type { RecordData } from '../../src/domain/record.ts';
import { recordSignals } from '../../src/diagnosis/signals/record.ts';

const NOW = new Date('2026-12-01T06:00:00.000Z');
const SINCE = new Date('2026-12-01T05:00:00.000Z');

function evidenceWith(key: string, record: Partial<RecordData>): Evidence {
  const data: RecordData = {
    cache: 'orders',
    record: { from: '2026-11-30T05:00:00.000Z', to: '2026-12-01T05:59:59.000Z', gaps: [] },
    window: { from: SINCE.toISOString(), to: NOW.toISOString() },
    families: ['session:'],
    removals: [],
    allRemovals: [],
    key: key.includes('*') ? null : { removals: [], slicesAsked: 12, falsePositiveBound: 12 * 3.3e-7 },
    changes: [],
    notificationsOff: false,
    memoryAtEviction: null,
    ...record,
  };
  return {
    query: { key, isPattern: key.includes('*'), db: 0, since: SINCE, tier: null, scope: null },
    now: NOW,
    results: { record: { id: 'record', status: 'ok', ms: 3, data } },
  };
}

const evictions = { event: 'evicted' as const, count: 12_400, first: '2026-12-01T05:31:00.000Z', last: '2026-12-01T05:35:00.000Z', peakAt: '2026-12-01T05:32:00.000Z', peak: 4_000 };
const expirations = { event: 'expired' as const, count: 380, first: '2026-12-01T05:00:00.000Z', last: '2026-12-01T05:59:00.000Z', peakAt: '2026-12-01T05:10:00.000Z', peak: 9 };

describe('record signals', () => {
  it('confirms the event that removed most of a glob\'s recorded keys, with the minutes and the share', () => {
    const signals = recordSignals(evidenceWith('session:*', { removals: [evictions, expirations], memoryAtEviction: { at: '2026-12-01T05:31:00.000Z', node: 'n', usedMemory: 99, maxmemory: 100 } }));
    const eviction = signals.find((s) => s.cause === 'eviction')!;
    expect(eviction).toMatchObject({ confirms: true, weight: 0.9, source: 'record', at: evictions.peakAt });
    expect(eviction.summary).toBe(
      '12,400 session:* keys evicted 05:31–05:36 UTC (recorded key events; 97 % of the 12,780 session:* removals recorded in the window); used_memory was 99 % of maxmemory at the 05:31 sample',
    );
    expect(signals.find((s) => s.cause === 'expiration')).toMatchObject({ weight: expect.any(Number) });
    expect(signals.find((s) => s.cause === 'expiration')!.confirms).toBeUndefined();
  });

  it('over a gap, no record signal is strong enough to make a cause likely and none confirms', () => {
    const gaps = [{ from: '2026-12-01T05:40:00.000Z', to: '2026-12-01T05:45:00.000Z', why: 'no recorder was running' }];
    const signals = recordSignals(evidenceWith('session:*', { removals: [evictions], record: { from: '2026-11-30T05:00:00.000Z', to: NOW.toISOString(), gaps } }));
    expect(signals.every((s) => s.weight < 0.3 && !s.confirms)).toBe(true);
  });

  it('a whole record that never saw the exact key removed speaks against expiration, eviction, deletion and a move', () => {
    const signals = recordSignals(evidenceWith('session:17', {}));
    expect(signals.map((s) => [s.cause, s.weight])).toEqual([
      ['expiration', -0.6],
      ['eviction', -0.6],
      ['deletion', -0.6],
      ['wrong-database', -0.6],
    ]);
    expect(recordSignals(evidenceWith('session:17', { notificationsOff: true }))).toEqual([]);
  });
});
