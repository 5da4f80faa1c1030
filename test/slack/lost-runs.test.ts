// Checks and watches whose replica died: the sweep says so in the thread once, stills the progress message, and leaves
// concluded runs alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { announceLostRuns } from '../../src/slack/flow/lost-runs.ts';
import { incidentKey } from '../../src/slack/flow/checks.ts';
import { updateInvestigation } from '../../src/slack/investigation.ts';
import { InFlightRegistry, RUN_RECORD, type InFlightRun, type RunSubject } from '../../src/state/inflight.ts';
import { watchProgressMessage } from '../../src/slack/blocks/watch.ts';
import { watchIncident } from '../../src/slack/flow/watch.ts';
import { postMessage } from '../../src/slack/post.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { sleep, stagingClient, writeKeys } from '../scenarios/support.ts';
import { startSlackApp, type InProcessApp } from '../support/slack-app.ts';
import { blockText, CHANNEL, hasActions } from '../support/slack-driver.ts';

const USER = 'U0ONCALL';
let redis: RedisProcess;
let h: InProcessApp;

beforeAll(async () => {
  redis = await startRedis();
  const writer: Redis = stagingClient(redis.url, 0);
  await writeKeys(writer, 'cart:', 0, 5, 64);
  await writer.quit();
  h = await startSlackApp({
    caches: ['caches:', '  orders-prod:', `    url: redis://127.0.0.1:${redis.port}`, '    tier: standard'].join('\n'),
    env: { KEYLOSS_WATCH_FOR: '2s' },
  });
});

afterAll(async () => {
  await h?.stop();
  await stopAllRedis();
});

/**
 * The record a replica leaves behind when it dies while running the checks (as written before runs said what they run)
 * or, with `subject`, a watch: begun an hour ago, never heard from since.
 */
async function leaveSilentRun(incident: string, runId: string, subject: RunSubject = {}): Promise<void> {
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
  const run: InFlightRun = { runId, ...subject, replica: 'api-dead', startedAt: hourAgo, heartbeatAt: hourAgo, endedAt: null, outcome: null, note: null };
  const key = `inflight:${incident}`;
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
    await leaveSilentRun(incidentKey(CHANNEL, root.ts), 'after-verdict');
    const posted = h.fake.thread(CHANNEL, root.ts).length;
    expect(await announceLostRuns(h.slack.app.client, h.slack.deps)).toBe(1);
    expect(h.fake.thread(CHANNEL, root.ts)).toHaveLength(posted);
  });

  it('announces a run that died during the checks once, with Re-run, and the re-run reaches a verdict', async () => {
    const root = await incidentToVerdict('orders-prod cart:2 since 30m db 0 scope partial');
    // As a re-run leaves it just before its checks: the session back at the check node.
    const reset = await updateInvestigation(h.slack.deps.store, CHANNEL, root.ts, 60_000, (inv) => ({ ...inv, session: inv.checkpoint! }));
    expect(reset.ok).toBe(true);
    await leaveSilentRun(incidentKey(CHANNEL, root.ts), 'mid-checks');

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

  it('announces a watch that died mid-watch once, with Watch live and not Re-run checks, and that click watches again', async () => {
    const root = await incidentToVerdict('orders-prod cart:* since 30m db 0 scope partial');
    // The progress message a watch had posted on the replica that died.
    const scope = { cache: 'orders-prod', key: 'cart:*', db: 0, seconds: 30 };
    const progressTs = await postMessage(h.slack.app.client, CHANNEL, root.ts, watchProgressMessage(scope, { elapsed: 7, events: 0, matching: 0, last: null }));
    await leaveSilentRun(watchIncident(CHANNEL, root.ts, progressTs), 'mid-watch', { what: 'watch', progressTs });
    // The thread's checks are not held up by the watch: their record is another.
    expect((await h.slack.deps.inflight.status(incidentKey(CHANNEL, root.ts))).status).toBe('idle');

    const before = h.fake.thread(CHANNEL, root.ts).length;
    expect(await announceLostRuns(h.slack.app.client, h.slack.deps)).toBe(1);
    expect(await announceLostRuns(h.slack.app.client, h.slack.deps)).toBe(0);
    const lost = /^The watch on orders-prod did not finish: replica api-dead started the watch at \S+ and has not been heard from for 3600 s \(it probably crashed or restarted\)\./;
    const progress = h.fake.thread(CHANNEL, root.ts).find((m) => m.ts === progressTs)!;
    expect(progress.text).toMatch(lost);
    expect(hasActions(progress)).toBe(false);
    const posted = h.fake.thread(CHANNEL, root.ts).slice(before);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.text).toMatch(lost);
    expect(posted[0]!.text).toMatch(/Watch live watches again from a replica that is up\.$/);
    expect(blockText(posted[0]!)).toContain('"Watch live"');
    expect(blockText(posted[0]!)).not.toContain('Re-run checks');
    expect(h.fake.thread(CHANNEL, root.ts).some((m) => /were interrupted|The checks on orders-prod did not finish/.test(m.text))).toBe(false);
    expect(h.audit.some((l) => l.includes('"where":"lost run"') && l.includes('"what":"watch"'))).toBe(true);

    await h.click(posted[0]!, 'Watch live', USER);
    await h.inThread(root, (m) => m.text.startsWith('Watched orders-prod live for 2 s'), 'the watch started from the notice');
  });
});

describe('a watch reported lost while its replica still runs it', () => {
  it('stops at its next heartbeat and posts nothing more: one outcome per watch', async () => {
    const caches = ['caches:', '  orders-prod:', `    url: redis://127.0.0.1:${redis.port}`, '    tier: standard'].join('\n');
    const slow = await startSlackApp({ caches, env: { KEYLOSS_WATCH_FOR: '60s', KEYLOSS_HEARTBEAT_MS: '200' } });
    try {
      const before = new Set(slow.fake.messages.map((m) => m.ts));
      await slow.command('orders-prod cart:* since 30m db 0 scope partial', USER);
      const root = await slow.waitFor(() => slow.fake.messages.find((m) => m.thread_ts === null && !before.has(m.ts)), 'the root message');
      await slow.click(await slow.verdict(root), 'Watch live', USER);
      const progress = await slow.waitFor(() => slow.fake.thread(CHANNEL, root.ts).find((m) => m.versions[0]!.text.startsWith('Watching orders-prod live') && m.versions.length >= 2), 'the watch ticking');
      // From where another replica stands (its clock a minute ahead), this one went silent: it reports the watch lost.
      const later = new InFlightRegistry(slow.slack.deps.store, { replica: 'api-ahead', heartbeatMs: 60_000, staleAfterMs: 5_000, clock: () => new Date(Date.now() + 60_000) });
      expect(await announceLostRuns(slow.slack.app.client, { ...slow.slack.deps, inflight: later })).toBe(1);
      await slow.waitFor(() => slow.audit.some((l) => l.includes('"action":"watch-finished"')) || slow.slack.deps.inflight.active().length === 0, 'the watch to stop');
      await sleep(1_500);
      const thread = slow.fake.thread(CHANNEL, root.ts);
      expect(progress.text).toMatch(/^The watch on orders-prod did not finish: replica /);
      expect(thread.filter((m) => m.text.startsWith('The watch on orders-prod did not finish'))).toHaveLength(2);
      expect(thread.some((m) => m.text.startsWith('Watched orders-prod live'))).toBe(false);
      expect(slow.audit.some((l) => l.includes('"action":"watch-finished"'))).toBe(false);
    } finally {
      await slow.stop();
    }
  });
});
