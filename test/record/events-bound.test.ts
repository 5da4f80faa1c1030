// Dated events of a record stay bounded: the same client removing is written once a minute, events are capped a minute
// and a day (clients and bursts never crowding out a restart), and a reader fetches only the window it asks for, on a
// real state Redis.
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryWriter } from '../../src/record/history.ts';
import { CHATTY_PER_DAY, CHATTY_PER_MINUTE, DAY_MS, EVENTS_PER_DAY, EVENTS_PER_MINUTE, MINUTE_MS, RecordLayout } from '../../src/record/layout.ts';
import { readRecord } from '../../src/record/reader.ts';
import type { DatedEvent } from '../../src/record/sample.ts';
import { openStateClient, type StateClient } from '../../src/state/redis.ts';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';

const PREFIX = 'klevents:';
const DAY = Date.parse('2026-12-01T00:00:00Z');

afterAll(async () => {
  await stopAllRedis();
});

async function stateRedis(): Promise<StateClient> {
  const server = await startRedis();
  const opened = await openStateClient(server.url);
  if (!opened.ok) throw new Error(opened.reason);
  return opened.client;
}

function clientEvent(at: number, i: number): DatedEvent {
  return {
    type: 'clients',
    at,
    address: '10.0.0.1:6379',
    summary: `job-${i} last sent DEL on db 0`,
    data: { name: `job-${i}`, addr: `10.0.0.7:${50_000 + i}`, cmd: 'del', db: 0, user: null, libName: null },
  };
}

async function stored(state: StateClient, layout: RecordLayout): Promise<DatedEvent[]> {
  return (await state.zrange(layout.events, '0', '-1')).map((json) => JSON.parse(json) as DatedEvent);
}

describe('dated events in the record', () => {
  it('writes a client once a minute, caps clients a minute, keeps a restart past the flood and says what it left out', async () => {
    const state = await stateRedis();
    const layout = new RecordLayout(PREFIX, 'clients');
    let now = DAY;
    const writer = new HistoryWriter(state, layout, { retentionMs: 7 * DAY_MS, holder: 'r1', now: () => now });
    await writer.resume();
    // 50 clients sending DELs, seen at every 5 s sample for 3 minutes: 1,800 sightings.
    for (let sample = 0; sample < 36; sample++) {
      now = DAY + sample * 5_000;
      for (let i = 0; i < 50; i++) writer.datedEvent(clientEvent(now, i));
      if (sample === 20) writer.datedEvent({ type: 'restart', at: now, address: '10.0.0.1:6379', summary: 'restarted', data: {} });
      expect((await writer.flush()).ok).toBe(true);
    }
    now = DAY + 4 * MINUTE_MS;
    expect((await writer.flush({}, true)).ok).toBe(true);
    const events = await stored(state, layout);
    const clients = events.filter((e) => e.type === 'clients');
    const perMinute = new Map<number, number>();
    for (const event of clients) perMinute.set(Math.floor(event.at / MINUTE_MS), (perMinute.get(Math.floor(event.at / MINUTE_MS)) ?? 0) + 1);
    expect(Math.max(...perMinute.values())).toBe(CHATTY_PER_MINUTE);
    // No client twice within a minute.
    const seen = new Map<string, number>();
    for (const event of clients) {
      const last = seen.get(String(event.data?.addr));
      if (last !== undefined) expect(event.at - last).toBeGreaterThanOrEqual(MINUTE_MS);
      seen.set(String(event.data?.addr), event.at);
    }
    expect(events.filter((e) => e.type === 'restart')).toHaveLength(1);
    const capped = events.filter((e) => e.type === 'capped');
    expect(capped).toHaveLength(3);
    // 50 distinct clients a minute, CHATTY_PER_MINUTE kept: the rest left out each minute (repeats within it were no events).
    const left = 50 - CHATTY_PER_MINUTE;
    expect(capped.map((e) => e.data?.clients)).toEqual([left, left, left]);
    expect(capped[0]!.summary).toMatch(new RegExp(`^${left} dated events over the record's cap .*: ${left} clients$`));
  });

  it('keeps at most the day cap, also across a second recorder, and reads a 15-minute window without the rest of the day', async () => {
    const state = await stateRedis();
    const layout = new RecordLayout(PREFIX, 'day');
    let now = DAY;
    const options = { retentionMs: 7 * DAY_MS, holder: 'r1', now: () => now };
    let writer = new HistoryWriter(state, layout, options);
    await writer.resume();
    // A failover every 250 ms for a day (345,600), the recorder replaced at noon.
    for (let at = DAY; at < DAY + DAY_MS; at += 250) {
      if (at === DAY + DAY_MS / 2) {
        expect((await writer.flush({}, true)).ok).toBe(true);
        writer = new HistoryWriter(state, layout, { ...options, holder: 'r2' });
        await writer.resume();
      }
      now = at;
      writer.datedEvent({ type: 'failover', at, address: '10.0.0.1:6379', summary: `failover ${at}`, data: {} });
      if (at % MINUTE_MS === 0) expect((await writer.flush()).ok).toBe(true);
    }
    now = DAY + DAY_MS;
    expect((await writer.flush({}, true)).ok).toBe(true);
    const events = await stored(state, layout);
    const failovers = events.filter((e) => e.type === 'failover');
    expect(failovers.length).toBe(EVENTS_PER_DAY);
    const perMinute = new Map<number, number>();
    for (const event of failovers) perMinute.set(Math.floor(event.at / MINUTE_MS), (perMinute.get(Math.floor(event.at / MINUTE_MS)) ?? 0) + 1);
    expect(Math.max(...perMinute.values())).toBe(EVENTS_PER_MINUTE);
    expect(CHATTY_PER_DAY).toBeLessThan(EVENTS_PER_DAY);
    const left = events.filter((e) => e.type === 'capped').reduce((sum, e) => sum + Number(e.data?.failover ?? 0), 0);
    expect(left + failovers.length).toBe(345_600);

    // A gap that began before the window and was written after it, and notifications turned off before it: both read.
    await state.hset(layout.meta, { firstAt: String(DAY), lastAt: String(DAY + DAY_MS), flushMs: '1000' });
    const late = new HistoryWriter(state, layout, { ...options, holder: 'r3' });
    now = DAY + DAY_MS;
    await late.resume();
    late.datedEvent({ type: 'notifications', at: DAY + 10_000, address: '10.0.0.1:6379', summary: 'off', data: { enabled: 'false', flags: '', source: 'config' } });
    late.gap(DAY + 30_000, DAY + 20 * 3_600_000, 'a long one');
    expect((await late.flush()).ok).toBe(true);
    await state.hset(layout.meta, { lastAt: String(DAY + DAY_MS) });
    const from = DAY + MINUTE_MS;
    const to = from + 15 * MINUTE_MS;
    const record = await readRecord(state, layout, { key: 'x:1', isPattern: false, db: 0, from: new Date(from), to: new Date(to) });
    // Exactly the window's failovers, none of the rest of the day.
    const inWindow = failovers.filter((e) => e.at >= from - 1_000 && e.at <= to);
    expect(inWindow.length).toBeGreaterThan(15 * EVENTS_PER_MINUTE);
    expect(record?.changes.filter((c) => c.type === 'failover').map((c) => c.summary)).toEqual(inWindow.map((e) => e.summary));
    expect(record?.record.gaps.map((g) => g.why)).toEqual(expect.arrayContaining(['a long one', 'keyspace notifications were off on 10.0.0.1:6379: single keys were not recorded']));
  });
});
