// Reading a record's window from a day at the dated-events cap: a state Redis holding one day of a cache's record with as
// many dated events as the caps keep (EVENTS_PER_DAY, and a `capped` event every minute), written by the history writer,
// with removal counts every minute; the time readRecord takes for a 15-minute window and for the whole day (median of
// several reads, and the slowest). Measure at low load: the figures are wall-clock times on a shared machine.
// Run alone: npm run bench -- recordwindow
import { loadavg } from 'node:os';
import { HistoryWriter } from '../src/record/history.ts';
import { CHATTY_PER_DAY, DAY_MS, EVENTS_PER_DAY, MINUTE_MS, RecordLayout } from '../src/record/layout.ts';
import { readRecord } from '../src/record/reader.ts';
import { openStateClient } from '../src/state/redis.ts';
import { startRedis, stopRedis } from '../test/support/redis-server.ts';
import type { BenchSize, Figures } from './registry.ts';

const DAY = Date.parse('2026-12-01T00:00:00Z');

export async function benchRecordWindow(size: BenchSize): Promise<Figures> {
  const server = await startRedis();
  const opened = await openStateClient(server.url);
  if (!opened.ok) throw new Error(opened.reason);
  const state = opened.client;
  try {
    const layout = new RecordLayout('keyloss:', 'bench-window');
    let now = DAY;
    const writer = new HistoryWriter(state, layout, { retentionMs: 7 * DAY_MS, holder: 'bench', now: () => now });
    await writer.resume();
    const minutes = size === 'smoke' ? 60 : 1_440;
    // 50 clients sending DELs seen at every 5 s sample, a failover and a burst at each: far over every cap.
    for (let minute = 0; minute < minutes; minute++) {
      for (let second = 0; second < 60; second += 5) {
        const at = DAY + minute * MINUTE_MS + second * 1_000;
        now = at;
        for (let i = 0; i < 50; i++) {
          writer.datedEvent({
            type: 'clients',
            at: at + i,
            address: '10.0.0.1:6379',
            summary: `cleanup-${i} (10.0.0.7:${50_000 + minute * 50 + i}, user default, lib redis-py) last sent DEL on db 0`,
            data: { name: `cleanup-${i}`, addr: `10.0.0.7:${50_000 + minute * 50 + i}`, cmd: 'del', db: 0, user: 'default', libName: 'redis-py' },
          });
        }
          writer.datedEvent({ type: 'failover', at, address: '10.0.0.1:6379', summary: `10.0.0.1:6379 failed over (master_replid changed) at ${at}`, data: { keysBefore: 1_000, keysAfter: 990 } });
          writer.datedEvent({ type: 'burst', at, address: '10.0.0.1:6379', summary: `12,400 keys expired in 10 s on 10.0.0.1:6379`, data: { expired: 12_400 } });
        for (let i = 0; i < 20; i++) writer.keyEvent(at + i, 0, 'expired', `session:${minute}:${second}:${i}`);
      }
      now = DAY + (minute + 1) * MINUTE_MS;
      const flushed = await writer.flush();
      if (!flushed.ok) throw new Error(flushed.reason);
    }
    await writer.flush({}, true);
    const stored = await state.zcard(layout.events);

    const end = DAY + minutes * MINUTE_MS;
    const time = async (from: number, to: number): Promise<{ median: number; max: number; changes: number }> => {
      const runs: number[] = [];
      let changes = 0;
      for (let run = 0; run < (size === 'smoke' ? 3 : 15); run++) {
        const started = performance.now();
        const record = await readRecord(state, layout, { key: 'session:700:5:3', isPattern: false, db: 0, from: new Date(from), to: new Date(to) });
        runs.push(performance.now() - started);
        changes = record?.changes.length ?? 0;
      }
      runs.sort((a, b) => a - b);
      return { median: Math.round(runs[Math.floor(runs.length / 2)]! * 10) / 10, max: Math.round(runs[runs.length - 1]! * 10) / 10, changes };
    };
    // The window where the day's events are: the caps are reached in its first hours.
    const loadBefore = Math.round(loadavg()[0]! * 100) / 100;
    const window = await time(DAY + MINUTE_MS, DAY + 16 * MINUTE_MS);
    const day = await time(DAY, end);
    return {
      'minutes recorded': minutes,
      'dated events stored': stored,
      'cap (events a day, clients+bursts a day)': `${EVENTS_PER_DAY}, ${CHATTY_PER_DAY}`,
      '15-min window: changes read': window.changes,
      '15-min window: read ms (median)': window.median,
      '15-min window: read ms (max)': window.max,
      'whole day: changes read': day.changes,
      'whole day: read ms (median)': day.median,
      'whole day: read ms (max)': day.max,
      'load average (1 min) before the reads': loadBefore,
      'load average (1 min) at the end': Math.round(loadavg()[0]! * 100) / 100,
    };
  } finally {
    state.disconnect();
    await stopRedis(server);
  }
}
