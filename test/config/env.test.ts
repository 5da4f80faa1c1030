// The configuration is parsed once, by one schema: every variable's bad value is one line naming it and what it takes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES, loadConfig, slackConfigFromEnv } from '../../src/config/env.ts';

const BAD: Partial<Record<(typeof ENV_VARIABLES)[number], { value: string; accepts: RegExp }>> = {
  KEYLOSS_RATE_INTERVAL_MS: { value: 'fast', accepts: /expected a whole number, got "fast"/ },
  KEYLOSS_HEARTBEAT_MS: { value: '10', accepts: /expected a whole number of at least 50, got "10"/ },
  KEYLOSS_AZURE_METRICS_ENDPOINT: { value: 'http://127.0.0.1:9', accepts: /expected an https:\/\/ URL/ },
  KEYLOSS_AZURE_ARM_ENDPOINT: { value: 'not a url', accepts: /expected an https:\/\/ URL/ },
  SLACK_BOT_TOKEN: { value: 'xoxp-user-token', accepts: /a bot token starts with xoxb-/ },
  SLACK_APP_TOKEN: { value: 'token', accepts: /an app-level token starts with xapp-/ },
  SLACK_API_URL: { value: 'slack', accepts: /a URL such as/ },
  PORT: { value: 'eighty', accepts: /expected a whole number, got "eighty"/ },
  KEYLOSS_PROGRESS_INTERVAL_MS: { value: '-5', accepts: /expected a whole number, got "-5"/ },
  KEYLOSS_SESSION_TTL: { value: '5s', accepts: /at least a minute/ },
  KEYLOSS_WATCH_FOR: { value: '11m', accepts: /expected a duration from 1s to 10m such as 30s or 2m, got "11m"/ },
  KEYLOSS_SHUTDOWN_GRACE_MS: { value: '1.5', accepts: /expected a whole number, got "1.5"/ },
  KEYLOSS_SLACK_TIMEOUT_MS: { value: '0', accepts: /expected a whole number of at least 1, got "0"/ },
  KEYLOSS_ALERT_ENTRA_TENANT: { value: 'contoso.onmicrosoft.com', accepts: /a tenant id \(GUID\)/ },
  KEYLOSS_ALERT_ENTRA_CLIENT_ID: { value: 'keyloss', accepts: /a client \(application\) id \(GUID\)/ },
  KEYLOSS_ALERT_ENTRA_REQUIRE_ROLE: { value: 'yes', accepts: /true or false/ },
  KEYLOSS_ALERT_ENTRA_JWKS_URL: { value: 'http://login.example.com/keys', accepts: /expected an https:\/\/ URL/ },
};

describe('the configuration', () => {
  it.each(Object.entries(BAD))('stops on a bad %s with one line naming it', (name, bad) => {
    const env = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'secret', [name]: bad!.value };
    const slack = slackConfigFromEnv(env);
    expect(slack.ok).toBe(false);
    const reason = slack.ok ? '' : slack.reason;
    expect(reason).not.toContain('\n');
    expect(reason).toContain(`${name}: `);
    expect(reason).toMatch(bad!.accepts);
    // The other commands read the same schema: the same value is refused there too, with the same words.
    const plain = loadConfig({ [name]: bad!.value });
    expect(plain.ok).toBe(false);
    expect(plain.ok ? '' : plain.reason).toMatch(bad!.accepts);
  });

  it('gives each value one meaning on every surface', () => {
    const slack = slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 's', KEYLOSS_RATE_INTERVAL_MS: '0' });
    const plain = loadConfig({ KEYLOSS_RATE_INTERVAL_MS: '0' });
    // 0 skips the rates check's wait, in Slack as in walk and diagnose (--rate-interval 0).
    expect(slack.ok && slack.config.rateIntervalMs).toBe(0);
    expect(plain.ok && plain.config.rateIntervalMs).toBe(0);
    expect(loadConfig({}).ok && (loadConfig({}) as { config: { rateIntervalMs: unknown } }).config.rateIntervalMs).toBeNull();
    const defaults = loadConfig({ REDIS_URL: '  ', NO_COLOR: '1' });
    expect(defaults).toMatchObject({ ok: true, config: { redisUrl: 'redis://127.0.0.1:6379', cachesPath: 'keyloss.caches.yaml', noColor: true, heartbeatMs: 5_000 } });
    expect(loadConfig({ TERM: 'dumb' })).toMatchObject({ ok: true, config: { noColor: true } });
    expect(loadConfig({ KEYLOSS_REPLICA_ID: 'pod-7', STATE_REDIS_URL: 'redis://127.0.0.1:6390' })).toMatchObject({
      ok: true,
      config: { replicaId: 'pod-7', state: { url: 'redis://127.0.0.1:6390', prefix: 'keyloss:' } },
    });
  });

  it("reads the secure webhook's Entra app once: both ids or neither, the v1 audience and key set defaulted", () => {
    const base = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 's' };
    const tenant = '72F988BF-86F1-41AF-91AB-2D7CD011DB47';
    const client = '0b5a7c3e-1d2f-4a6b-8c9d-0e1f2a3b4c5d';
    expect(slackConfigFromEnv({ ...base, KEYLOSS_ALERT_ENTRA_TENANT: tenant, KEYLOSS_ALERT_ENTRA_CLIENT_ID: client })).toMatchObject({
      ok: true,
      config: {
        alertToken: null,
        alertEntra: {
          tenant: tenant.toLowerCase(),
          clientId: client,
          appIdUri: `api://${client}`,
          requireRole: false,
          jwksUrl: `https://login.microsoftonline.com/${tenant.toLowerCase()}/discovery/v2.0/keys`,
        },
      },
    });
    const half = slackConfigFromEnv({ ...base, KEYLOSS_ALERT_ENTRA_TENANT: tenant });
    expect(half.ok ? '' : half.reason).toContain('KEYLOSS_ALERT_ENTRA_TENANT and KEYLOSS_ALERT_ENTRA_CLIENT_ID: set both');
    expect(slackConfigFromEnv(base)).toMatchObject({ ok: true, config: { alertEntra: null } });
  });

  it('names every variable it reads in the README, and no test-only one', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of ENV_VARIABLES.filter((n) => n !== 'TERM')) expect(readme).toContain(`\`${name}\``);
    expect(readme).not.toContain('KEYLOSS_AZURE_TEST_TOKEN');
  });
});
