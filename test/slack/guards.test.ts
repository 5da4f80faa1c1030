// What must never happen through Slack: unsigned requests, strangers, injected mentions, leaked secrets, silence, lost messages.
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis, freePort, type RedisProcess } from '../support/redis-server.ts';
import { stagingClient, writeKeys } from '../scenarios/support.ts';
import { slashCommandBody, sign } from '../support/slack-request.ts';
import { startSlackApp, type InProcessApp } from '../support/slack-app.ts';
import { CHANNEL, SIGNING_SECRET, blockText, everythingSent } from '../support/slack-driver.ts';

const ONCALL = 'U0ONCALL';
const STRANGER = 'U0STRANGER';
const GROUPIE = 'U0GROUPIE';
const PASSWORD = 'Sup3r-s3cret-redis-passw0rd';

let open: RedisProcess;
let locked: RedisProcess;
let h: InProcessApp;

beforeAll(async () => {
  open = await startRedis();
  locked = await startRedis(['--requirepass', PASSWORD]);
  const app = stagingClient(open.url);
  await writeKeys(app, 'session:', 0, 10, 32);
  await app.quit();
  const closedPort = await freePort();
  // The app's environment, where the caches file's urlEnv names are looked up (Config.secrets).
  const env = {
    KEYLOSS_TEST_LOCKED_URL: `redis://:${PASSWORD}@127.0.0.1:${locked.port}`,
    KEYLOSS_TEST_WRONG_URL: `redis://:not-the-${PASSWORD}@127.0.0.1:${locked.port}`,
  };
  h = await startSlackApp({
    env,
    caches: [
      'caches:',
      '  orders-prod:',
      `    url: redis://127.0.0.1:${open.port}`,
      '    tier: standard',
      '    allow:',
      `      channels: ["#incidents", "${CHANNEL}"]`,
      `      users: [${ONCALL}]`,
      '      usergroups: [S0SRE]',
      '  payments:',
      '    urlEnv: KEYLOSS_TEST_LOCKED_URL',
      '    tier: premium',
      '  payments-wrong-key:',
      '    urlEnv: KEYLOSS_TEST_WRONG_URL',
      '    tier: standard',
      '  gone:',
      `    url: redis://127.0.0.1:${closedPort}`,
      '    tier: basic',
      '  entra-plain:',
      `    url: redis://127.0.0.1:${closedPort}`,
      '    auth: entra',
      '    tier: enterprise',
      '    allow:',
      `      users: [${ONCALL}]`,
      '  secret-vault:',
      '    url: redis://127.0.0.1:1',
      '    allow:',
      '      users: [U0SOMEONEELSE]',
    ].join('\n'),
  });
  h.fake.usergroups.S0SRE = [GROUPIE];
});

afterEach(() => {
  expect(h.fake.breaches).toEqual([]);
  h.fake.messages.length = 0;
  h.fake.calls.length = 0;
  h.fake.ephemerals.length = 0;
  h.fake.responses.length = 0;
});

afterAll(async () => {
  await h?.stop();
  await stopAllRedis();
});

const roots = () => h.fake.messages.filter((m) => m.thread_ts === null);

describe('requests Slack did not sign, or whose shape cannot be read, are refused', () => {
  it('a bad signature and a stale timestamp get 401 and run nothing', async () => {
    const body = slashCommandBody({ text: 'orders-prod session:1', user_id: ONCALL, channel_id: CHANNEL, response_url: h.fake.responseUrl() });
    const forged = await h.raw(body, { signature: sign('not-the-secret', Math.floor(Date.now() / 1000), body) });
    expect(forged.status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 10 * 60;
    const old = await h.raw(body, { timestamp: stale });
    expect(old.status).toBe(401);
    const good = await h.raw(body);
    expect(good.status).toBe(200);
    await h.waitFor(() => roots().length === 1, 'the one signed command to start');
    expect(roots()).toHaveLength(1);
  });

  it('a signed payload whose shape Bolt cannot read gets 400 at once, with one audit line each, not a 500', async () => {
    const shapes = ['{"event":null}', '{"type":"view_submission"}', '{"type":"shortcut"}', '{"actions":[null]}', '{"name":null,"channel":null}'];
    const before = h.audit.filter((l) => l.includes('request refused by the Slack receiver')).length;
    for (const shape of shapes) {
      const answer = await h.raw(`payload=${encodeURIComponent(shape)}`);
      expect(answer.status, shape).toBe(400);
    }
    expect(h.audit.filter((l) => l.includes('request refused by the Slack receiver')).length - before).toBe(shapes.length);
    expect(h.logs.join('\n')).not.toMatch(/unhandled error/i);
  });

  it('every signed request gets an answer: payload=null, a JSON null, [], a number, an unknown type', async () => {
    const signedPost = async (body: string, contentType: string) => {
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await fetch(h.eventsUrl, {
        method: 'POST',
        headers: { 'Content-Type': contentType, 'X-Slack-Request-Timestamp': String(timestamp), 'X-Slack-Signature': sign(SIGNING_SECRET, timestamp, body) },
        body,
        // Before the fix these hung until the client gave up (300 s); the bound only keeps a failure from hanging the suite.
        signal: AbortSignal.timeout(15_000),
      });
      return response.status;
    };
    const form = 'application/x-www-form-urlencoded';
    expect(await signedPost('payload=null', form)).toBe(400);
    expect(await signedPost('payload=%5B%5D', form)).toBe(400);
    expect(await signedPost('payload=42', form)).toBe(400);
    expect(await signedPost('null', 'application/json')).toBe(400);
    expect(await signedPost('[]', 'application/json')).toBe(400);
    expect(await signedPost(`payload=${encodeURIComponent('{"type":"no_such_type"}')}`, form)).toBe(400);
    // Unsigned, the same bodies are Bolt's to refuse: 401, and no audit line claims they were signed.
    const unsigned = await fetch(h.eventsUrl, { method: 'POST', headers: { 'Content-Type': form }, body: 'payload=null', signal: AbortSignal.timeout(15_000) });
    expect(unsigned.status).toBe(401);
    expect(h.logs.join('\n')).not.toMatch(/unhandled error/i);
  }, 60_000);
});

/**
 * Sends a POST's headers declaring `length` bytes and the first few bytes of its body, never the rest, and resolves with
 * the status line the server answers (null if it closes without one). Bounded so that a failure does not hang the suite.
 */
function answerBeforeBody(url: string, headers: Record<string, string>, length: number): Promise<string | null> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer before the body was sent: ${url}`));
    }, 15_000);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received ? received.split('\r\n')[0]! : null);
    });
    socket.on('error', () => undefined);
    const head = Object.entries({ Host: target.host, 'Content-Type': 'application/json', 'Content-Length': String(length), ...headers })
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    socket.write(`POST ${target.pathname}${target.search} HTTP/1.1\r\n${head}\r\n\r\n{"junk":"`);
  });
}

describe('a flood of junk costs nothing: refused before its body is read', () => {
  it('a request without a Slack signature is 401 before its body arrives, and the connection is closed', async () => {
    expect(await answerBeforeBody(h.eventsUrl, {}, 4 * 1024 * 1024)).toBe('HTTP/1.1 401 Unauthorized');
    const stale = String(Math.floor(Date.now() / 1000) - 10 * 60);
    expect(await answerBeforeBody(h.eventsUrl, { 'X-Slack-Request-Timestamp': stale, 'X-Slack-Signature': `v0=${'0'.repeat(64)}` }, 1024)).toBe('HTTP/1.1 401 Unauthorized');
  });

  it('a signed-looking request declaring more than 4 MB is 413 before its body arrives', async () => {
    const now = String(Math.floor(Date.now() / 1000));
    expect(await answerBeforeBody(h.eventsUrl, { 'X-Slack-Request-Timestamp': now, 'X-Slack-Signature': `v0=${'a'.repeat(64)}` }, 4 * 1024 * 1024 + 1)).toBe('HTTP/1.1 413 Payload Too Large');
  });

  it('a forged signature over a body that is not JSON is 401, and a signed command still runs', async () => {
    const now = Math.floor(Date.now() / 1000);
    const junk = `{"junk": ${'['.repeat(10_000)}`;
    const forged = await fetch(h.eventsUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Slack-Request-Timestamp': String(now), 'X-Slack-Signature': sign('not-the-secret', now, junk) }, body: junk });
    expect(forged.status).toBe(401);
    const res = await h.command('help', ONCALL);
    expect(JSON.stringify(res.json)).toContain('/keyloss [cache] [key]');
  });
});

describe('the command text', () => {
  it('help answers with usage in the ack', async () => {
    const res = await h.command('help', ONCALL);
    expect(res.json).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(res.json)).toContain('/keyloss [cache] [key]');
    expect(roots()).toHaveLength(0);
  });

  it('bad text gets usage naming the problem, and nothing runs', async () => {
    const res = await h.command('orders-prod session:1 since yesterday-ish', ONCALL);
    expect(JSON.stringify(res.json)).toMatch(/is not a time/);
    const tier = await h.command('orders-prod session:1 tier gold', ONCALL);
    expect(JSON.stringify(tier.json)).toMatch(/“gold” is not a tier; use basic, standard, premium, enterprise/);
    expect(roots()).toHaveLength(0);
  });
});

describe('a private channel keyloss was not invited to', () => {
  it('gets one ephemeral line saying to invite it, not the usage, and nothing runs', async () => {
    h.fake.closedChannels.add('G0PRIVATE');
    await h.command('payments session:1 since 1h scope partial', ONCALL, { channel: 'G0PRIVATE' });
    const notice = await h.waitFor(() => h.fake.responses.find((r) => r.id === `cmd-${ONCALL}`), 'the notice');
    expect(notice.body.response_type).toBe('ephemeral');
    expect(String(notice.body.text)).toBe('keyloss cannot post in this channel. Invite it first (/invite @keyloss), then try again.');
    expect(JSON.stringify(notice.body)).not.toContain('Usage:');
    expect(h.fake.messages.filter((m) => m.channel === 'G0PRIVATE')).toHaveLength(0);
    expect(h.audit.some((l) => l.includes('"action":"checks-started"') && l.includes('G0PRIVATE'))).toBe(false);
  });
});

describe('Microsoft Entra sign-in', () => {
  it('a cache with auth: entra but a plain redis:// URL: the thread says TLS is needed, and no token is fetched', async () => {
    await h.command('entra-plain session:1 since 1h scope partial', ONCALL);
    const root = await h.root();
    const line = await h.inThread(root, (m) => m.text.includes('cannot be used'), 'the line about the URL');
    expect(line.text).toBe(
      'The URL configured for entra-plain cannot be used: Microsoft Entra sign-in sends a token, so it needs TLS: use rediss:// (Azure: port 6380, Azure Managed Redis: 10000)',
    );
  });
});

describe('who may diagnose what', () => {
  it('a user not on the list is refused, ephemerally, and nothing is posted in the channel', async () => {
    await h.command('orders-prod session:1 since 1h', STRANGER);
    const refusal = await h.waitFor(() => h.fake.responses.find((r) => r.id === `cmd-${STRANGER}`), 'the refusal');
    expect(refusal.body.response_type).toBe('ephemeral');
    expect(String(refusal.body.text)).toMatch(/not on the list of people who may diagnose orders-prod/);
    expect(roots()).toHaveLength(0);
    expect(h.audit.some((l) => l.includes('"action":"refused"') && l.includes(STRANGER))).toBe(true);
  });

  it('a member of an allowed user group may start', async () => {
    await h.command('orders-prod session:1 since 1h scope partial', GROUPIE);
    const root = await h.root();
    await h.verdict(root);
  });

  it('another channel is refused for a cache bound to #incidents', async () => {
    await h.command('orders-prod session:1', ONCALL, { channel: 'C0RANDOM', channelName: 'random' });
    const refusal = await h.waitFor(() => h.fake.responses.find((r) => r.id === `cmd-${ONCALL}`), 'the refusal');
    expect(String(refusal.body.text)).toMatch(/may not be diagnosed from this channel/);
    expect(roots()).toHaveLength(0);
  });

  it('without a cache name, the picker lists only the caches this user may use; picking one starts', async () => {
    await h.command('session:2 since 1h scope partial', STRANGER);
    const picker = await h.waitFor(() => h.fake.responses.find((r) => r.id === `cmd-${STRANGER}`), 'the cache picker');
    const blocks = JSON.stringify(picker.body.blocks);
    expect(blocks).toContain('payments');
    expect(blocks).not.toContain('orders-prod');
    expect(blocks).not.toContain('secret-vault');
    const actions = (picker.body.blocks as Array<{ type: string; block_id: string; elements: Array<{ action_id: string; value: string; text: { text: string } }> }>).find(
      (b) => b.type === 'actions',
    )!;
    const gone = actions.elements.find((e) => e.value === 'gone')!;
    const payload = {
      type: 'block_actions',
      user: { id: STRANGER, username: 'stranger', name: 'stranger', team_id: 'T111' },
      api_app_id: 'A111',
      token: 'unused',
      container: { type: 'message', message_ts: '1700000000.000001', channel_id: CHANNEL, is_ephemeral: true },
      trigger_id: 'pick.trigger',
      team: { id: 'T111', domain: 'example' },
      channel: { id: CHANNEL, name: 'incidents' },
      response_url: h.fake.responseUrl('pick'),
      actions: [{ type: 'button', action_id: gone.action_id, block_id: actions.block_id, value: gone.value, text: { type: 'plain_text', text: 'gone' }, action_ts: '1700000001.000001' }],
      state: { values: {} },
    };
    await h.interact(payload);
    await h.interact(payload, { retryNum: 1 });
    const root = await h.root();
    expect(root.text).toContain('Key-loss investigation on gone');
    // An unreachable cache gets a clear line in the thread, never silence.
    const line = await h.inThread(root, (m) => m.text.includes('The cache gone at'), 'the unreachable line');
    expect(line.text).toMatch(/at 127\.0\.0\.1:\d+ could not be reached/);
    await h.waitFor(() => root.versions.length > 2, 'the root message marked unreachable');
    expect(blockText(root)).toMatch(/The cache gone at .* could not be reached/);
    expect(roots()).toHaveLength(1);
  });
});

describe('text from people and servers is inert', () => {
  it('<!channel> in the key pattern arrives escaped everywhere', async () => {
    await h.command('orders-prod "<!channel>*" since 1h scope partial db 0', ONCALL);
    const root = await h.root();
    const verdict = await h.verdict(root);
    expect(blockText(verdict)).toContain('&lt;!channel&gt;*');
    for (const call of h.fake.calls) {
      const blocks = JSON.stringify(call.params.blocks ?? []);
      expect(blocks).not.toContain('<!channel>');
    }
  });
});

describe('secrets', () => {
  it('a password-protected cache: diagnosed through urlEnv, the password nowhere in Slack or the audit log', async () => {
    await h.command('payments session:1 since 1h scope partial', ONCALL);
    const root = await h.root();
    await h.verdict(root);
    expect(everythingSent(h.fake)).not.toContain(PASSWORD);
    expect(h.audit.join('\n')).not.toContain(PASSWORD);
  });

  it('a wrong password: a clear line naming host:port, without either password', async () => {
    await h.command('payments-wrong-key session:1 since 1h scope partial', ONCALL);
    const root = await h.root();
    const line = await h.inThread(root, (m) => m.text.includes('refused the credentials'), 'the refusal line');
    expect(line.text).toMatch(new RegExp(`The cache payments-wrong-key at 127\\.0\\.0\\.1:${locked.port} refused the credentials`));
    expect(everythingSent(h.fake)).not.toContain(PASSWORD);
    expect(h.audit.join('\n')).not.toContain(PASSWORD);
    expect(h.logs.join('\n')).not.toContain(PASSWORD);
  });
});

describe('Slack rate limits', () => {
  it('a 429 with Retry-After: 1 on chat.postMessage is retried: the root message arrives once', async () => {
    h.fake.rateLimitNext('chat.postMessage', 1);
    await h.command('orders-prod session:3 since 1h scope partial', ONCALL);
    const root = await h.root();
    await h.verdict(root);
    expect(h.fake.calls.filter((c) => c.method === 'chat.postMessage' && c.rateLimited)).toHaveLength(1);
    expect(roots()).toHaveLength(1);
    const bodies = h.fake.messages.map((m) => m.text);
    expect(new Set(bodies).size).toBe(bodies.length);
  });
});
