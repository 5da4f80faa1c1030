// SIGTERM on a real replica: no new requests, running checks finish within the grace period or are recorded as
// interrupted, a running watch posts what it saw, exit 0.
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { Redis } from 'ioredis';
import type { FakeSlack } from '../support/fake-slack.ts';
import type { RedisProcess } from '../support/redis-server.ts';
import { ACTION } from '../../src/slack/ids.ts';
import { watchIncident } from '../../src/slack/flow/watch.ts';
import { InFlightRegistry } from '../../src/state/inflight.ts';
import { openRedisStateStore } from '../../src/state/redis.ts';
import { startApp, startSurroundings, stopAllApps, type AppProcess, type Surroundings } from '../support/app-process.ts';
import { blockText, seen, slackDriver, type SlackDriver } from '../support/slack-driver.ts';

let cache: RedisProcess;
let fake: FakeSlack;
let surroundings: Surroundings;
let slack: SlackDriver;
const started: AppProcess[] = [];

const USER = 'U0SHUTDOWN';
// Every answer given in the command, so the checks start without a click.
const FULL = 'orders session:1 since 2h db 0 scope partial';

function env(extra: Record<string, string>): Record<string, string> {
  return surroundings.env({ KEYLOSS_PROGRESS_INTERVAL_MS: '200', KEYLOSS_HEARTBEAT_MS: '1000', ...extra });
}

async function app(name: string, extra: Record<string, string>): Promise<AppProcess> {
  const started_ = await startApp(name, env(extra));
  started.push(started_);
  return started_;
}

/** Points the driver at `replica` and starts the incident there (in `channel`): its checks start at once. */
async function incidentOn(replica: AppProcess, channel: string) {
  slack = slackDriver(fake, replica, { waitMs: 60_000 });
  await slack.command(FULL, USER, { channel });
  return slack.root(channel);
}

beforeAll(async () => {
  surroundings = await startSurroundings();
  ({ cache, fake } = surroundings);
  const seed = new Redis(cache.port, '127.0.0.1');
  await seed.set('session:1', 'x', 'EX', 3600);
  seed.disconnect();
}, 60_000);

afterAll(async () => {
  await stopAllApps();
  await surroundings?.close();
});

beforeEach(() => {
  onTestFailed(() => {
    for (const a of started) process.stderr.write(`--- ${a.name} ---\n${a.output()}\n`);
  });
});

describe('graceful shutdown on SIGTERM', () => {
  it('exits 0 at once when nothing runs', async () => {
    const idle = await app('idle', {});
    idle.kill('SIGTERM');
    expect(await idle.exited).toEqual({ code: 0, signal: null });
    expect(idle.output()).toMatch(/SIGTERM: taking no new requests; 0 investigation\(s\) running/);
    expect(idle.output()).toMatch(/keyloss: stopped/);
  }, 60_000);

  it('lets running checks finish within the grace period, takes no new requests meanwhile, then exits 0', async () => {
    const patient = await app('patient', { KEYLOSS_RATE_INTERVAL_MS: '2500', KEYLOSS_SHUTDOWN_GRACE_MS: '60000' });
    const root = await incidentOn(patient, 'CSHUT0001');
    await slack.control(root, { action: ACTION.rerun }, 'the progress message');
    patient.kill('SIGTERM');
    // New requests are refused while the running checks finish.
    await slack.waitFor(
      () => slack.command('help', USER, { channel: 'CSHUT-LATE' }).then(() => false, () => true),
      'the receiver to refuse connections',
    );
    expect(await patient.exited).toEqual({ code: 0, signal: null });
    expect(slack.verdicts(root)).toHaveLength(1);
    expect(fake.messages.some((m) => m.channel === 'CSHUT-LATE')).toBe(false);
  }, 90_000);

  it('records checks still running after the grace period as interrupted, says so in the thread, and another replica re-runs them', async () => {
    const hasty = await app('hasty', { KEYLOSS_RATE_INTERVAL_MS: '12000', KEYLOSS_SHUTDOWN_GRACE_MS: '300' });
    const other = await app('other', { KEYLOSS_RATE_INTERVAL_MS: '200' });
    const root = await incidentOn(hasty, 'CSHUT0002');
    // As the person saw it: the button is gone from the message once the run is recorded as interrupted.
    const progress = seen(await slack.control(root, { action: ACTION.rerun }, 'the progress message'));
    hasty.kill('SIGTERM');
    expect(await hasty.exited).toEqual({ code: 0, signal: null });
    expect(slack.threadText(root)).toMatch(/interrupted: replica hasty was shut down while they ran/);
    expect(slack.verdicts(root)).toHaveLength(0);

    // No waiting for a stale heartbeat: the run was recorded as interrupted, so the other replica re-runs at once.
    await slack.click(progress, { action: ACTION.rerun }, USER, { via: other });
    await slack.verdict(root);
    expect(slack.threadText(root)).toMatch(/did not finish: replica hasty was shut down/);
    expect(fake.breaches).toEqual([]);
  }, 90_000);

  it('ends a running watch early, posts what it saw and records its run finished, so no replica reports it lost', async () => {
    const stopping = await app('watching', { KEYLOSS_WATCH_FOR: '60s', KEYLOSS_SHUTDOWN_GRACE_MS: '300' });
    const root = await incidentOn(stopping, 'CSHUT0003');
    const verdict = await slack.verdict(root);
    await slack.click(verdict, 'Watch live', USER);
    const progress = await slack.waitFor(() => {
      const found = slack.thread(root).find((m) => m.versions[0]!.text.startsWith('Watching orders live'));
      return found && found.versions.length >= 3 ? found : undefined;
    }, 'the watch ticking');
    stopping.kill('SIGTERM');
    expect(await stopping.exited).toEqual({ code: 0, signal: null });
    const result = await slack.inThread(root, (m) => m.text.startsWith('Watched orders live for'), 'the result of the stopped watch');
    expect(blockText(result)).toContain('stopped early');
    expect(progress.text).toMatch(/^Done watching orders live \(\d+ s, stopped early\): the result is in this thread\.$/);
    // Its run ended finished, not lost: no replica's sweep will say "did not finish".
    const state = await openRedisStateStore(surroundings.state.url);
    if (!state.ok) throw new Error(state.reason);
    try {
      const registry = new InFlightRegistry(state.store, { replica: 'observer', heartbeatMs: 1000 });
      expect((await registry.status(watchIncident(root.channel, root.ts, progress.ts))).status).toBe('idle');
    } finally {
      await state.store.close();
    }
    expect(slack.threadText(root)).not.toMatch(/did not finish|were interrupted/);
    expect(fake.breaches).toEqual([]);
  }, 90_000);
});
