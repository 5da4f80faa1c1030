// KEYLOSS_SESSION_TTL and KEYLOSS_STATE_PREFIX reach the state Redis: an investigation is stored under the prefix and expires when idle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { slackConfigFromEnv } from '../../src/config/env.ts';
import type { FakeSlack } from '../support/fake-slack.ts';
import type { RedisProcess } from '../support/redis-server.ts';
import { startApp, startSurroundings, stopAllApps, type Surroundings } from '../support/app-process.ts';
import { BOT_TOKEN, SIGNING_SECRET, slackDriver } from '../support/slack-driver.ts';

let state: RedisProcess;
let fake: FakeSlack;
let surroundings: Surroundings;

beforeAll(async () => {
  surroundings = await startSurroundings();
  ({ state, fake } = surroundings);
}, 60_000);

afterAll(async () => {
  await stopAllApps();
  await surroundings?.close();
});

describe('session time to live', () => {
  it('reads KEYLOSS_SESSION_TTL as a duration, and refuses nonsense with a sentence', () => {
    const base = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET };
    const read = (ttl: string) => slackConfigFromEnv({ ...base, KEYLOSS_SESSION_TTL: ttl });
    expect(read('24h')).toMatchObject({ ok: true, config: { sessionTtlMs: 24 * 3_600_000 } });
    expect(read('90m')).toMatchObject({ ok: true, config: { sessionTtlMs: 90 * 60_000 } });
    expect(read('soon')).toEqual({ ok: false, reason: expect.stringContaining('KEYLOSS_SESSION_TTL: expected a duration') });
    expect(slackConfigFromEnv(base)).toMatchObject({ ok: true, config: { sessionTtlMs: 72 * 3_600_000 } });
  });

  it('stores an investigation under the configured prefix with the configured idle time', async () => {
    const app = await startApp('ttl', surroundings.env({ KEYLOSS_STATE_PREFIX: 'team-a:', KEYLOSS_SESSION_TTL: '2h' }));
    const slack = slackDriver(fake, app, { waitMs: 60_000 });
    await slack.command('orders session:1', 'U0TTL', { channel: 'CTTL0001' });
    const root = await slack.root('CTTL0001');
    const raw = new Redis(state.port, '127.0.0.1');
    try {
      const key = `team-a:state:keyloss:thread:CTTL0001:${root.ts}`;
      const ttl = await slack.waitFor(async () => {
        const ms = await raw.pttl(key);
        return ms > 0 ? ms : null;
      }, `the investigation under ${key}`);
      expect(ttl).toBeGreaterThan(3_600_000);
      expect(ttl).toBeLessThanOrEqual(2 * 3_600_000);
      // Nothing of this installation is stored outside its prefix.
      const outside = (await raw.keys('*')).filter((k) => !k.startsWith('team-a:'));
      expect(outside).toEqual([]);
    } finally {
      raw.disconnect();
    }
  }, 60_000);
});
