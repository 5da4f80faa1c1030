// The per-key proof budget on a real state Redis: a day of removals far over it keeps the Bloom slices within it, counts
// exact, writes when the share of keys kept changed, and a key left out of the sample is never "not removed".
import { afterAll, describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/domain/checks.ts';
import { recordSignals } from '../../src/diagnosis/signals/record.ts';
import { SLICE_CAPACITY, SLICE_STATE_BYTES } from '../../src/record/bloom.ts';
import { HistoryWriter } from '../../src/record/history.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, RecordLayout } from '../../src/record/layout.ts';
import { inSample, sampleHash, shareFor } from '../../src/record/proof.ts';
import { readRecord } from '../../src/record/reader.ts';
import { openStateClient, type StateClient } from '../../src/state/redis.ts';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';

const PREFIX = 'klproof:';
const DAY = Date.parse('2026-12-01T00:00:00Z');
const BUDGET = 16 * SLICE_STATE_BYTES;
/** Removals fed in: far more than 16 slices hold. */
const REMOVALS = 40 * SLICE_CAPACITY;

afterAll(stopAllRedis);

async function sliceBytes(state: StateClient, layout: RecordLayout): Promise<number> {
  let bytes = 0;
  const server = state as import('ioredis').Redis;
  for (const key of await server.keys(`${PREFIX}rec:{${layout.cache}}:b:*`)) bytes += Number(await server.memory('USAGE', key));
  return bytes;
}

describe('per-key proof budget', () => {
  it('shares: every key under half the budget, then 1 in 2, 1 in 4 … and none once another slice would go over', () => {
    expect([0, 8, 12, 14, 15, 16].map((slices) => shareFor(slices * SLICE_STATE_BYTES, BUDGET))).toEqual([1, 2, 4, 8, 16, 0]);
    // The sample is a property of the name: the same in every process, about 1 in N of names.
    const names = Array.from({ length: 80_000 }, (_, i) => `session:${i}`);
    const kept = names.filter((name) => inSample(sampleHash(name), 8)).length;
    expect(kept).toBeGreaterThan(9_000);
    expect(kept).toBeLessThan(11_000);
  });

  it('a day of removals over the budget stays within it, counts stay exact, and a key not sampled is never "not removed"', async () => {
    const server = await startRedis();
    const opened = await openStateClient(server.url);
    if (!opened.ok) throw new Error(opened.reason);
    const state = opened.client;
    const layout = new RecordLayout(PREFIX, 'sessions');
    let now = DAY;
    const writer = new HistoryWriter(state, layout, { retentionMs: 7 * DAY_MS, holder: 'r1', now: () => now, proofBytesPerDay: BUDGET });
    await writer.resume();
    // Spread over the first 10 hours of the day: expirations of session:<i>.
    const spacing = Math.floor((10 * HOUR_MS) / REMOVALS);
    for (let i = 0; i < REMOVALS; i++) {
      now = DAY + i * spacing;
      writer.keyEvent(now, 0, 'expired', `session:${i}`);
      if (i % 20_000 === 0) expect((await writer.flush()).ok).toBe(true);
    }
    now = DAY + 10 * HOUR_MS;
    expect((await writer.flush({}, true)).ok).toBe(true);

    expect(await sliceBytes(state, layout)).toBeLessThanOrEqual(BUDGET);
    let counted = 0;
    for (let minute = DAY / MINUTE_MS; minute <= (DAY + 10 * HOUR_MS) / MINUTE_MS; minute++) counted += Number((await state.hget(layout.minute(minute), 'expired|session:')) ?? 0);
    expect(counted).toBe(REMOVALS);
    const changes = Object.entries(await state.hgetall(layout.sampling)).map(([at, oneIn]) => [Number(at), Number(oneIn)] as const);
    expect(changes.map(([, oneIn]) => oneIn).sort((a, b) => a - b)).toEqual([0, 2, 4, 8, 16]);

    // Keys removed while 1 in 2 were kept: one in the sample, one not (and not among its minute's first keys, kept by name).
    const [halfFrom] = changes.find(([, oneIn]) => oneIn === 2)!;
    const [quarterFrom] = changes.find(([, oneIn]) => oneIn === 4)!;
    const outOfHalf = Array.from({ length: REMOVALS }, (_, i) => i).find((i) => DAY + i * spacing > halfFrom && DAY + i * spacing < quarterFrom && !inSample(sampleHash(`session:${i}`), 2) && (i * spacing) % MINUTE_MS > 61 * spacing)!;
    const inHalf = Array.from({ length: REMOVALS }, (_, i) => i).find((i) => DAY + i * spacing > halfFrom && DAY + i * spacing < quarterFrom && inSample(sampleHash(`session:${i}`), 2))!;
    const window = { isPattern: false, db: 0, from: new Date(DAY), to: new Date(DAY + 10 * HOUR_MS) };
    const found = await readRecord(state, layout, { ...window, key: `session:${inHalf}` });
    expect(found?.key?.removals.map((r) => r.event)).toContain('expired');
    expect(found?.key?.unsampled).toBeDefined();
    expect(found?.key?.unsampled?.some((span) => span.oneIn === 2)).toBe(false);

    const missed = await readRecord(state, layout, { ...window, key: `session:${outOfHalf}` });
    // Bloom false positives are at most 3.3e-7 per slice: it is not found.
    expect(missed?.key?.removals).toEqual([]);
    expect(missed?.key?.unsampled?.find((span) => span.oneIn === 2)).toEqual({ from: new Date(halfFrom).toISOString(), to: new Date(quarterFrom).toISOString(), oneIn: 2 });
    const evidence: Evidence = {
      query: { key: `session:${outOfHalf}`, isPattern: false, db: 0, since: window.from, tier: null, scope: null },
      now: window.to,
      results: { record: { id: 'record', status: 'ok', ms: 3, data: missed! } },
    };
    const signals = recordSignals(evidence);
    expect(signals.some((s) => /saw no removal/.test(s.summary))).toBe(false);
    expect(signals.some((s) => s.weight < 0)).toBe(false);
    expect(signals.find((s) => s.cause === 'expiration')?.summary).toMatch(
      new RegExp(`^keys of this cache were recorded at 1 in 2 from [\\d:]+ to [\\d:]+ UTC, then .*: session:${outOfHalf} was not among the sampled keys`),
    );
    state.disconnect();
  }, 120_000);
});
