// Whole incidents through the real Bolt app: slash command, buttons, modal, progress, verdict, postmortem, on real redis-server.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { stagingClient, writeKeys } from '../scenarios/support.ts';
import { CHANNEL, blockText, everythingSent, hasActions, startHarness, BOT_TOKEN, SIGNING_SECRET, type Harness } from './harness.ts';

const ALLOWED = 'U0ONCALL';
const STRANGER = 'U0STRANGER';

let redis: RedisProcess;
let writer: Redis;
let h: Harness;

beforeAll(async () => {
  redis = await startRedis();
  // The application writes to db 3 (and stays connected there); it reads db 0.
  writer = stagingClient(redis.url, 3);
  await writeKeys(writer, 'session:', 0, 12, 64);
  const app = stagingClient(redis.url, 0);
  await writeKeys(app, 'cart:', 0, 5, 64);
  await app.quit();
  h = await startHarness({
    caches: [
      'caches:',
      '  orders-prod:',
      `    url: redis://127.0.0.1:${redis.port}`,
      '    tier: standard',
      '    description: orders service cache',
      '    allow:',
      `      users: [${ALLOWED}]`,
    ].join('\n'),
    env: { KEYLOSS_POSTMORTEM_CHANNEL: 'C0POSTMORTEM' },
  });
});

afterEach(() => {
  // Every message the app produced stayed within Block Kit's limits.
  expect(h.fake.breaches).toEqual([]);
});

afterAll(async () => {
  await h?.stop();
  await writer?.quit();
  await stopAllRedis();
});

function resetFake() {
  h.fake.messages.length = 0;
  h.fake.calls.length = 0;
  h.fake.ephemerals.length = 0;
  h.fake.responses.length = 0;
  h.fake.uploads.length = 0;
}

describe('Slack incident, end to end', () => {
  it('keys in db 3 while the app reads db 0: every answer in the command text, checks start at once, verdict wrong-database', async () => {
    resetFake();
    const ack = await h.command('orders-prod session:* since 1h db 0 scope complete', ALLOWED);
    expect(ack.status).toBe(200);

    const root = await h.root();
    expect(root.text).toContain('Key-loss investigation on orders-prod');
    expect(blockText(root)).toContain(`<@${ALLOWED}>`);

    const verdict = await h.inThread(root.ts, (m) => m.metadata?.event_type === 'keyloss_report', 'the verdict');
    expect(verdict.thread_ts).toBe(root.ts);
    expect(verdict.metadata?.event_payload).toEqual({
      verdict: 'explained',
      cause: 'wrong-database',
      likelihood: 'likely',
      cache: 'orders-prod',
      key: 'session:*',
    });
    expect(blockText(verdict)).toMatch(/db 3/);
    expect(blockText(verdict)).toContain('Re-run checks');

    // No question was asked: the command answered them all.
    const thread = h.fake.thread(CHANNEL, root.ts);
    expect(thread.filter((m) => blockText(m).includes('"q|'))).toEqual([]);

    // One progress message, edited in place, its last state with every check finished.
    const progress = thread.filter((m) => m.text.startsWith('Checking orders-prod'));
    expect(progress).toHaveLength(1);
    const last = progress[0]!.versions.at(-1)!;
    expect(JSON.stringify(last.blocks)).toContain('Checks finished');
    expect(JSON.stringify(last.blocks)).not.toContain('hourglass');

    // The root message now carries the verdict.
    await h.fake.waitFor(() => root.versions.some((v) => JSON.stringify(v.blocks).includes('dart')), 'the root message updated with the verdict');
    expect(root.metadata?.event_payload.cause).toBe('wrong-database');

    const verdictLine = await h.fake.waitFor(
      () => h.audit.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.action === 'verdict'),
      'the audit line of the verdict',
    );
    expect(verdictLine).toMatchObject({ user: ALLOWED, cache: 'orders-prod', verdict: 'explained', cause: 'wrong-database' });
    expect(everythingSent(h.fake)).not.toContain(SIGNING_SECRET);
  });
});
