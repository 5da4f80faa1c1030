// Faults on real processes, each ending in a readable thread: a diagnosed Redis killed or paused mid-checks, refusing AUTH,
// refusing most commands; Slack answering 429 and 500; Azure Monitor never answering.
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { Redis } from 'ioredis';
import { startFakeAzure, redisResourceId, redisResourceJson, type FakeAzure } from '../support/fake-azure.ts';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';
import { ACTION } from '../../src/slack/ids.ts';
import { TEST_TOKEN, fakeAzureEnv } from '../azure/support.ts';
import { startApp, stopAllApps, type AppProcess } from '../support/app-process.ts';
import { writeCachesFile } from '../support/caches-file.ts';
import { BOT_TOKEN, everythingSent, slackDriver, type SlackDriver, type ThreadRef } from '../support/slack-driver.ts';

const USER = 'U0FAULTS';
const RIGHT_PASSWORD = 'right-pass-7d1e5c9a';
const WRONG_PASSWORD = 'wrong-pass-3b8f0e2d';
const AZURE_CACHE = redisResourceId('faulty-cache');

let fake: FakeSlack;
let azure: FakeAzure;
let healthy: RedisProcess;
let killed: RedisProcess;
let paused: RedisProcess;
let locked: RedisProcess;
let crippled: RedisProcess;
let caches: { path: string; remove(): void };
let app: AppProcess;
let slack: SlackDriver;

/** Commands Azure and locked-down ACLs refuse, disabled by renaming them to nothing. */
const DISABLED = ['CONFIG', 'SLOWLOG', 'CLIENT', 'SCAN', 'SELECT', 'DBSIZE', 'TTL', 'PTTL', 'TYPE', 'ROLE', 'LATENCY', 'MEMORY', 'OBJECT', 'EXISTS'];

async function seed(redis: RedisProcess, password?: string): Promise<void> {
  const client = new Redis({ port: redis.port, host: '127.0.0.1', ...(password ? { password } : {}) });
  for (let i = 0; i < 50; i++) await client.set(`session:${i}`, 'x', 'EX', 3600);
  client.disconnect();
}

/** Starts an investigation of `cache` with every answer given, and returns its root message. */
async function investigate(cache: string, channel: string) {
  await slack.command(`${cache} session:17 since 2h db 0 scope partial`, USER, { channel });
  return slack.root(channel);
}

/** The verdict's "Could not check" section: one line per check that failed or was skipped, with the reason. */
function couldNotCheck(verdict: { blocks: unknown[] }): string {
  const sections = verdict.blocks as Array<{ type: string; text?: { text: string } }>;
  const text = sections.find((b) => b.type === 'section' && b.text?.text.startsWith('*Could not check*'))?.text?.text ?? '';
  if (process.env.KEYLOSS_TEST_DEBUG) process.stderr.write(`${text}\n`);
  return text;
}

/**
 * True once the progress message shows a finished check: the connection is open and the checks are under way, so a
 * fault now lands in the middle of them (the rates check's long interval keeps them running), not before they start.
 */
function aCheckDone(root: ThreadRef): boolean {
  const progress = slack.withControl(root, { action: ACTION.rerun });
  return progress !== undefined && JSON.stringify(progress.blocks).includes(':white_check_mark:');
}

beforeAll(async () => {
  [fake, azure, healthy, killed, paused, locked, crippled] = await Promise.all([
    startFakeSlack({ botToken: BOT_TOKEN }),
    startFakeAzure({ token: TEST_TOKEN }),
    startRedis(),
    startRedis(),
    startRedis(),
    startRedis(['--requirepass', RIGHT_PASSWORD]),
    startRedis(DISABLED.flatMap((c) => ['--rename-command', c, ''])),
  ]);
  await Promise.all([seed(healthy), seed(killed), seed(paused), seed(locked, RIGHT_PASSWORD)]);
  azure.resources.set(AZURE_CACHE, redisResourceJson(AZURE_CACHE));
  const entry = (name: string, extra = '') => `  ${name}:\n    urlEnv: ${name.toUpperCase()}_URL\n    tier: standard\n${extra}`;
  caches = writeCachesFile(
    'caches:\n' +
      ['healthy', 'killed', 'paused', 'locked', 'crippled'].map((n) => entry(n)).join('') +
      `  azure-slow:\n    urlEnv: HEALTHY_URL\n    tier: standard\n    azure:\n      resourceId: ${AZURE_CACHE}\n      region: westeurope\n`,
  );
  app = await startApp('faults', {
    SLACK_API_URL: fake.apiUrl,
    KEYLOSS_CACHES: caches.path,
    HEALTHY_URL: healthy.url,
    KILLED_URL: killed.url,
    PAUSED_URL: paused.url,
    LOCKED_URL: `redis://:${WRONG_PASSWORD}@127.0.0.1:${locked.port}`,
    CRIPPLED_URL: crippled.url,
    // Long enough to kill or pause a node between the two INFO samples of the rates check.
    KEYLOSS_RATE_INTERVAL_MS: '2500',
    KEYLOSS_PROGRESS_INTERVAL_MS: '200',
    ...(fakeAzureEnv(azure) as Record<string, string>),
    NODE_EXTRA_CA_CERTS: azure.caPath,
  });
  slack = slackDriver(fake, app, { waitMs: 60_000 });
}, 60_000);

afterAll(async () => {
  paused?.resume();
  await stopAllApps();
  await fake?.close();
  await azure?.close();
  await Promise.all([healthy, killed, paused, locked, crippled].filter(Boolean).map((r) => stopRedis(r)));
  caches?.remove();
});

beforeEach(() => {
  onTestFailed(() => {
    process.stderr.write(`--- app ---\n${app?.output()}\n`);
  });
});

describe('faults end in a readable thread', () => {
  it('the diagnosed Redis killed in the middle of the checks: the verdict names the failed checks and the node', async () => {
    const root = await investigate('killed', 'CFAULT01');
    await slack.waitFor(() => aCheckDone(root), 'a finished check on the progress message');
    await killed.stop(true);
    const verdict = await slack.verdict(root, 1, 60_000);
    const unchecked = couldNotCheck(verdict);
    expect(unchecked).toMatch(/failed/);
    expect(unchecked).toContain(`127.0.0.1:${killed.port}`);
  }, 90_000);

  it('the diagnosed Redis paused (SIGSTOP): timeouts fire and the other checks still report', async () => {
    const root = await investigate('paused', 'CFAULT02');
    await slack.waitFor(() => aCheckDone(root), 'a finished check on the progress message');
    paused.pause();
    try {
      const verdict = await slack.verdict(root, 1, 60_000);
      expect(couldNotCheck(verdict)).toMatch(/timed out/);
      // Checks that finished before the pause still count: the report is about the key, not an error page.
      expect(JSON.stringify(verdict.blocks)).toMatch(/session:17/);
    } finally {
      paused.resume();
    }
  }, 90_000);

  it('a wrong password: one clear line naming host:port, and the password nowhere', async () => {
    const root = await investigate('locked', 'CFAULT03');
    const line = await slack.inThread(root, (m) => /The cache locked at .* refused the credentials/.test(m.text), 'the refusal line');
    expect(line.text).toContain(`127.0.0.1:${locked.port}`);
    expect(line.text).toMatch(/WRONGPASS|invalid username-password/i);
    expect(everythingSent(fake)).not.toContain(WRONG_PASSWORD);
    expect(app.output()).not.toContain(WRONG_PASSWORD);
    expect(slack.verdicts(root)).toHaveLength(0);
  }, 60_000);

  it('a node that refuses everything but INFO: the verdict lists each refused check with the reason', async () => {
    const root = await investigate('crippled', 'CFAULT04');
    const verdict = await slack.verdict(root, 1, 60_000);
    const unchecked = couldNotCheck(verdict);
    expect(unchecked).toMatch(/unknown command|not available/i);
    expect(unchecked).toContain(`127.0.0.1:${crippled.port}`);
  }, 90_000);

  it('Slack answering 429 and 500: every message arrives exactly once', async () => {
    fake.rateLimitNext('chat.postMessage', 1);
    fake.failNext('chat.update', 500);
    const root = await investigate('healthy', 'CFAULT05');
    await slack.verdict(root, 1, 90_000);
    fake.failNext('chat.postMessage', 500);
    const buttons = await slack.control(root, { action: ACTION.allCauses }, 'the verdict buttons');
    await slack.click(buttons, { action: ACTION.allCauses }, USER);
    await slack.inThread(root, (m) => /All causes/.test(m.text), 'the list of all causes', 90_000);

    expect(fake.calls.some((c) => c.rateLimited)).toBe(true);
    expect(fake.calls.filter((c) => c.failedWith === 500).length).toBeGreaterThanOrEqual(2);
    expect(fake.messages.filter((m) => m.channel === 'CFAULT05' && m.thread_ts === null)).toHaveLength(1);
    expect(slack.verdicts(root)).toHaveLength(1);
    expect(slack.thread(root).filter((m) => /All causes/.test(m.text))).toHaveLength(1);
    const texts = slack.thread(root).map((m) => m.text);
    expect(new Set(texts).size).toBe(texts.length);
  }, 120_000);

  it('Azure Monitor never answering: the Azure checks fail with a reason and the Redis verdict still arrives', async () => {
    for (let i = 0; i < 20; i++) azure.faults.metrics.push('hang');
    const root = await investigate('azure-slow', 'CFAULT06');
    const verdict = await slack.verdict(root, 1, 90_000);
    const unchecked = couldNotCheck(verdict);
    expect(unchecked).toMatch(/metrics/i);
    expect(unchecked).toMatch(/timed out|did not answer|no answer/i);
    expect(everythingSent(fake)).not.toContain(TEST_TOKEN);
  }, 120_000);
});
