// The state Redis goes away under a running replica: people get a readable line naming it, and the replica recovers when it returns.
// It runs with AOF (fsync on every write), as keyloss's own Redis should in production, so a crash loses no session.
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { FakeSlack } from '../support/fake-slack.ts';
import type { RedisProcess } from '../support/redis-server.ts';
import { eventually, startApp, startSurroundings, stopAllApps, type AppProcess, type Surroundings } from './app-process.ts';
import { click, command, nextQuestion, openQuestion, rootIn, verdictsIn } from './incident.ts';

let state: RedisProcess;
let fake: FakeSlack;
let surroundings: Surroundings;
let app: AppProcess;
const USER = 'U0OUTAGE';

beforeAll(async () => {
  surroundings = await startSurroundings(['--appendonly', 'yes', '--appendfsync', 'always']);
  ({ state, fake } = surroundings);
  app = await startApp('outage', surroundings.env({ KEYLOSS_RATE_INTERVAL_MS: '200', KEYLOSS_PROGRESS_INTERVAL_MS: '200' }));
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
    await command(app, fake, { text: 'orders session:1 since 2h db 0 scope partial', channel: 'COUTAGE1', user: USER });
    const notice = await eventually(() => fake.ephemerals.find((e) => e.channel === 'COUTAGE1'), 'a line to the person');
    expect(notice.text).toContain(`state Redis at 127.0.0.1:${state.port}`);
    expect(app.child.exitCode).toBeNull();

    await state.restart();
    // The same process reconnects by itself; no restart of keyloss is needed.
    await eventually(async () => {
      await command(app, fake, { text: 'orders session:1 since 2h db 0 scope partial', channel: 'COUTAGE2', user: USER });
      return eventually(() => rootIn(fake, 'COUTAGE2'), 'a root message', 3_000).catch(() => null);
    }, 'an investigation after the state Redis came back');
    const root = rootIn(fake, 'COUTAGE2')!;
    await eventually(() => verdictsIn(fake, 'COUTAGE2', root.ts)[0], 'the verdict');
  }, 90_000);

  it('an incident waiting for an answer survives a crash of the state Redis: the click after it reaches one verdict', async () => {
    await command(app, fake, { text: 'orders session:1 db 0', channel: 'COUTAGE3', user: USER });
    const root = await eventually(() => rootIn(fake, 'COUTAGE3'), 'the root message');
    const since = await eventually(() => openQuestion(fake, 'COUTAGE3', root.ts), 'the since question');
    await click(app, fake, since, USER);
    const question = await eventually(() => nextQuestion(fake, 'COUTAGE3', root.ts, since), 'the scope question');

    await state.stop(true);
    await state.restart();
    // Until the replica has reconnected a click is refused with a line naming the state Redis; the next one goes through.
    await eventually(async () => {
      await click(app, fake, question, USER);
      return eventually(() => verdictsIn(fake, 'COUTAGE3', root.ts)[0], 'the verdict', 5_000).catch(() => null);
    }, 'the verdict after the state Redis came back');
    await new Promise((r) => setTimeout(r, 500));
    expect(verdictsIn(fake, 'COUTAGE3', root.ts)).toHaveLength(1);
    expect(app.child.exitCode).toBeNull();
  }, 90_000);
});
