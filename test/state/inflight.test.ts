// In-flight run records shared by two replicas through a real state Redis: one winner, heartbeats, takeover, shutdown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { InFlightRegistry, runStatus, type InFlightRun } from '../../src/state/inflight.ts';
import { MemoryStateStore } from '../../src/state/memory.ts';
import { openRedisStateStore, type RedisStateStore } from '../../src/state/redis.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

let redis: RedisProcess;
const stores: RedisStateStore[] = [];

async function store(): Promise<RedisStateStore> {
  const opened = await openRedisStateStore(redis.url, { prefix: 'inflight-test:' });
  if (!opened.ok) throw new Error(opened.reason);
  stores.push(opened.store);
  return opened.store;
}

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await stopRedis(redis);
});

const run = (over: Partial<InFlightRun> = {}): InFlightRun => ({
  runId: 'r1',
  replica: 'api-1',
  startedAt: '2026-11-26T05:00:00.000Z',
  heartbeatAt: '2026-11-26T05:00:10.000Z',
  endedAt: null,
  outcome: null,
  note: null,
  ...over,
});

describe('runStatus', () => {
  it('tells idle, running and lost apart', () => {
    const at = (iso: string) => new Date(iso);
    expect(runStatus(null, at('2026-11-26T05:00:11Z'), 15_000)).toEqual({ status: 'idle', last: null });
    expect(runStatus(run({ outcome: 'finished' }), at('2026-11-26T06:00:00Z'), 15_000).status).toBe('idle');
    expect(runStatus(run(), at('2026-11-26T05:00:20Z'), 15_000)).toMatchObject({ status: 'running', silentForMs: 10_000 });
    const lost = runStatus(run(), at('2026-11-26T05:00:30Z'), 15_000);
    expect(lost).toMatchObject({ status: 'lost' });
    if (lost.status === 'lost') expect(lost.why).toMatch(/replica api-1 .* not been heard from for 20 s/);
    const interrupted = runStatus(run({ outcome: 'interrupted', note: 'replica api-1 shut down' }), at('2026-11-26T05:00:11Z'), 15_000);
    expect(interrupted).toMatchObject({ status: 'lost', why: 'replica api-1 shut down' });
  });

  it('names what a lost run ran: checks for a record that does not say (written before watches had runs), or the watch', () => {
    const at = new Date('2026-11-26T05:00:30Z');
    expect(runStatus(run(), at, 15_000)).toMatchObject({ why: expect.stringMatching(/^replica api-1 started the checks at /) });
    const watch = runStatus(run({ what: 'watch', progressTs: '1700000000.000200' }), at, 15_000);
    expect(watch).toMatchObject({ status: 'lost', run: { what: 'watch', progressTs: '1700000000.000200' } });
    if (watch.status === 'lost') expect(watch.why).toBe('replica api-1 started the watch at 2026-11-26T05:00:00.000Z and has not been heard from for 20 s (it probably crashed or restarted)');
  });
});

describe('InFlightRegistry', () => {
  it('lets one of two replicas begin at once, and the other see it running until it ends', async () => {
    const a = new InFlightRegistry(await store(), { replica: 'api-1', heartbeatMs: 60_000 });
    const b = new InFlightRegistry(await store(), { replica: 'api-2', heartbeatMs: 60_000 });
    const [fromA, fromB] = await Promise.all([a.begin('C1:1.1'), b.begin('C1:1.1')]);
    expect([fromA.ok, fromB.ok].filter(Boolean)).toHaveLength(1);
    const winner = fromA.ok ? fromA : fromB.ok ? fromB : null;
    const loser = fromA.ok ? fromB : fromA;
    expect(loser).toMatchObject({ ok: false, status: { status: 'running', run: { replica: winner?.run.replica } } });
    const winnerRegistry = fromA.ok ? a : b;
    expect(winnerRegistry.active().map((r) => r.incident)).toEqual(['C1:1.1']);
    if (winner) await winnerRegistry.end('C1:1.1', winner.run.runId);
    expect(winnerRegistry.active()).toEqual([]);
    expect((await b.status('C1:1.1')).status).toBe('idle');
    const again = await b.begin('C1:1.1');
    expect(again.ok).toBe(true);
    // A running record lives as long as a session; a finished one is dropped within a minute.
    const raw = new Redis(redis.port, '127.0.0.1');
    try {
      expect(await raw.pttl('inflight-test:state:inflight:C1:1.1')).toBeGreaterThan(3_600_000);
      if (again.ok) await b.end('C1:1.1', again.run.runId);
      const left = await raw.pttl('inflight-test:state:inflight:C1:1.1');
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(60_000);
    } finally {
      raw.disconnect();
    }
  });

  it('renews the heartbeat while checks run', async () => {
    const a = new InFlightRegistry(await store(), { replica: 'api-1', heartbeatMs: 60, staleAfterMs: 60_000 });
    const begun = await a.begin('C1:2.2');
    if (!begun.ok) throw new Error('expected to begin');
    await waitFor(async () => {
      const status = await a.status('C1:2.2');
      return status.status === 'running' && status.run.heartbeatAt > begun.run.heartbeatAt;
    }, 'a heartbeat');
    await a.end('C1:2.2', begun.run.runId);
  });

  it('lets another replica take over a run whose replica went silent, and stops the silent one', async () => {
    const shared = await store();
    const a = new InFlightRegistry(shared, { replica: 'api-1', heartbeatMs: 50, staleAfterMs: 5_000 });
    const begun = await a.begin('C1:3.3');
    if (!begun.ok) throw new Error('expected to begin');
    // Replica B's clock is a minute ahead: from where it stands, api-1 has been silent far too long.
    const later = () => new Date(Date.now() + 60_000);
    const b = new InFlightRegistry(shared, { replica: 'api-2', heartbeatMs: 60_000, staleAfterMs: 5_000, clock: later });
    const status = await b.status('C1:3.3');
    expect(status).toMatchObject({ status: 'lost', run: { replica: 'api-1' } });
    const taken = await b.begin('C1:3.3');
    expect(taken).toMatchObject({ ok: true, replaces: { run: { replica: 'api-1', runId: begun.run.runId }, why: expect.stringContaining('api-1') } });
    await waitFor(() => begun.signal.aborted, 'the silent replica to notice the takeover');
    expect(String((begun.signal.reason as Error).message)).toContain('api-2 took over');
    expect(a.active()).toEqual([]);
    // The silent replica finishing late does not overwrite the new run.
    await a.end('C1:3.3', begun.run.runId);
    expect(await b.status('C1:3.3')).toMatchObject({ status: 'running', run: { replica: 'api-2' } });
  });

  it('records runs interrupted by a shutdown so the next click offers a re-run at once', async () => {
    const a = new InFlightRegistry(await store(), { replica: 'api-1', heartbeatMs: 60_000 });
    const one = await a.begin('C1:4.4');
    const two = await a.begin('C1:5.5');
    if (!one.ok || !two.ok) throw new Error('expected to begin');
    const interrupted = await a.interruptAll('replica api-1 shut down while the checks ran');
    expect(interrupted.sort()).toEqual(['C1:4.4', 'C1:5.5']);
    expect(one.signal.aborted && two.signal.aborted).toBe(true);
    expect(one.signal.reason).toMatchObject({ name: 'RunInterrupted', by: 'shutdown' });
    // Interrupted runs stay active until their owner ends them, so a shutdown can wait for them to report.
    expect(await a.drained(0)).toBe(false);
    await a.end('C1:4.4', one.run.runId);
    await a.end('C1:5.5', two.run.runId);
    expect(await a.drained(1_000)).toBe(true);
    const b = new InFlightRegistry(await store(), { replica: 'api-2', heartbeatMs: 60_000 });
    expect(await b.status('C1:4.4')).toMatchObject({ status: 'lost', why: 'replica api-1 shut down while the checks ran' });
    const rerun = await b.begin('C1:4.4');
    expect(rerun).toMatchObject({ ok: true, replaces: { run: { outcome: 'interrupted' }, why: 'replica api-1 shut down while the checks ran' } });
  });

  it('hands each run whose replica went silent to exactly one replica, once; finished, running and shut-down runs to none', async () => {
    const shared = await store();
    const crashed = new InFlightRegistry(shared, { replica: 'api-1', heartbeatMs: 60_000 });
    const lost = await crashed.begin('C2:1.1');
    const finished = await crashed.begin('C2:2.2');
    if (!lost.ok || !finished.ok) throw new Error('expected to begin');
    await crashed.end('C2:2.2', finished.run.runId);
    const stopping = new InFlightRegistry(shared, { replica: 'api-5', heartbeatMs: 60_000 });
    const shutDown = await stopping.begin('C2:3.3');
    if (!shutDown.ok) throw new Error('expected to begin');
    await stopping.interruptAll('replica api-5 shut down');
    await stopping.end('C2:3.3', shutDown.run.runId);
    const live = new InFlightRegistry(shared, { replica: 'api-3', heartbeatMs: 60_000 });
    const running = await live.begin('C2:4.4');
    if (!running.ok) throw new Error('expected to begin');
    // Seen now, every run was heard from a moment ago: none is lost.
    expect((await live.claimLost()).filter((l) => l.incident.startsWith('C2:'))).toEqual([]);

    // Two replicas a minute later sweep at once: each silent run goes to one of them; the finished and the shut-down run to none.
    const later = () => new Date(Date.now() + 60_000);
    const sweepers = ['api-2', 'api-4'].map((replica) => new InFlightRegistry(shared, { replica, heartbeatMs: 60_000, staleAfterMs: 5_000, clock: later }));
    const [one, two] = await Promise.all(sweepers.map((r) => r.claimLost()));
    const claimed = [...one!, ...two!].filter((l) => l.incident.startsWith('C2:'));
    expect(claimed.map((l) => l.incident).sort()).toEqual(['C2:1.1', 'C2:4.4']);
    expect(claimed.find((l) => l.incident === 'C2:1.1')).toMatchObject({ run: { replica: 'api-1', runId: lost.run.runId }, why: expect.stringContaining('api-1') });
    // Swept again: nothing new.
    expect((await sweepers[0]!.claimLost()).filter((l) => l.incident.startsWith('C2:'))).toEqual([]);
    await live.end('C2:4.4', running.run.runId);
    await crashed.end('C2:1.1', lost.run.runId);
  });

  it('stops a run whose replica was reported lost by another, at its next heartbeat: one outcome per run', async () => {
    const shared = await store();
    const a = new InFlightRegistry(shared, { replica: 'api-1', heartbeatMs: 50, staleAfterMs: 5_000 });
    const begun = await a.begin('C3:1.1');
    if (!begun.ok) throw new Error('expected to begin');
    // From where api-2 stands (its clock a minute ahead), api-1 went silent: it reports the run lost in the thread.
    const b = new InFlightRegistry(shared, { replica: 'api-2', heartbeatMs: 60_000, staleAfterMs: 5_000, clock: () => new Date(Date.now() + 60_000) });
    expect((await b.claimLost()).map((l) => l.incident)).toContain('C3:1.1');
    await waitFor(() => begun.signal.aborted, 'api-1 to stop the run that was reported lost');
    expect(begun.signal.reason).toMatchObject({ name: 'RunInterrupted', by: 'takeover', message: expect.stringMatching(/^another replica reported these checks as lost: replica api-1/) });
    await a.end('C3:1.1', begun.run.runId);
    // Still recorded as lost, so Re-run checks starts it again at once; no later sweep reports it twice.
    expect(await b.status('C3:1.1')).toMatchObject({ status: 'lost', run: { outcome: 'interrupted' } });
    expect((await b.claimLost()).map((l) => l.incident)).not.toContain('C3:1.1');
    expect(await b.begin('C3:1.1')).toMatchObject({ ok: true, replaces: { run: { replica: 'api-1' } } });
  });

  it('stops a run whose replica cannot reach the state Redis for as long as others need to judge it lost, and leaves it to a sweep', async () => {
    const opened = await openRedisStateStore(redis.url, { prefix: 'inflight-test:', commandTimeoutMs: 150 });
    if (!opened.ok) throw new Error(opened.reason);
    stores.push(opened.store);
    const a = new InFlightRegistry(opened.store, { replica: 'api-1', heartbeatMs: 100, staleAfterMs: 600 });
    const begun = await a.begin('C3:2.2');
    if (!begun.ok) throw new Error('expected to begin');
    redis.pause();
    try {
      await waitFor(() => begun.signal.aborted, 'api-1 to stop the run it can no longer vouch for', 10_000);
    } finally {
      redis.resume();
    }
    expect(begun.signal.reason).toMatchObject({ by: 'takeover', message: expect.stringMatching(/^replica api-1 could not reach the state Redis for \d+ s$/) });
    // Its checks end; the record is left as the outage left it, so the next sweep (here or elsewhere) reports it.
    await a.end('C3:2.2', begun.run.runId);
    const sweeper = new InFlightRegistry(await store(), { replica: 'api-2', heartbeatMs: 60_000, staleAfterMs: 600, clock: () => new Date(Date.now() + 60_000) });
    expect((await sweeper.claimLost()).find((l) => l.incident === 'C3:2.2')).toMatchObject({ run: { replica: 'api-1', runId: begun.run.runId } });
  });

  it('keeps what a run runs in its record, and reads records written before runs said so', async () => {
    const shared = await store();
    const a = new InFlightRegistry(shared, { replica: 'api-1', heartbeatMs: 60_000 });
    const watch = await a.begin('C4:1.1:watch:1.2', { what: 'watch', progressTs: '1.2' });
    const checks = await a.begin('C4:1.1');
    if (!watch.ok || !checks.ok) throw new Error('expected both to begin: a watch and the checks of one thread are two runs');
    expect(await a.status('C4:1.1:watch:1.2')).toMatchObject({ status: 'running', run: { what: 'watch', progressTs: '1.2' } });
    // An older replica's record: no `what`, no `progressTs`.
    const raw = new Redis(redis.port, '127.0.0.1');
    try {
      const old = { ...checks.run, runId: 'old-record' };
      expect(JSON.parse((await raw.hget('inflight-test:state:inflight:C4:1.1', 'j'))!)).not.toHaveProperty('what');
      await raw.hset('inflight-test:state:inflight:C4:2.2', 'v', 1, 'j', JSON.stringify(old));
    } finally {
      raw.disconnect();
    }
    expect(await a.status('C4:2.2')).toMatchObject({ status: 'running', run: { runId: 'old-record' } });
    await a.end('C4:1.1:watch:1.2', watch.run.runId);
    await a.end('C4:1.1', checks.run.runId);
  });

  it('works the same on the in-memory store', async () => {
    const memory = new MemoryStateStore();
    const a = new InFlightRegistry(memory, { replica: 'solo', heartbeatMs: 60_000 });
    const begun = await a.begin('C9:1.1');
    expect(begun.ok).toBe(true);
    expect((await a.begin('C9:1.1')).ok).toBe(false);
    const silent = await a.begin('C9:2.2');
    const later = new InFlightRegistry(memory, { replica: 'next', heartbeatMs: 60_000, clock: () => new Date(Date.now() + 600_000) });
    expect((await later.claimLost()).map((l) => l.incident).sort()).toEqual(['C9:1.1', 'C9:2.2']);
    expect(await later.claimLost()).toEqual([]);
    if (begun.ok) await a.end('C9:1.1', begun.run.runId);
    if (silent.ok) await a.end('C9:2.2', silent.run.runId);
    // Reported lost in its thread, it stays lost (Re-run checks starts it again); a run nobody reported ends idle.
    expect((await a.status('C9:1.1')).status).toBe('lost');
    const normal = await a.begin('C9:3.3');
    if (normal.ok) await a.end('C9:3.3', normal.run.runId);
    expect((await a.status('C9:3.3')).status).toBe('idle');
  });
});
