// The reasoning an expert does from what is not possible and from where a key lives, on real redis-server processes.
import { afterAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';
import { causeOf, diagnoseAt, expectTopCause, infoField, stagingClient, writeKeys } from './support.ts';

afterAll(() => stopAllRedis());

describe('reasoning by elimination', () => {
  it('volatile-lru evicting other keys, the missing family carries no TTL, DELs counted: deletion is likely', async () => {
    const redis = await startRedis(['--maxmemory', '3mb', '--maxmemory-policy', 'volatile-lru']);
    const since = new Date();
    const app = stagingClient(redis.url);
    await writeKeys(app, 'account:', 0, 500, 500);
    // Keys with a TTL fill memory past the limit: volatile-lru evicts among them, never among account:*.
    await writeKeys(app, 'cache:', 0, 4_000, 1_000, 3_600_000);
    expect(await infoField(app, 'evicted_keys')).toBeGreaterThan(0);
    const job = stagingClient(redis.url);
    await job.del(...Array.from({ length: 80 }, (_, i) => `account:${i}`));
    await job.quit();
    await app.quit();

    const report = await diagnoseAt(redis.url, { key: 'account:17', since });
    expect(report.verdict).toBe('explained');
    expectTopCause(report, 'deletion', 'likely', /DEL 1, UNLINK 0, HDEL 0, GETDEL 0 calls since the node started .*, and nothing else can have removed these keys \(/);
    expect(causeOf(report, 'deletion').evidence[0]?.summary).toMatch(/deletion is what is left$/);
    expect(causeOf(report, 'eviction').evidence.map((e) => e.summary).join('\n')).toMatch(/policy volatile-lru evicts only keys with a TTL, and none of the \d+ sampled account:\* keys/);
    expect(causeOf(report, 'eviction').likelihood).toBe('unlikely');
  });
});
