// Socket Mode for real: the Bolt app opens its connection through apps.connections.open at SLACK_API_URL (with the app
// token), receives envelopes on the fake's WebSocket, acknowledges each once, and runs the incident as in HTTP mode.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { stagingClient, writeKeys } from '../scenarios/support.ts';
import { startSlackApp, type InProcessApp } from '../support/slack-app.ts';
import { APP_TOKEN, BOT_TOKEN, CHANNEL, everythingSent } from '../support/slack-driver.ts';

const USER = 'U0ONCALL';
let redis: RedisProcess;
let h: InProcessApp;

beforeAll(async () => {
  redis = await startRedis();
  // The application writes db 3 while it reads db 0.
  const writer: Redis = stagingClient(redis.url, 3);
  await writeKeys(writer, 'session:', 0, 12, 64);
  await writer.quit();
  h = await startSlackApp({
    caches: ['caches:', '  orders-prod:', `    url: redis://127.0.0.1:${redis.port}`, '    tier: standard'].join('\n'),
    socketMode: true,
  });
});

afterEach(() => {
  expect(h.fake.breaches).toEqual([]);
});

afterAll(async () => {
  await h?.stop();
  await stopAllRedis();
});

describe('Socket Mode', () => {
  it('connects with the app token at SLACK_API_URL, and nothing listens on a port', () => {
    expect(h.slack.mode).toBe('socket');
    expect(h.eventsUrl).toBe('');
    expect(h.fake.socket.connections()).toBe(1);
    const opened = h.fake.callsOf('apps.connections.open');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.token).toBe(APP_TOKEN);
    // Every other call carries the bot token.
    expect(h.fake.calls.filter((c) => c.method !== 'apps.connections.open').every((c) => c.token === BOT_TOKEN)).toBe(true);
  });

  it('acknowledges the slash command, asks the one question left, and a button click leads to the verdict', async () => {
    const ack = await h.command('orders-prod session:* db 0 scope complete', USER);
    expect(ack.status).toBe(200);
    const root = await h.root();
    expect(root.text).toContain('Key-loss investigation on orders-prod');
    const since = await h.inThread(root, (m) => m.text === 'When were the keys last known to be there?', 'the since question');
    await h.click(since, 'In the last hour', USER);
    const verdict = await h.verdict(root);
    expect(verdict.metadata?.event_payload).toMatchObject({ verdict: 'explained', cause: 'wrong-database', cache: 'orders-prod' });

    // A double click on "Show all causes": both envelopes acknowledged, one message.
    const clickTs = `${(Date.now() / 1000).toFixed(6)}`;
    await h.click(verdict, 'Show all causes', USER, { actionTs: clickTs });
    await h.click(verdict, 'Show all causes', USER, { actionTs: clickTs });
    await h.inThread(root, (m) => m.text.startsWith('All causes for'), 'all causes');
    await new Promise((r) => setTimeout(r, 300));
    expect(h.fake.thread(CHANNEL, root.ts).filter((m) => m.text.startsWith('All causes for'))).toHaveLength(1);

    // Each envelope was acknowledged exactly once.
    expect(new Set(h.fake.socket.acks).size).toBe(h.fake.socket.acks.length);
    expect(h.fake.socket.acks.length).toBe(4);
    expect(everythingSent(h.fake)).not.toContain(APP_TOKEN);
    expect(h.logs.join('\n')).not.toContain(APP_TOKEN);
  });

  it('acknowledges an envelope whose payload Bolt cannot read, so Slack does not redeliver it, and says why in the audit log', async () => {
    const ack = await h.fake.socket.send('interactive', { type: 'view_submission' });
    expect(ack.envelope_id).toBeTruthy();
    expect(h.audit.some((l) => l.includes('request refused by the Slack receiver'))).toBe(true);
    expect(h.logs.join('\n')).not.toMatch(/unhandled error/i);
  });

  it('reconnects when Slack asks it to refresh its connection, and takes commands on the new one', async () => {
    const opened = h.fake.callsOf('apps.connections.open').length;
    h.fake.socket.disconnect();
    await h.waitFor(() => h.fake.callsOf('apps.connections.open').length > opened && h.fake.socket.connections() === 1, 'a new connection');
    const ack = await h.command('orders-prod cart:9 since 1h db 0 scope partial', USER, { channel: 'C0SECOND' });
    expect(ack.status).toBe(200);
    await h.waitFor(() => h.fake.messages.find((m) => m.channel === 'C0SECOND' && m.thread_ts === null), 'the root message in the second channel');
    await h.waitFor(() => h.audit.some((l) => l.includes('"action":"verdict"') && l.includes('"channel":"C0SECOND"')), 'the verdict in the second channel');
  });

  it('notices a half-open connection (no pong within 5 s), opens a new one, and takes commands on it', async () => {
    const opened = h.fake.callsOf('apps.connections.open').length;
    h.fake.socket.silence();
    await h.waitFor(() => h.fake.callsOf('apps.connections.open').length > opened, 'a new connection after the pongs stopped', 20_000);
    await h.waitFor(() => h.fake.socket.connections() === 1, 'the silent connection to be closed', 20_000);
    const ack = await h.command('orders-prod cart:10 since 1h db 0 scope partial', USER, { channel: 'C0THIRD' });
    expect(ack.status).toBe(200);
    await h.waitFor(() => h.audit.some((l) => l.includes('"action":"verdict"') && l.includes('"channel":"C0THIRD"')), 'the verdict in the third channel');
    expect(h.logs.join('\n')).toMatch(/pong wasn't received/);
  }, 40_000);

  it('closes its connection on stop', async () => {
    await h.slack.stop();
    await h.waitFor(() => h.fake.socket.connections() === 0, 'the connection to close');
  });
});
