// The state Redis goes away under a running replica: people get a readable line naming it, and the replica recovers when it returns.
// It runs with AOF (fsync on every write), as keyloss's own Redis should in production, so a crash loses no session.
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { FakeSlack } from '../support/fake-slack.ts';
import type { RedisProcess } from '../support/redis-server.ts';
import { startApp, startSurroundings, stopAllApps, type AppProcess, type Surroundings } from '../support/app-process.ts';
import { FIRST_ANSWER, seen, slackDriver, type SlackDriver } from '../support/slack-driver.ts';

let state: RedisProcess;
let fake: FakeSlack;
let surroundings: Surroundings;
let app: AppProcess;
let slack: SlackDriver;
const USER = 'U0OUTAGE';

beforeAll(async () => {
  surroundings = await startSurroundings(['--appendonly', 'yes', '--appendfsync', 'always']);
  ({ state, fake } = surroundings);
  app = await startApp('outage', surroundings.env({ KEYLOSS_RATE_INTERVAL_MS: '200', KEYLOSS_PROGRESS_INTERVAL_MS: '200' }));
  slack = slackDriver(fake, app, { waitMs: 60_000 });
}, 60_000);

afterAll(async () => {
  await stopAllApps();
  await surroundings?.close();
});

beforeEach(() => {
  onTestFailed(() => {
    process.stderr.write(`--- app ---\n${app?.output()}\n`);
  });
});

describe('state Redis outage', () => {
  it('refuses with a line naming the state Redis while it is down, and serves again once it is back', async () => {
    await state.stop(true);
    await slack.command('orders session:1 since 2h db 0 scope partial', USER, { channel: 'COUTAGE1' });
    const notice = await slack.waitFor(() => fake.ephemerals.find((e) => e.channel === 'COUTAGE1'), 'a line to the person');
    expect(notice.text).toContain(`state Redis at 127.0.0.1:${state.port}`);
    expect(app.child.exitCode).toBeNull();

    await state.restart();
    // The same process reconnects by itself; no restart of keyloss is needed.
    await slack.waitFor(async () => {
      await slack.command('orders session:1 since 2h db 0 scope partial', USER, { channel: 'COUTAGE2' });
      return slack.root('COUTAGE2', 3_000).catch(() => null);
    }, 'an investigation after the state Redis came back');
    const root = slack.roots('COUTAGE2').at(-1)!;
    await slack.verdict(root);
  }, 90_000);

  it('an incident waiting for an answer survives a crash of the state Redis: the click after it reaches one verdict', async () => {
    await slack.command('orders session:1 db 0', USER, { channel: 'COUTAGE3' });
    const root = await slack.root('COUTAGE3');
    const since = await slack.question(root);
    await slack.click(since, FIRST_ANSWER, USER);
    // As the person saw it: a click that went through marks the question answered; the next try clicks the same button.
    const question = seen(await slack.question(root, { after: since }));

    await state.stop(true);
    await state.restart();
    // Until the replica has reconnected a click is refused with a line naming the state Redis; the next one goes through.
    await slack.waitFor(async () => {
      await slack.click(question, FIRST_ANSWER, USER);
      return slack.verdict(root, 1, 5_000).catch(() => null);
    }, 'the verdict after the state Redis came back');
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.verdicts(root)).toHaveLength(1);
    expect(app.child.exitCode).toBeNull();
  }, 90_000);
});
