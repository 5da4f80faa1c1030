// The per-key proof budget over a synthetic day: generated removals fed to the history writer (not a live cache) at
// 1,000 and 10,000 a second, written to a real state Redis once a simulated minute, with the budget and without one;
// the state bytes of the Bloom slices and of the whole record, and the shares of keys kept through the day.
// A whole day at 10,000/s is 864 M removals; to run in minutes on a shared machine the day is fed at a stated scale:
// 1/SCALE of the rate with 1/SCALE of the budget (the slices a day needs scale with the removals, 8,192 keys each),
// and the bytes are given as measured and times SCALE.
// Run alone: npm run bench -- recordproof
import { loadavg } from 'node:os';
import { SLICE_STATE_BYTES } from '../src/record/bloom.ts';
import { HistoryWriter } from '../src/record/history.ts';
import { DAY_MS, MINUTE_MS, RecordLayout } from '../src/record/layout.ts';
import { DEFAULT_PROOF_BYTES_PER_DAY } from '../src/record/proof.ts';
import { openStateClient, primariesOf, type StateClient } from '../src/state/redis.ts';
import { startRedis, stopRedis } from '../test/support/redis-server.ts';
import type { BenchSize, Figures } from './registry.ts';

const DAY = Date.parse('2026-12-01T00:00:00Z');
const MB = 1_048_576;

async function recordBytes(state: StateClient, layout: RecordLayout): Promise<{ slices: number; all: number }> {
  let slices = 0;
  let all = 0;
  const [server] = primariesOf(state);
  let cursor = '0';
  do {
    const [next, keys] = await server!.scan(cursor, 'MATCH', layout.allKeys, 'COUNT', 1_000);
    cursor = next;
    for (const key of keys) {
      const bytes = Number(await server!.memory('USAGE', key));
      all += bytes;
      if (key.includes('}:b:')) slices += bytes;
    }
  } while (cursor !== '0');
  return { slices, all };
}

async function day(state: StateClient, name: string, perSecond: number, budget: number): Promise<{ slices: number; all: number; shares: string }> {
  const layout = new RecordLayout('keyloss:', name);
  let now = DAY;
  const writer = new HistoryWriter(state, layout, { retentionMs: 7 * DAY_MS, holder: 'bench', now: () => now, proofBytesPerDay: budget });
  await writer.resume();
  const perMinute = Math.round(perSecond * 60);
  let key = 0;
  for (let minute = 0; minute < 1_440; minute++) {
    const start = DAY + minute * MINUTE_MS;
    for (let i = 0; i < perMinute; i++) writer.keyEvent(start + Math.floor((i * MINUTE_MS) / perMinute), 0, 'expired', `session:${key++}`);
    now = start + MINUTE_MS;
    const written = await writer.flush();
    if (!written.ok) throw new Error(written.reason);
  }
  await writer.flush({}, true);
  const changes = Object.entries(await state.hgetall(layout.sampling))
    .map(([at, oneIn]) => [Number(at), Number(oneIn)] as const)
    .sort((a, b) => a[0] - b[0]);
  const shares = changes.map(([at, oneIn]) => `${new Date(at).toISOString().slice(11, 16)} 1/${oneIn}`).join(', ') || 'all keys all day';
  return { ...(await recordBytes(state, layout)), shares };
}

export async function benchRecordProof(size: BenchSize): Promise<Figures> {
  const scale = size === 'smoke' ? 256 : 64;
  const server = await startRedis();
  const opened = await openStateClient(server.url);
  if (!opened.ok) throw new Error(opened.reason);
  const state = opened.client;
  const round = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;
  const figures: Figures = { scale: `1/${scale} of the rate and of the budget`, 'budget (MB a day, KEYLOSS_RECORD_PROOF_MB)': DEFAULT_PROOF_BYTES_PER_DAY / MB };
  try {
    for (const rate of [1_000, 10_000]) {
      const started = performance.now();
      const budgeted = await day(state, `proof-${rate}`, rate / scale, DEFAULT_PROOF_BYTES_PER_DAY / scale);
      const unbounded = await day(state, `free-${rate}`, rate / scale, Number.MAX_SAFE_INTEGER);
      figures[`${rate}/s: slices MB a day with the budget (x scale)`] = round(budgeted.slices * scale);
      // The rest of the record (counts per minute, names of the minute's first keys) does not grow with the rate.
      figures[`${rate}/s: whole record MB a day with the budget (slices x scale + the rest)`] = round(budgeted.slices * scale + budgeted.all - budgeted.slices);
      figures[`${rate}/s: slices MB a day without a budget (x scale)`] = round(unbounded.slices * scale);
      figures[`${rate}/s: shares kept (UTC, at scale)`] = budgeted.shares;
      figures[`${rate}/s: seconds to feed both days`] = Math.round((performance.now() - started) / 100) / 10;
    }
    figures['one slice in the state Redis (bytes)'] = SLICE_STATE_BYTES;
    figures['load average (1 min) at the end'] = Math.round(loadavg()[0]! * 100) / 100;
    return figures;
  } finally {
    state.disconnect();
    await stopRedis(server);
  }
}
