// investigate() itself: the checks a subset needs, progress, skipped Azure, closed connections, unreachable targets.
import { afterAll, describe, expect, it } from 'vitest';
import { investigate } from '../../src/investigate.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import { freePort, startRedis, stopAllRedis } from '../support/redis-server.ts';
import { sleep, stagingClient } from './support.ts';

afterAll(() => stopAllRedis());

const query = () => ({ key: 'k', isPattern: false, db: 0, since: new Date(), tier: null, scope: null });

describe('investigate', () => {
  it('runs the checks a subset needs, reports progress, and closes its connections', async () => {
    const redis = await startRedis();
    const progress: string[] = [];
    const result = await investigate(
      { redisUrl: redis.url, runbook: await loadDefaultRunbook(), query: query(), checks: ['memory', 'azure.metrics'] },
      { onProgress: (p) => progress.push(`${p.id}:${p.status}`) },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // memory reads what the info check found, so info runs too; Azure is skipped without a target.
    expect(result.report.checks.map((c) => [c.id, c.status])).toEqual([
      ['info', 'ok'],
      ['memory', 'ok'],
      ['azure.metrics', 'skipped'],
    ]);
    expect(result.report.checks[2]?.reason).toMatch(/no Azure resource configured/);
    expect(progress).toEqual(expect.arrayContaining(['info:running', 'info:ok', 'memory:ok', 'azure.metrics:skipped']));
    expect(result.commandsSent).toBeGreaterThan(0);

    const admin = stagingClient(redis.url);
    let clients = Number.POSITIVE_INFINITY;
    // The server notices closed sockets on its next event-loop turn; allow it a moment.
    for (let tries = 0; tries < 40 && clients > 1; tries += 1) {
      clients = String(await admin.client('LIST')).trim().split('\n').length;
      if (clients > 1) await sleep(50);
    }
    await admin.quit();
    expect(clients).toBe(1);
  });

  it('returns unreachable with host:port instead of throwing', async () => {
    const port = await freePort();
    const result = await investigate({ redisUrl: `redis://127.0.0.1:${port}`, runbook: await loadDefaultRunbook(), query: query() });
    expect(result).toMatchObject({ ok: false, kind: 'unreachable', endpoint: `127.0.0.1:${port}` });
  });
});
