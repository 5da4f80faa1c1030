// The one check-node service, against real redis-servers: the concluded session with its report, or one failure
// sentence; the checks it plans are the checks that report (needs and the record included).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_AZURE_ACCESS } from '../../src/azure/context.ts';
import { parseCaches } from '../../src/config/caches.ts';
import { runCheckNode, type CheckNodeInput } from '../../src/core/check-node.ts';
import type { CheckProgress } from '../../src/domain/checks.ts';
import { createEngine, type Session } from '../../src/runbook/engine.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import type { Runbook } from '../../src/runbook/schema.ts';
import { freePort, startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';

const NOW = new Date();
let redis: RedisProcess;
let state: RedisProcess;
let runbook: Runbook;

beforeAll(async () => {
  [redis, state, runbook] = await Promise.all([startRedis(), startRedis(), loadDefaultRunbook()]);
  const app = new Redis(redis.url);
  await app.set('session:1', 'here');
  await app.quit();
});
afterAll(() => stopAllRedis());

/** A session at the check node, answered ahead as any surface answers it. */
function atChecks(cache: string, answers: Record<string, string> = {}): { engine: ReturnType<typeof createEngine>; session: Session } {
  const engine = createEngine(runbook);
  const started = engine.start(NOW, { cache, tier: 'standard', key: 'session:1', db: '0', since: '15m', scope: 'partial', ...answers });
  if (!started.ok) throw new Error(started.error.message);
  expect(engine.current(started.session)?.kind).toBe('check');
  return { engine, session: started.session };
}

function input(cache: string, extra: Partial<CheckNodeInput> = {}, answers: Record<string, string> = {}): CheckNodeInput {
  return {
    ...atChecks(cache, answers),
    targets: { cachesPath: 'caches.yaml', secrets: {}, caches: parseCaches(`caches:\n  orders:\n    url: ${redis.url}\n  gone:\n    url: redis://127.0.0.1:1\n`, 'caches.yaml') },
    azure: NO_AZURE_ACCESS,
    record: null,
    rateIntervalMs: 0,
    ...extra,
  };
}

describe('runCheckNode', () => {
  it('concludes the session with the report, and plans every check that reports: the needs and the record too', async () => {
    const seen = new Set<string>();
    let planned: string[] = [];
    const result = await runCheckNode(input('orders', { record: { url: state.url, prefix: 'keyloss:' } }), {
      onPlanned: (plan) => {
        planned = plan.checks;
        expect(plan.target.cache).toBe('orders');
        expect(plan.query).toMatchObject({ key: 'session:1', db: 0, tier: 'standard', scope: 'partial' });
      },
      onProgress: (progress: CheckProgress) => seen.add(progress.id),
    });
    expect(result.ok, result.ok ? '' : result.sentence).toBe(true);
    if (!result.ok) return;
    expect(result.report.verdict).toBe('no-loss');
    expect(result.session.status).toBe('concluded');
    expect(result.conclusion?.title).toBe('The key is there');
    expect(result.session.findings).toEqual({ verdict: 'no-loss', topCause: null, keyType: 'string' });
    // "13 of 12 checks done" came from a record check that reported without being planned.
    expect(planned).toContain('record');
    for (const id of seen) expect(planned).toContain(id);
    expect(result.report.checks.map((c) => c.id)).toEqual(planned);
  });

  it('a cache that does not answer: one sentence naming it, host:port and the reason', async () => {
    const result = await runCheckNode(input('gone'));
    expect(result).toMatchObject({ ok: false, kind: 'unreachable', sentence: 'The cache gone at 127.0.0.1:1 could not be reached: connection refused' });
  });

  it('a typed URL that does not answer: the same sentence without a name', async () => {
    const port = await freePort();
    const result = await runCheckNode(input(`redis://:Pw-never-shown@127.0.0.1:${port}`));
    expect(result).toMatchObject({ ok: false, kind: 'unreachable', sentence: `The cache at 127.0.0.1:${port} could not be reached: connection refused` });
    expect(result.ok ? '' : result.sentence).not.toContain('Pw-never-shown');
  });

  it('a cache no longer in the caches file, and a URL where only names are taken (Slack), fail before any check', async () => {
    let planned = false;
    const onPlanned = (): void => {
      planned = true;
    };
    const missing = await runCheckNode(input('payments'), { onPlanned });
    expect(missing).toMatchObject({ ok: false, kind: 'target', plan: null, sentence: expect.stringMatching(/^No cache named “payments” in caches\.yaml \(it has: orders, gone\)/) });
    const typed = input(redis.url);
    const url = await runCheckNode({ ...typed, targets: { ...typed.targets, urlAuth: null } }, { onPlanned });
    expect(url).toMatchObject({ ok: false, kind: 'target', sentence: expect.stringMatching(/name of a cache from the caches file/) });
    expect(planned).toBe(false);
  });

  it('a db the server does not have: the sentence is about the answer', async () => {
    const result = await runCheckNode(input('orders', {}, { db: '99' }));
    expect(result).toMatchObject({ ok: false, kind: 'no-such-db', sentence: 'db 99 does not exist on this server (16 databases: 0 to 15)' });
  });

  it('a session that is not at its checks is not run', async () => {
    const engine = createEngine(runbook);
    const started = engine.start(NOW, {});
    if (!started.ok) throw new Error(started.error.message);
    const result = await runCheckNode({ ...input('orders'), engine, session: started.session });
    expect(result).toMatchObject({ ok: false, kind: 'not-checking' });
  });
});
