// What the record saw outranks what INFO infers when the record covers the window: a restart that kept its keys is no
// cause, the restart's own reconnect gap hides nothing, a later flush outranks an earlier restart, and a `del` keyevent
// is a client delete only when removing commands were sent. Real servers, a real recorder, the whole investigation.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGlobPattern } from '../../src/domain/query.ts';
import { investigate } from '../../src/investigate.ts';
import { RecordLayout } from '../../src/record/layout.ts';
import { Recorder } from '../../src/record/recorder.ts';
import type { Report } from '../../src/report/model.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import { fastRecorderOptions, recordTarget } from '../support/recorder.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

const PREFIX = 'klreason:';
let stateServer: RedisProcess;
let state: Redis;
let recorder: Recorder;
/** Keeps its keys across a restart (an RDB saved at shutdown). */
let persistent: RedisProcess;
/** Persistence off: a restart empties it. */
let volatile: RedisProcess;
/** Never restarted, never sent a DEL. */
let queues: RedisProcess;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function diagnose(cache: RedisProcess, id: string, key: string, since: Date): Promise<Report> {
  const result = await investigate({
    redisUrl: cache.url,
    cache: id,
    runbook: await loadDefaultRunbook(),
    query: { key, isPattern: isGlobPattern(key), db: 0, since, tier: null, scope: null },
    options: { rateIntervalMs: 0 },
    record: { client: state, prefix: PREFIX },
  });
  if (!result.ok) throw new Error(result.reason);
  return result.report;
}

function summary(report: Report): string {
  return report.causes.map((c) => `${c.id} ${c.likelihood} ${c.score}${c.confirmed ? ' CONFIRMED' : ''}: ${c.evidence.map((e) => e.summary).join(' | ')}`).join('\n');
}

function client(cache: RedisProcess): Redis {
  const app = new Redis(cache.port, { retryStrategy: () => 50, maxRetriesPerRequest: 0 });
  app.on('error', () => undefined);
  return app;
}

/** The recorder's subscription on `cache` is (back) in place. */
async function subscribed(cache: RedisProcess): Promise<void> {
  const admin = client(cache);
  try {
    await waitFor(async () => /psub=[1-9]/.test(String(await admin.client('LIST').catch(() => ''))), `the recorder's subscription on ${cache.port}`);
  } finally {
    admin.disconnect();
  }
}

/** The record of `id` holds a dated event of `type` at or after `after`. */
async function recorded(id: string, type: string, after: number): Promise<void> {
  const layout = new RecordLayout(PREFIX, id);
  await waitFor(async () => (await state.zrangebyscore(layout.events, after - 60_000, '+inf')).some((json) => {
    const event = JSON.parse(json) as { type: string; at: number };
    return event.type === type && event.at >= after;
  }), `a recorded ${type} of ${id}`);
}

beforeAll(async () => {
  [persistent, volatile, queues, stateServer] = await Promise.all([
    startRedis(['--notify-keyspace-events', 'Exeg', '--save', '3600 1']),
    startRedis(['--notify-keyspace-events', 'Exeg']),
    startRedis(['--notify-keyspace-events', 'Exeg']),
    startRedis(),
  ]);
  state = new Redis(stateServer.port);
  recorder = new Recorder(
    state,
    [recordTarget('persistent', persistent.url), recordTarget('volatile', volatile.url), recordTarget('queues', queues.url)],
    fastRecorderOptions(PREFIX, 'test'),
  );
  await recorder.start();
  await Promise.all([subscribed(persistent), subscribed(volatile), subscribed(queues)]);
}, 60_000);

afterAll(async () => {
  await recorder.stop();
  state.disconnect();
  await stopAllRedis();
});

describe('the record ranks first when it covers the window', () => {
  it('order:* deleted by a job, then a restart that kept its keys: deletion confirmed first, the restart no cause', async () => {
    const app = client(persistent);
    const keep = app.pipeline();
    for (let i = 0; i < 2_000; i++) keep.set(`keep:${i}`, 'x');
    for (let i = 0; i < 300; i++) keep.set(`order:${i}`, 'x');
    await keep.exec();
    await sleep(300);
    const since = new Date();
    const job = app.pipeline();
    for (let i = 0; i < 300; i++) job.del(`order:${i}`);
    await job.exec();
    await sleep(300);
    const restartedAfter = Date.now();
    await persistent.restart();
    await subscribed(persistent);
    await recorded('persistent', 'restart', restartedAfter - 1_000);
    app.disconnect();

    const report = await diagnose(persistent, 'persistent', 'order:*', since);
    expect(report.causes[0], summary(report)).toMatchObject({ id: 'deletion', likelihood: 'likely', confirmed: true });
    expect(report.causes[0]!.evidence[0]!.summary).toMatch(/^300 order:\* keys deleted .*100 % of the 300 order:\* removals recorded/);
    const failure = report.causes.find((c) => c.id === 'instance-failure')!;
    expect(failure.likelihood, summary(report)).toMatch(/^(unlikely|unknown)$/);
    expect(failure.evidence.map((e) => e.summary).join('\n')).toMatch(/restarted .* \(2,000 keys before, 2,000 after\) \(recorded run_id change\): it kept its keys, so it removed none/);
    // The restart's gap is said, and names the node it was on.
    expect(report.record!.gaps.some((gap) => /could not be recorded/.test(gap.why))).toBe(true);
  }, 60_000);
});

describe('"confirmed" only when the record shows that cause removing those keys', () => {
  it('restart, writes, flush, 20 times in a row: every run says flush, and nothing else is confirmed', async () => {
    const runs: string[] = [];
    for (let run = 0; run < 20; run += 1) {
      const app = client(volatile);
      const stock = app.pipeline();
      for (let i = 0; i < 1_000; i++) stock.set(`stock:${i}`, 'x');
      await stock.exec();
      await sleep(300);
      const since = new Date();
      await volatile.restart();
      await subscribed(volatile);
      await recorded('volatile', 'restart', since.getTime() - 1_000);
      const basket = app.pipeline();
      for (let i = 0; i < 200; i++) basket.set(`basket:${i}`, 'x');
      await basket.exec();
      await sleep(300);
      const flushedAfter = Date.now();
      await app.flushdb();
      await recorded('volatile', 'flush', flushedAfter);
      app.disconnect();

      const report = await diagnose(volatile, 'volatile', 'basket:*', since);
      runs.push(`run ${run}:\n${summary(report)}`);
      const detail = runs.join('\n\n');
      expect(report.causes[0]?.id, detail).toBe('flush');
      expect(report.causes[0]?.likelihood, detail).toBe('likely');
      expect(report.causes.filter((c) => c.confirmed).map((c) => c.id), detail).toEqual(['flush']);
      expect(report.causes[0]!.evidence[0]!.summary).toMatch(/^FLUSHDB ×1 on .* \(200 keys before, 0 after\) \(recorded from INFO commandstats\)/);
      const failure = report.causes.find((c) => c.id === 'instance-failure')!;
      expect(failure.evidence.map((e) => e.summary).join('\n')).toMatch(/restarted .* \(1,000 keys before, 0 after\) \(recorded run_id change\), but FLUSHDB ×1 on .* emptied the db again/);
    }
  }, 120_000);

  it('collections emptied by LPOP and SREM publish del, but no DEL was sent: deletion is not confirmed', async () => {
    const app = client(queues);
    const fill = app.pipeline();
    for (let i = 0; i < 50; i++) fill.rpush(`queue:${i}`, 'a', 'b');
    for (let i = 0; i < 50; i++) fill.sadd(`tags:${i}`, 'x');
    await fill.exec();
    // Whole seconds of uptime: the keys are last seen a little more than one after the node started.
    await sleep(1_100);
    const since = new Date();
    const drain = app.pipeline();
    for (let i = 0; i < 50; i++) drain.lpop(`queue:${i}`, 2);
    for (let i = 0; i < 50; i++) drain.srem(`tags:${i}`, 'x');
    await drain.exec();
    expect(await app.exists('queue:1', 'tags:1')).toBe(0);
    await sleep(300);
    app.disconnect();

    for (const key of ['queue:*', 'queue:1', 'tags:*']) {
      const report = await diagnose(queues, 'queues', key, since);
      const deletion = report.causes.find((c) => c.id === 'deletion')!;
      expect(deletion.confirmed, summary(report)).toBeUndefined();
      expect(report.causes.some((c) => c.confirmed), summary(report)).toBe(false);
      expect(deletion.evidence.map((e) => e.summary).join('\n'), key).toMatch(
        /not shown to be (a )?client deletes?: no DEL, UNLINK or GETDEL call was made since the node started, before these events; a collection emptied by LPOP, SREM, ZPOPMIN or the like is removed with a del event/,
      );
    }
  }, 60_000);
});
