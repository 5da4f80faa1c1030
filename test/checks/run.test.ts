// The check runner: needs, budgets, thrown errors, skips, refused commands, concurrency, progress and cancellation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecret } from '../../src/redact.ts';
import { DEFAULT_CHECK_OPTIONS } from '../../src/checks/registry.ts';
import { runChecks } from '../../src/checks/run.ts';
import { CheckSkipped, type Check, type CheckContext } from '../../src/checks/types.ts';
import type { CheckId, CheckProgress } from '../../src/domain/checks.ts';
import type { InfoData } from '../../src/domain/evidence.ts';
import type { RedisTarget } from '../../src/redis/target.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { open, queryFor } from './support.ts';

let server: RedisProcess;
let target: RedisTarget;

beforeAll(async () => {
  server = await startRedis();
  target = await open(server.url);
});
afterAll(async () => {
  await target.close();
  await stopRedis(server);
});

const EMPTY_INFO: InfoData = { clusterEnabled: false, nodes: [], unreachable: [] };

/** A check built for the test: any id, any behaviour. */
function check(id: CheckId, run: (ctx: CheckContext) => Promise<unknown>, options: { needs?: CheckId[]; budgetMs?: number } = {}): Check {
  return { id, title: `test ${id}`, budgetMs: options.budgetMs ?? 5_000, needs: options.needs ?? [], run: run as Check['run'] };
}

function context() {
  return { ...queryFor('k'), redis: target, azure: null, options: DEFAULT_CHECK_OPTIONS };
}

describe('runChecks', () => {
  it('runs a check after its needs and hands it their results', async () => {
    let seen: unknown;
    const results = await runChecks(
      [
        check('memory', async (ctx) => {
          seen = ctx.results.info;
          return {};
        }, { needs: ['info'] }),
        check('info', async () => EMPTY_INFO),
      ],
      context(),
    );
    expect(results.info).toMatchObject({ status: 'ok', data: EMPTY_INFO });
    expect(seen).toMatchObject({ id: 'info', status: 'ok' });
    expect(results.memory?.status).toBe('ok');
  });

  it('skips a check whose need failed, was skipped, or is not part of the run', async () => {
    const results = await runChecks(
      [
        check('info', async () => {
          throw new Error('INFO failed on 10.0.0.1:6379: boom');
        }),
        check('memory', async () => ({}), { needs: ['info'] }),
        check('clients', async () => {
          throw new CheckSkipped('not today');
        }),
        check('rates', async () => ({}), { needs: ['clients'] }),
        check('replication', async () => ({}), { needs: ['azure.resource'] }),
      ],
      context(),
    );
    expect(results.info).toMatchObject({ status: 'failed', error: 'INFO failed on 10.0.0.1:6379: boom' });
    expect(results.memory).toMatchObject({ status: 'skipped', reason: 'needs info, which failed: INFO failed on 10.0.0.1:6379: boom' });
    expect(results.clients).toMatchObject({ status: 'skipped', reason: 'not today' });
    expect(results.rates).toMatchObject({ status: 'skipped', reason: 'needs clients, which was skipped: not today' });
    expect(results.replication).toMatchObject({ status: 'skipped', reason: 'needs azure.resource, which is not part of this run' });
  });

  it('fails a check that outlives its budget, and aborts its signal', async () => {
    let aborted = false;
    const results = await runChecks(
      [
        check('rates', (ctx) =>
          new Promise(() => {
            ctx.signal.addEventListener('abort', () => {
              aborted = true;
            });
          }), { budgetMs: 50 }),
      ],
      context(),
    );
    expect(results.rates).toMatchObject({ status: 'failed', error: 'timed out after 50 ms' });
    expect(aborted).toBe(true);
  });

  it('redacts secrets from a thrown error', async () => {
    registerSecret('hunter2-very-secret');
    const results = await runChecks(
      [
        check('info', async () => {
          throw new Error('AUTH hunter2-very-secret rejected by redis://:hunter2-very-secret@cache:6380');
        }),
      ],
      context(),
    );
    expect(results.info?.status).toBe('failed');
    expect(JSON.stringify(results)).not.toContain('hunter2');
  });

  it('fails a check that tries a write, naming the refused command, without crashing the run', async () => {
    const results = await runChecks(
      [
        check('clients', async (ctx) => (await ctx.redis.gateway(ctx.redis.address)).call('FLUSHALL')),
        check('info', async () => EMPTY_INFO),
      ],
      context(),
    );
    expect(results.clients).toMatchObject({ status: 'failed', error: 'FLUSHALL is not a read-only command; keyloss refused to send it' });
    expect(results.info?.status).toBe('ok');
  });

  it('runs independent checks at the same time', async () => {
    // Each waits for the other to have started: run one after the other, both would time out.
    let startA!: () => void;
    let startB!: () => void;
    const aStarted = new Promise<void>((resolve) => (startA = resolve));
    const bStarted = new Promise<void>((resolve) => (startB = resolve));
    const results = await runChecks(
      [
        check('clients', async () => {
          startA();
          await bStarted;
          return {};
        }, { budgetMs: 5_000 }),
        check('rates', async () => {
          startB();
          await aStarted;
          return {};
        }, { budgetMs: 5_000 }),
      ],
      context(),
    );
    expect(results.clients?.status).toBe('ok');
    expect(results.rates?.status).toBe('ok');
  });

  it('reports progress: running, then the outcome with ms and the reason', async () => {
    const events: CheckProgress[] = [];
    await runChecks(
      [
        check('info', async () => EMPTY_INFO),
        check('memory', async () => {
          throw new Error('no');
        }, { needs: ['info'] }),
      ],
      context(),
      { onProgress: (progress) => events.push(progress) },
    );
    expect(events.map(({ id, status }) => `${id}:${status}`)).toEqual(['info:running', 'info:ok', 'memory:running', 'memory:failed']);
    expect(events[3]).toMatchObject({ title: 'test memory', detail: 'no', ms: expect.any(Number) });
  });

  it('stops on cancellation: running checks fail as cancelled, waiting ones are skipped', async () => {
    const controller = new AbortController();
    const results = await runChecks(
      [
        check('info', () => {
          controller.abort();
          return new Promise(() => undefined);
        }),
        check('memory', async () => ({}), { needs: ['info'] }),
      ],
      context(),
      { signal: controller.signal },
    );
    expect(results.info).toMatchObject({ status: 'failed', error: 'cancelled' });
    expect(results.memory).toMatchObject({ status: 'skipped', reason: 'needs info, which failed: cancelled' });
  });
});
