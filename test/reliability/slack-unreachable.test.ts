// The Slack app's lifecycle when Slack refuses connections or never answers, in both transports: one start line from
// auth.test (the workspace and bot, or the address and the reason), one line per outage rather than one per retry, and
// the first SIGTERM or SIGINT ends the process whatever Slack is doing.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import { freePort } from '../support/redis-server.ts';
import { spawnApp, stopAllApps, type AppProcess } from '../support/app-process.ts';
import { APP_TOKEN, BOT_TOKEN } from '../support/slack-driver.ts';
import { waitFor } from '../support/wait.ts';

interface Silent {
  api: string;
  /** Connections accepted so far. */
  accepted(): number;
}

const servers: Array<{ server: Server; sockets: Set<Socket> }> = [];

/** A Slack API address where something accepts connections and never says a word. */
async function silentSlack(): Promise<Silent> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  servers.push({ server, sockets });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { api: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/`, accepted: () => accepted };
}

let fake: FakeSlack;

beforeAll(async () => {
  fake = await startFakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
});

afterAll(async () => {
  await stopAllApps();
  for (const { server, sockets } of servers) {
    for (const socket of sockets) socket.destroy();
    server.close();
  }
  await fake?.close();
});

const TRANSPORTS = {
  http: {} as Record<string, string>,
  socket: { SLACK_APP_TOKEN: APP_TOKEN } as Record<string, string>,
};

function lines(app: AppProcess): string[] {
  return app.output().split('\n').filter(Boolean);
}

async function stopsOn(app: AppProcess, signal: NodeJS.Signals): Promise<void> {
  app.kill(signal);
  // Within the grace period (1 s here) and the few seconds the stop itself may take: never a second signal.
  const ended = await Promise.race([app.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000))]);
  expect(ended, app.output()).toEqual({ code: 0, signal: null });
}

describe.concurrent.each(Object.entries(TRANSPORTS))('the Slack app in %s mode', (mode, transport) => {
  it('says in one line whom it reached: the workspace and the bot', async () => {
    const app = await spawnApp(`reached-${mode}`, { SLACK_API_URL: fake.apiUrl, ...transport });
    const start = await waitFor(() => lines(app).find((l) => l.includes('reached Slack')), 'the start line', 60_000);
    expect(start).toBe(`keyloss: reached Slack at ${fake.apiUrl}: workspace "Example" (T111), bot @keyloss (UBOT)`);
    await waitFor(() => app.output().includes('Slack app running'), 'the running line', 60_000);
    await stopsOn(app, 'SIGTERM');
  }, 120_000);

  it('refused: names the address and the reason once, counts the retries instead of printing them, stops on the first SIGTERM', async () => {
    // A port nothing listens on: connections are refused.
    const refusing = `http://127.0.0.1:${await freePort()}/api/`;
    const app = await spawnApp(`refused-${mode}`, { SLACK_API_URL: refusing, KEYLOSS_SHUTDOWN_GRACE_MS: '1000', ...transport });
    const start = await waitFor(() => lines(app).find((l) => l.startsWith('keyloss: could not reach Slack')), 'the start line', 60_000);
    expect(start).toBe(`keyloss: could not reach Slack at ${refusing}: connection refused (ECONNREFUSED); the app keeps retrying with backoff (1 s, 2 s, 4 s … at most 60 s apart)`);
    // Long enough for the clients' first retries (1 s, then 2 s).
    await new Promise((r) => setTimeout(r, 3_500));
    await stopsOn(app, 'SIGTERM');
    const output = app.output();
    expect(output).not.toMatch(/http request failed|fetch failed/);
    // The same outage is not said again by the clients' retries.
    expect(lines(app).filter((l) => l.includes('cannot be reached') || l.includes('could not reach'))).toHaveLength(1);
    expect(output).toContain('keyloss: stopped');
    expect(output).not.toContain(BOT_TOKEN);
  }, 120_000);

  it('never answers: says so after the request timeout, and SIGINT stops it', async () => {
    const { api } = await silentSlack();
    const app = await spawnApp(`silent-${mode}`, { SLACK_API_URL: api, KEYLOSS_SLACK_TIMEOUT_MS: '1000', KEYLOSS_SHUTDOWN_GRACE_MS: '1000', ...transport });
    const start = await waitFor(() => lines(app).find((l) => l.startsWith('keyloss: could not reach Slack')), 'the start line', 60_000);
    expect(start).toContain(`at ${api}: no answer within 1 s;`);
    await new Promise((r) => setTimeout(r, 3_000));
    await stopsOn(app, 'SIGINT');
    expect(lines(app).filter((l) => l.includes('cannot be reached') || l.includes('could not reach'))).toHaveLength(1);
  }, 120_000);

});

// auth.test comes before either transport starts: one test covers both.
describe('the Slack app at start', () => {
  it('a SIGTERM while it still waits for Slack at start ends it too', async () => {
    const silent = await silentSlack();
    const app = await spawnApp('early', { SLACK_API_URL: silent.api, KEYLOSS_SLACK_TIMEOUT_MS: '60000', SLACK_APP_TOKEN: APP_TOKEN });
    // Its signal handlers are installed before its first request to Slack.
    await waitFor(() => silent.accepted() > 0, 'the request to the silent Slack', 60_000);
    await stopsOn(app, 'SIGTERM');
    expect(app.output()).toContain('SIGTERM before the app started; stopped');
  }, 120_000);
});
