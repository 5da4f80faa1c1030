// A cache that streams one endless pub/sub message after SUBSCRIBE: the subscriber's bytes are bounded with no command
// outstanding, the connection closes at the cap, watch and record write a gap with the reason, and the rest goes on.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordLayout } from '../../src/record/layout.ts';
import { Recorder } from '../../src/record/recorder.ts';
import { watch } from '../../src/record/watch.ts';
import { MAX_REPLY_BYTES, openGateway } from '../../src/redis/connection.ts';
import { parseRedisUrl, type RedisEndpoint } from '../../src/redis/url.ts';
import { endlessMessage, startHostileRedis, type HostileServer } from '../support/hostile-redis.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { fastRecorderOptions } from '../support/recorder.ts';
import { waitFor } from '../support/wait.ts';

const CAP = new RegExp(`more than ${MAX_REPLY_BYTES / 1_048_576} MB in one message`);

let flood: HostileServer;
let endpoint: RedisEndpoint;
let stateServer: RedisProcess;
beforeAll(async () => {
  [flood, stateServer] = await Promise.all([startHostileRedis(endlessMessage()), startRedis()]);
  const parsed = parseRedisUrl(flood.url);
  if (!parsed.ok) throw new Error(parsed.reason);
  endpoint = parsed.endpoint;
});
afterAll(async () => {
  await flood.close();
  await stopAllRedis();
});

describe('an endless pub/sub message', () => {
  it('closes the subscriber at the cap with the reason, though no command is outstanding', async () => {
    const closed = new Promise<string>((resolve) => {
      void openGateway(endpoint, { onMessage: () => undefined, onClose: resolve, commandTimeoutMs: 30_000 }).then(async (opened) => {
        if (!opened.ok) throw new Error(opened.reason);
        await opened.gateway.call('subscribe', '__keyevent@0__:del');
      });
    });
    expect(await closed).toMatch(CAP);
  }, 30_000);

  it('watch reports the time the node was away as a gap with the reason, and still ends with its numbers', async () => {
    const outcome = await watch({ endpoint, key: null, db: null, durationMs: 2_500 }, { capture: { backoff: { minMs: 100, maxMs: 200 } } });
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.result.gaps.length).toBeGreaterThan(0);
    expect(outcome.result.gaps[0]!.why).toMatch(CAP);
    expect(outcome.result.ended).toBe('time');
  }, 30_000);

  it('record writes the gap with the reason into the record and keeps recording', async () => {
    const state = new Redis(stateServer.port);
    const layout = new RecordLayout('klflood:', 'flood');
    const recorder = new Recorder(state, [{ id: 'flood', endpoint, azure: null }], fastRecorderOptions('klflood:', 'r1'));
    await recorder.start();
    try {
      const gap = await waitFor(async () => {
        const events = (await state.zrange(layout.events, '0', '-1')).map((json) => JSON.parse(json) as { type: string; summary: string });
        return events.find((event) => event.type === 'gap' && CAP.test(event.summary)) ?? null;
      }, 'the gap in the record');
      expect(gap.summary).toMatch(/could not be recorded/);
      expect(recorder.recording).toEqual(['flood']);
    } finally {
      await recorder.stop();
      state.disconnect();
    }
  }, 30_000);
});
