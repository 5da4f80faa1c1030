// Checks whose replica died: the sweep says so in the thread once, stills the progress message, and leaves concluded runs alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { announceLostRuns } from '../../src/slack/flow/lost-runs.ts';
import { incidentKey } from '../../src/slack/flow/checks.ts';
import { updateInvestigation } from '../../src/slack/investigation.ts';
import { RUN_RECORD, type InFlightRun } from '../../src/state/inflight.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { stagingClient, writeKeys } from '../scenarios/support.ts';
import { startSlackApp, type InProcessApp } from '../support/slack-app.ts';
import { CHANNEL } from '../support/slack-driver.ts';

const USER = 'U0ONCALL';
let redis: RedisProcess;
let h: InProcessApp;

beforeAll(async () => {
  redis = await startRedis();
  const writer: Redis = stagingClient(redis.url, 0);
  await writeKeys(writer, 'cart:', 0, 5, 64);
  await writer.quit();
  h = await startSlackApp({ caches: ['caches:', '  orders-prod:', `    url: redis://127.0.0.1:${redis.port}`, '    tier: standard'].join('\n') });
});

afterAll(async () => {
  await h?.stop();
  await stopAllRedis();
});

/** The record a replica leaves behind when it dies while running the checks: begun an hour ago, never heard from since. */
async function leaveSilentRun(rootTs: string, runId: string): Promise<void> {
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
  const run: InFlightRun = { runId, replica: 'api-dead', startedAt: hourAgo, heartbeatAt: hourAgo, endedAt: null, outcome: null, note: null };
  const key = `inflight:${incidentKey(CHANNEL, rootTs)}`;
  const store = h.slack.deps.store;
  const written = await store.put(key, RUN_RECORD, run, (await store.get(key, RUN_RECORD))?.version ?? null, 60_000);
  expect(written.ok).toBe(true);
}

async function incidentToVerdict(text: string) {
  const before = new Set(h.fake.messages.map((m) => m.ts));
  await h.command(text, USER);
  const root = await h.waitFor(() => h.fake.messages.find((m) => m.thread_ts === null && !before.has(m.ts)), 'the root message');
  await h.verdict(root);
  return root;
}

describe('lost runs', () => {
  it('says nothing for a run that died after its verdict was recorded', async () => {
    const root = await incidentToVerdict('orders-prod cart:1 since 30m db 0 scope partial');
    await leaveSilentRun(root.ts, 'after-verdict');
    const posted = h.fake.thread(CHANNEL, root.ts).length;
    expect(await announceLostRuns(h.slack.app.client, h.slack.deps)).toBe(1);
    expect(h.fake.thread(CHANNEL, root.ts)).toHaveLength(posted);
  });

  it('announces a run that died during the checks once, with Re-run, and the re-run reaches a verdict', async () => {
    const root = await incidentToVerdict('orders-prod cart:2 since 30m db 0 scope partial');
    // As a re-run leaves it just before its checks: the session back at the check node.
    const reset = await updateInvestigation(h.slack.deps.store, CHANNEL, root.ts, 60_000, (inv) => ({ ...inv, session: inv.checkpoint! }));
    expect(reset.ok).toBe(true);
    await leaveSilentRun(root.ts, 'mid-checks');

    expect(await announceLostRuns(h.slack.app.client, h.slack.deps)).toBe(1);
    expect(await announceLostRuns(h.slack.app.client, h.slack.deps)).toBe(0);
    const notices = h.fake.thread(CHANNEL, root.ts).filter((m) => m.text.includes('were interrupted'));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toMatch(/^The checks on orders-prod were interrupted: replica api-dead started the checks at .* and has not been heard from for 3600 s/);
    const progress = h.fake.thread(CHANNEL, root.ts).find((m) => m.versions.some((v) => v.text.startsWith('Checking orders-prod')));
    expect(progress?.text).toBe('The checks on orders-prod did not finish.');
    expect(h.audit.some((l) => l.includes('"where":"lost run"') && l.includes('api-dead'))).toBe(true);

    await h.click(notices[0]!, 'Re-run checks', USER);
    await h.verdict(root, 2);
  });
});
