// The transport follows the configuration: Socket Mode with an app token, HTTP with a signing secret.
import { afterAll, describe, expect, it } from 'vitest';
import { slackConfigFromEnv } from '../../src/config/env.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import { createSlackApp } from '../../src/slack/app.ts';
import { createAudit } from '../../src/slack/audit.ts';
import { redactingLogger } from '../../src/slack/logger.ts';
import { MemoryStateStore } from '../../src/state/memory.ts';
import { NO_AZURE_ACCESS } from '../../src/azure/context.ts';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.ts';

let fake: FakeSlack;
afterAll(() => fake?.close());

describe('createSlackApp', () => {
  it('uses Socket Mode when SLACK_APP_TOKEN is set, HTTP otherwise; the Web API base URL follows SLACK_API_URL', async () => {
    fake = await startFakeSlack();
    const base = { SLACK_BOT_TOKEN: 'xoxb-1-2-appmodetest', SLACK_API_URL: fake.apiUrl };
    const deps = async () => ({
      store: new MemoryStateStore(),
      caches: { ok: false as const, missing: true, reason: 'none' },
      runbook: await loadDefaultRunbook(),
      azure: NO_AZURE_ACCESS,
      audit: createAudit(() => undefined),
      logger: redactingLogger(undefined, () => undefined),
    });
    const socket = slackConfigFromEnv({ ...base, SLACK_APP_TOKEN: 'xapp-1-appmodetest' });
    const http = slackConfigFromEnv({ ...base, SLACK_SIGNING_SECRET: 'secret-for-http-mode' });
    if (!socket.ok || !http.ok) throw new Error('config');
    expect(createSlackApp(socket.config, await deps()).mode).toBe('socket');
    const httpApp = createSlackApp(http.config, await deps());
    expect(httpApp.mode).toBe('http');
    await httpApp.app.client.auth.test();
    expect(fake.callsOf('auth.test').at(-1)?.token).toBe('xoxb-1-2-appmodetest');
  });
});
