// What /keyloss refuses before anything is posted in the channel, through the real Bolt receiver with signed requests:
// a mistyped cache name gets "did you mean", in the ephemeral ack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { startSlackApp, type InProcessApp } from '../support/slack-app.ts';

const ONCALL = 'U0ONCALL';
let redis: RedisProcess;
let h: InProcessApp;

beforeAll(async () => {
  redis = await startRedis();
  h = await startSlackApp({
    caches: ['caches:', '  evict:', `    url: redis://127.0.0.1:${redis.port}`, '    tier: standard', '  expire:', `    url: redis://127.0.0.1:${redis.port}`, '    tier: standard'].join('\n'),
  });
});

afterAll(async () => {
  await h?.stop();
  await stopAllRedis();
});

describe('/keyloss, refused in the ack', () => {
  it('a mistyped cache name: "did you mean evict?", ephemeral, and nothing posted', async () => {
    const res = await h.command('evcit', ONCALL);
    expect(res.json).toMatchObject({ response_type: 'ephemeral', text: 'keyloss: "evcit" is not a configured cache: did you mean "evict"? (For a key of that name, give the cache first.)' });
    const again = await h.command('evcit session:17 since 1h', ONCALL);
    expect(JSON.stringify(again.json)).toContain('did you mean \\"evict\\"?');
    expect(h.fake.messages).toEqual([]);
    expect(h.fake.breaches).toEqual([]);
  });
});
