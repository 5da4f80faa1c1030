// The diagnosis reading the record: after a restart without persistence erased every counter, the record still names,
// and confirms, expiration, eviction, deletion and a flush; a gap in the record is said and keeps inference at possible.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGlobPattern } from '../../src/domain/query.ts';
import { investigate } from '../../src/investigate.ts';
import { RecordLayout } from '../../src/record/layout.ts';
import { Recorder } from '../../src/record/recorder.ts';
import type { Report } from '../../src/report/model.ts';
import { renderText } from '../../src/report/text.ts';
import { verdictMessage } from '../../src/slack/blocks/verdict.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import { fastRecorderOptions, recordTarget } from '../support/recorder.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

const PREFIX = 'kldiag:';
let cache: RedisProcess;
let stateServer: RedisProcess;
let state: Redis;
let since: Date;
let evictedKey: string;

async function diagnoseWithRecord(key: string, store: { client: Redis; prefix: string } | { unavailable: string } = { client: state, prefix: PREFIX }): Promise<Report> {
  const result = await investigate({
    redisUrl: cache.url,
    cache: 'sessions',
    runbook: await loadDefaultRunbook(),
    query: { key, isPattern: isGlobPattern(key), db: 0, since, tier: null, scope: null },
    options: { rateIntervalMs: 0 },
    record: store,
  });
  if (!result.ok) throw new Error(result.reason);
  return result.report;
}

function cause(report: Report, id: string) {
  return report.causes.find((c) => c.id === id)!;
}

beforeAll(async () => {
  [cache, stateServer] = await Promise.all([
    startRedis(['--notify-keyspace-events', 'Exeg', '--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-lru']),
    startRedis(),
  ]);
  state = new Redis(stateServer.port);
  const recorder = new Recorder(state, [recordTarget('sessions', cache.url)], fastRecorderOptions(PREFIX, 'test'));
  await recorder.start();
  const app = new Redis(cache.port, { retryStrategy: () => 50, maxRetriesPerRequest: 0 });
  app.on('error', () => undefined);
  await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST'))), 'the subscription');
  // Last seen once the record runs: a record that starts after the keys were last seen has a gap at its start.
  await new Promise((resolve) => setTimeout(resolve, 120));
  since = new Date();

  await app.set('session:17', 'x', 'PX', 20);
  await new Promise((resolve) => setTimeout(resolve, 40));
  await app.get('session:17');
  await app.set('user:1', 'x');
  await app.del('user:1');
  const big = 'x'.repeat(20_000);
  for (let i = 0; i < 300; i++) await app.set(`cache:${i}`, big);
  const missing = [];
  for (let i = 0; i < 300 && missing.length === 0; i++) if (!(await app.exists(`cache:${i}`))) missing.push(`cache:${i}`);
  evictedKey = missing[0]!;
  await app.config('SET', 'maxmemory', '0');
  await app.set('order:1', 'x');
  await new Promise((resolve) => setTimeout(resolve, 250));
  await app.flushall();
  // The flush is seen by the next INFO sample; then a restart without persistence erases every counter.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await cache.restart();
  await waitFor(async () => /psub=[1-9]/.test(String(await app.client('LIST').catch(() => ''))), 'the subscription after the restart');
  await new Promise((resolve) => setTimeout(resolve, 300));
  await recorder.stop();
  app.disconnect();
}, 60_000);

afterAll(async () => {
  state.disconnect();
  await stopAllRedis();
});

describe('the diagnosis reads the record', () => {
  it('confirms expiration, eviction and deletion of exact keys whose counters the restart erased, with the time', async () => {
    expect(evictedKey).toBeDefined();
    const expired = await diagnoseWithRecord('session:17');
    expect(cause(expired, 'expiration')).toMatchObject({ likelihood: 'likely', confirmed: true });
    const line = cause(expired, 'expiration').evidence[0]!;
    expect(line).toMatchObject({ check: 'record', source: 'record', at: expect.stringMatching(/Z$/) });
    expect(line.summary).toMatch(/^session:17 was expired at \d\d:\d\d:\d\d UTC \(recorded key event\); 1 session:\* keys expired/);
    expect(expired.record).toMatchObject({ from: expect.any(String), to: expect.any(String) });
    expect(expired.record!.events.map((e) => e.type)).toEqual(expect.arrayContaining(['flush', 'restart']));
    expect(cause(expired, 'deletion').confirmed).toBeUndefined();

    const evicted = await diagnoseWithRecord(evictedKey);
    expect(cause(evicted, 'eviction')).toMatchObject({ likelihood: 'likely', confirmed: true });
    // Past the first keys of its minute, the key is found in the filter: its minute, and the chance of a false match.
    expect(cause(evicted, 'eviction').evidence[0]!.summary).toMatch(/was evicted (at|in the minute|between) .* used_memory was \d+(\.\d+)? % of maxmemory at the \d\d:\d\d sample/);

    const deleted = await diagnoseWithRecord('user:1');
    expect(cause(deleted, 'deletion')).toMatchObject({ likelihood: 'likely', confirmed: true });
    expect(deleted.causes[0]!.id).toBe('deletion');
    // The restart's gap lies after the removal: it is said, and does not undo what the record saw.
    expect(deleted.record!.gaps.some((gap) => /could not be recorded/.test(gap.why))).toBe(true);
    expect(deleted.unchecked.some((sentence) => /The record has a gap/.test(sentence))).toBe(true);
    expect(renderText(deleted, { color: false })).toMatch(/CONFIRMED by the record/);
    const blocks = JSON.stringify(verdictMessage(deleted, { title: 'Keys were deleted', body: 'Find the client.' }));
    expect(blocks).toMatch(/confirmed by the record/);
    expect(blocks).toMatch(/Recorded by keyloss record \(UTC\)/);
  });

  it('confirms a flush from its dated event when no keyevent removed the key first', async () => {
    const report = await diagnoseWithRecord('order:1');
    expect(cause(report, 'flush')).toMatchObject({ likelihood: 'likely', confirmed: true });
    expect(cause(report, 'flush').evidence[0]!.summary).toMatch(/FLUSHALL ×1 on .* (at|between) .* UTC \(\d+ keys before, 0 after\) \(recorded from INFO commandstats\)/);
    // A key deleted before the flush is not the flush's.
    const deleted = await diagnoseWithRecord('user:1');
    expect(cause(deleted, 'flush').confirmed).toBeUndefined();
  });

  it('a glob across the restart\'s own gap: the evictions before it are confirmed, counted against every key the later flush emptied', async () => {
    const report = await diagnoseWithRecord('cache:*');
    const eviction = cause(report, 'eviction');
    expect(eviction).toMatchObject({ likelihood: 'likely', confirmed: true });
    expect(eviction.evidence.find((line) => line.source === 'record')?.summary).toMatch(/cache:\* keys evicted .* of the .* cache:\* removals recorded in the window/);
    // The gap is still said; it only no longer hides what the record saw before and after it.
    expect(report.record!.gaps.some((gap) => /could not be recorded/.test(gap.why))).toBe(true);
  });

  it('without a record, or with the state Redis away, record is null and the check says why', async () => {
    // Another cache: the recorded one is found by its address whatever name it is asked by (one identity per cache).
    const other = await startRedis();
    const none = await investigate({
      redisUrl: other.url,
      cache: 'never-recorded',
      runbook: await loadDefaultRunbook(),
      query: { key: 'x', isPattern: false, db: 0, since, tier: null, scope: null },
      options: { rateIntervalMs: 0 },
      record: { client: state, prefix: PREFIX },
    });
    expect(none.ok && none.report.record).toBeNull();
    expect(none.ok && none.report.checks.find((check) => check.id === 'record')).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/no record of never-recorded \(nor of its address 127\.0\.0\.1:\d+\)/) });
    const away = await diagnoseWithRecord('user:1', { unavailable: 'cannot use the state Redis at 127.0.0.1:1' });
    expect(away.record).toBeNull();
    expect(away.checks.find((check) => check.id === 'record')).toMatchObject({ status: 'failed' });
    expect(cause(away, 'deletion').confirmed).toBeUndefined();
  });

  it('skips malformed or oversized entries of the record, says how many, and leaves the record as the recorder keeps it', async () => {
    const layout = new RecordLayout(PREFIX, 'sessions');
    const [first] = await state.zrange(layout.samples, '0', '0');
    const at = Number(await state.zscore(layout.samples, first!));
    const poison = ['{not json', 'null', JSON.stringify({ type: 'flush', at: 'noon' }), JSON.stringify({ type: 'restart', at, address: 'x', summary: 'y'.repeat(20_000) })];
    const samples = ['null', JSON.stringify({ at, node: 'n', usedMemory: 'full' })];
    for (const [i, json] of poison.entries()) await state.zadd(layout.events, at + i, json);
    for (const [i, json] of samples.entries()) await state.zadd(layout.samples, at + i, json);
    try {
      const evicted = await diagnoseWithRecord(evictedKey);
      // The rest of the record reads as before: the eviction confirmed, with the memory of the fullest sample.
      expect(cause(evicted, 'eviction')).toMatchObject({ likelihood: 'likely', confirmed: true });
      expect(cause(evicted, 'eviction').evidence[0]!.summary).toMatch(/used_memory was \d+(\.\d+)? % of maxmemory/);
      expect(evicted.unchecked.filter((sentence) => /of the record could not be read/.test(sentence))).toEqual([
        '6 entries of the record could not be read (malformed or oversized) and were skipped.',
      ]);
      expect(evicted.checks.find((check) => check.id === 'record')).toMatchObject({ status: 'ok' });
      // Neither stream is pruned by a reader.
      for (const json of poison) expect(await state.zscore(layout.events, json)).not.toBeNull();
    } finally {
      await state.zrem(layout.events, ...poison);
      await state.zrem(layout.samples, ...samples);
    }
  });
});
