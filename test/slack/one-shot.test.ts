// One-shot commands: `/keyloss <cache> <key> since <t>` runs the checks with no click; the scope the checks inferred
// is shown on the verdict, with a button that changes it and re-runs; "Narrow to a key" asks one key and re-runs.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { stagingClient, writeKeys } from '../scenarios/support.ts';
import { CHANNEL, blockText, hasActions, startHarness, type Harness } from './harness.ts';

const ONCALL = 'U0ONCALL';
let redis: RedisProcess;
let h: Harness;

beforeAll(async () => {
  redis = await startRedis();
  const app: Redis = stagingClient(redis.url, 0);
  await writeKeys(app, 'basket:', 0, 5, 64);
  await app.quit();
  h = await startHarness({ caches: ['caches:', '  orders-prod:', `    url: redis://127.0.0.1:${redis.port}`, '    tier: standard'].join('\n') });
});

afterEach(() => {
  expect(h.fake.breaches).toEqual([]);
  h.fake.messages.length = 0;
});

afterAll(async () => {
  await h?.stop();
  await stopAllRedis();
});

/** Question messages are the thread messages whose actions block id starts with q|. */
function questionsIn(rootTs: string) {
  return h.fake.thread(CHANNEL, rootTs).filter((m) => (m.blocks as Array<{ block_id?: string }>).some((b) => b.block_id?.startsWith('q|')));
}

describe('one-shot /keyloss', () => {
  it('cache, key and since in the text: the verdict comes with no click, the scope inferred and changeable', async () => {
    const started = performance.now();
    await h.command('orders-prod basket:17 since 30m', ONCALL);
    const root = await h.root();
    const verdict = await h.verdict(root.ts);
    const ms = performance.now() - started;
    process.stdout.write(`one-shot /keyloss: command to verdict in ${Math.round(ms)} ms\n`);
    expect(questionsIn(root.ts)).toEqual([]);
    expect(blockText(verdict)).toContain('scope inferred: partial');
    expect(verdict.metadata?.event_payload).toMatchObject({ cache: 'orders-prod', key: 'basket:17' });

    await h.click(verdict, 'Re-run: most or all keys are gone', ONCALL);
    const second = await h.verdict(root.ts, 2);
    expect(blockText(second)).toContain('scope complete');
    expect(blockText(second)).not.toContain('scope inferred');
    // The scope was asked now: no button to change it again, and the first verdict shows who changed it.
    expect(blockText(second)).not.toContain('Re-run: ');
    const first = h.fake.messages.find((m) => m.ts === verdict.ts)!;
    expect(blockText(first)).toContain(`Changed the scope — <@${ONCALL}>`);
    expect(questionsIn(root.ts)).toEqual([]);
  });

  it('a pattern: "Narrow to a key" asks the key, and the answer re-runs with everything else kept', async () => {
    await h.command('orders-prod "basket:*" since 2h db 0', ONCALL);
    const root = await h.root();
    const verdict = await h.verdict(root.ts);
    expect(blockText(verdict)).toContain('scope inferred');
    await h.click(verdict, 'Narrow to a key', ONCALL);
    const question = await h.inThread(root.ts, (m) => m.text === 'Which key is missing?' && hasActions(m), 'the key question');
    const opened = h.fake.callsOf('views.open').length;
    await h.click(question, 'Type the answer…', ONCALL);
    const modal = await h.fake.waitFor(() => h.fake.callsOf('views.open')[opened], 'the key modal');
    const view = modal.params.view as { private_metadata: string };
    await h.submitText(view.private_metadata, 'basket:99', ONCALL);
    const second = await h.verdict(root.ts, 2);
    expect(second.metadata?.event_payload).toMatchObject({ key: 'basket:99' });
    // Only the key was asked: since, db, tier came back from the first run.
    const prompts = ['Which tier is the cache?', 'Which key is missing?', 'Which database does the application use?', 'When were the keys last known to be there?', 'How much is missing?'];
    expect(h.fake.thread(CHANNEL, root.ts).map((m) => m.versions[0]!.text).filter((t) => prompts.includes(t))).toEqual(['Which key is missing?']);
    expect(blockText(second)).toContain('since');
  });
});
