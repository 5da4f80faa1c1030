// Runs `keyloss start` (through test/support/keyloss-entry.ts) as a real process, as a replica behind a load balancer
// would; drive it with slackDriver (slack-driver.ts), which it serves as an endpoint.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { AUDIT_SOURCE } from '../../src/slack/audit.ts';
import { writeCachesFile } from './caches-file.ts';
import { startFakeSlack, type FakeSlack } from './fake-slack.ts';
import { KEYLOSS_ARGV } from './keyloss-cli.ts';
import { freePort, startRedis, stopRedis, type RedisProcess } from './redis-server.ts';
import { APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, type SlackEndpoint } from './slack-driver.ts';
import { waitFor } from './wait.ts';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface AppProcess extends SlackEndpoint {
  name: string;
  port: number;
  /** Where Slack sends commands, actions and view submissions ('' in Socket Mode, when SLACK_APP_TOKEN is set). */
  eventsUrl: string;
  child: ChildProcess;
  /** Everything the process printed, as it arrives. */
  output(): string;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** SIGKILL when still running; safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<AppProcess>();

/** What the replicas in these tests run against: a state Redis, the cache "orders" (a Redis behind ORDERS_URL), a fake Slack. */
export interface Surroundings {
  state: RedisProcess;
  cache: RedisProcess;
  fake: FakeSlack;
  /** A replica's settings pointing at them; `extra` adds to and overrides them. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Stops the fake Slack and both Redis processes and removes the caches file; stop the apps first. */
  close(): Promise<void>;
}

/** `stateArgs` go to the state Redis (e.g. persistence on); the diagnosed cache and the fake Slack are always the same. */
export async function startSurroundings(stateArgs: string[] = []): Promise<Surroundings> {
  const [state, cache, fake] = await Promise.all([startRedis(stateArgs), startRedis(), startFakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN })]);
  const caches = writeCachesFile('caches:\n  orders:\n    urlEnv: ORDERS_URL\n    tier: standard\n');
  return {
    state,
    cache,
    fake,
    env: (extra = {}) => ({ SLACK_API_URL: fake.apiUrl, STATE_REDIS_URL: state.url, KEYLOSS_CACHES: caches.path, ORDERS_URL: cache.url, ...extra }),
    close: async () => {
      await fake.close();
      await Promise.all([state, cache].map((r) => stopRedis(r)));
      caches.remove();
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, app: AppProcess, timeoutMs: number): Promise<void> {
  await waitFor(
    () => {
      if (app.child.exitCode !== null || app.child.signalCode !== null) throw new Error(`${app.name} exited before listening on ${port}:\n${app.output()}`);
      return listening(port);
    },
    () => `${app.name} to listen on ${port}:\n${app.output()}`,
    { timeoutMs, everyMs: 50 },
  );
}

/** Starts `keyloss start` without waiting for anything (Socket Mode opens no port; a test may signal it at once). */
export async function spawnApp(name: string, env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  let printed = '';
  const child = spawn(process.execPath, [...KEYLOSS_ARGV, 'start'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      PORT: String(port),
      KEYLOSS_REPLICA_ID: name,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const app: AppProcess = {
    name,
    port,
    eventsUrl: env.SLACK_APP_TOKEN ? '' : `http://127.0.0.1:${port}/slack/events`,
    child,
    output: () => printed,
    get audit() {
      return printed.split('\n').filter((line) => line.startsWith('{') && line.includes(`"source":"${AUDIT_SOURCE}"`));
    },
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      running.delete(app);
    },
  };
  running.add(app);
  return app;
}

/** Starts one replica and waits for its port; `env` adds to (and overrides) the Slack settings given here. */
export async function startApp(name: string, env: Record<string, string>, timeoutMs = 30_000): Promise<AppProcess> {
  const app = await spawnApp(name, env);
  try {
    await waitForPort(app.port, app, timeoutMs);
  } catch (error) {
    await app.stop();
    throw error;
  }
  return app;
}

export async function stopAllApps(): Promise<void> {
  await Promise.all([...running].map((app) => app.stop()));
}

process.once('exit', () => {
  for (const app of running) app.child.kill('SIGKILL');
});
