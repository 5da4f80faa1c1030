// The Slack app's environment and the caches file: validated, with errors that name the variable or the line.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCaches, resolveCacheUrl } from '../../src/config/caches.ts';
import { slackConfigFromEnv } from '../../src/config/env.ts';
import { redact } from '../../src/redact.ts';

describe('slackConfigFromEnv', () => {
  it('HTTP mode with defaults, Socket Mode with an app token', () => {
    const http = slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1-2-abcdefgh', SLACK_SIGNING_SECRET: 'signing-secret-123' });
    expect(http).toMatchObject({ ok: true, config: { appToken: null, port: 3000, cachesPath: 'keyloss.caches.yaml', apiUrl: null, progressIntervalMs: 1200, rateIntervalMs: null } });
    const socket = slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1-2-abcdefgh', SLACK_APP_TOKEN: 'xapp-1-abcdefgh', SLACK_API_URL: 'http://127.0.0.1:9/api', PORT: '' });
    expect(socket).toMatchObject({ ok: true, config: { appToken: 'xapp-1-abcdefgh', apiUrl: 'http://127.0.0.1:9/api/' } });
  });

  it('names what is wrong, and never echoes a token', () => {
    const result = slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxp-user-token-secret', PORT: 'eighty' });
    expect(result.ok).toBe(false);
    const reason = result.ok ? '' : result.reason;
    expect(reason).toMatch(/SLACK_BOT_TOKEN: a bot token starts with xoxb-/);
    expect(reason).toMatch(/PORT: expected a whole number/);
    expect(reason).toMatch(/set SLACK_APP_TOKEN \(Socket Mode\) or SLACK_SIGNING_SECRET \(HTTP mode\)/);
    expect(reason).not.toContain('xoxp-user-token-secret');
    expect(redact('token xoxp-user-token-secret')).not.toContain('user-token-secret');
  });
});

describe('parseCaches', () => {
  it('reads the shipped example', () => {
    const parsed = parseCaches(readFileSync('keyloss.caches.example.yaml', 'utf8'), 'keyloss.caches.example.yaml');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.caches.map((c) => c.name)).toEqual(['orders-prod', 'sessions-amr', 'staging']);
    expect(parsed.caches[0]).toMatchObject({ urlEnv: 'ORDERS_PROD_REDIS_URL', auth: 'key', tier: 'premium', db: 0, azure: { region: 'westeurope' } });
    expect(parsed.caches[1]).toMatchObject({ url: 'rediss://sessions-amr.westeurope.redis.azure.net:10000', auth: 'entra', tier: 'balanced' });
    expect(parsed.caches[2]).toMatchObject({ url: 'redis://staging-cache.internal:6379', auth: 'key', allow: null, db: 0 });
  });

  it('auth is key or entra, and says so naming the line', () => {
    const parsed = parseCaches(['caches:', '  a:', '    url: rediss://a:6380', '    auth: password'].join('\n'), 'f.yaml');
    expect(parsed).toMatchObject({ ok: false, reason: expect.stringMatching(/^f\.yaml:4: caches\.a\.auth .*"key".*"entra"/) });
  });

  it('refuses a password in the file, naming the line and telling to use urlEnv', () => {
    const text = ['caches:', '  orders:', '    tier: basic', '    url: rediss://:hunter2hunter2@orders.redis.cache.windows.net:6380'].join('\n');
    const parsed = parseCaches(text, 'caches.yaml');
    expect(parsed.ok).toBe(false);
    const reason = parsed.ok ? '' : parsed.reason;
    expect(reason).toMatch(/^caches\.yaml:4: caches\.orders\.url contains a password: .*urlEnv/);
    expect(reason).not.toContain('hunter2');
  });

  it('names the line of each problem', () => {
    const text = ['caches:', '  a:', '    url: redis://a:6379', '    tier: gold', '  b:', '    db: 3', '  c:', '    urlEnv: X', '    allow:', '      users: [bob]'].join('\n');
    const parsed = parseCaches(text, 'f.yaml');
    const reason = parsed.ok ? '' : parsed.reason;
    expect(reason).toMatch(/f\.yaml:4: caches\.a\.tier/);
    expect(reason).toMatch(/f\.yaml:6: caches\.b needs exactly one of "url"/);
    expect(reason).toMatch(/f\.yaml:10: caches\.c\.allow\.users\.0 a Slack user id/);
    // A key that does not belong is reported at its own line (5), not at its parent's (3).
    const stray = parseCaches(['caches:', '  a:', '    url: redis://a:6379', '    db: 5', '    colour: red'].join('\n'), 's.yaml');
    expect(stray).toMatchObject({ ok: false, reason: expect.stringMatching(/^s\.yaml:5: caches\.a Unrecognized key: "colour"/) });
    expect(parseCaches('caches: [1, 2', 'bad.yaml')).toMatchObject({ ok: false, reason: expect.stringMatching(/^bad\.yaml:1: not valid YAML/) });
  });

  it('resolves urlEnv at use time and registers the password as a secret', () => {
    const parsed = parseCaches('caches:\n  p:\n    urlEnv: P_URL\n', 'f.yaml');
    if (!parsed.ok) throw new Error(parsed.reason);
    const cache = parsed.caches[0]!;
    expect(resolveCacheUrl(cache, {})).toEqual({ ok: false, reason: 'cache p: the environment variable P_URL is not set on the keyloss server' });
    expect(resolveCacheUrl(cache, { P_URL: 'redis://:pa55-w0rd-x@h:1' })).toEqual({ ok: true, url: 'redis://:pa55-w0rd-x@h:1' });
    expect(redact('failed with pa55-w0rd-x')).toBe('failed with ***');
  });
});
