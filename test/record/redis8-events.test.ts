// Keyevents of newer servers, counted by name in keyloss watch: `hexpired` (Redis 7.4+, hash fields expiring; run on
// Redis 8.0.2, built by .ci/servers, failing with the reason where it is missing) and Redis 8.2's `overwritten` and
// `type_changed`. Redis 8.2 is not on this machine: its two events are published on their channels by hand, as 8.2
// publishes them, so the test proves keyloss subscribes to and counts them, not that 8.2 sends them.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watch } from '../../src/record/watch.ts';
import { parseRedisUrl } from '../../src/redis/url.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';

let server: RedisProcess;

beforeAll(async () => {
  server = await startRedis(['--notify-keyspace-events', 'KEA'], { server: 'redis-8' });
});
afterAll(stopAllRedis);

describe('keyloss watch on Redis 8', () => {
  it('counts hexpired by name, and overwritten and type_changed when a server publishes them', async () => {
    const parsed = parseRedisUrl(server.url);
    if (!parsed.ok) throw new Error(parsed.reason);
    const app = new Redis(server.port);
    const outcome = await watch(
      { endpoint: parsed.endpoint, key: 'sess:*', db: null, durationMs: 2_000 },
      {
        capture: { sampleIntervalMs: 200 },
        onReady: () => {
          void (async () => {
            for (let i = 0; i < 3; i++) await app.hset(`sess:${i}`, 'user', 'u', 'token', 't');
            for (let i = 0; i < 3; i++) await app.call('HPEXPIRE', `sess:${i}`, '50', 'FIELDS', '1', 'token');
            await app.publish('__keyevent@0__:overwritten', 'sess:9');
            await app.publish('__keyevent@0__:overwritten', 'cart:1');
            await app.publish('__keyevent@0__:type_changed', 'sess:9');
          })();
        },
      },
    );
    app.disconnect();
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const byType = Object.fromEntries(outcome.result.events.map((event) => [event.type, event]));
    expect(byType.hexpired?.count).toBe(3);
    expect(byType.hexpired?.matching).toBe(3);
    expect(byType.overwritten).toMatchObject({ count: 2, matching: 1, sample: ['sess:9'] });
    expect(byType.type_changed).toMatchObject({ count: 1, matching: 1 });
    expect(outcome.result.summary).toMatch(/3 sess:\* keys lost hash fields to expiry/);
    expect(outcome.result.summary).toMatch(/1 sess:\* keys overwritten in 2 s \(2 keys in all\)/);
  });
});
