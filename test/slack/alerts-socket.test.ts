// Socket Mode needs no port for Slack, but with KEYLOSS_ALERT_TOKEN set keyloss opens PORT for the alert route alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commonAlert, postAlert } from '../support/azure-alert.ts';
import { redisResourceId } from '../support/fake-azure.ts';
import { startSlackApp, type InProcessApp } from '../support/slack-app.ts';

const TOKEN = 'socket-alert-token-2b8c4e6f1a3d';
let h: InProcessApp;

beforeAll(async () => {
  h = await startSlackApp({
    caches: ['caches:', '  orders-prod:', '    url: redis://127.0.0.1:1', '    tier: standard'].join('\n'),
    socketMode: true,
    env: { KEYLOSS_ALERT_TOKEN: TOKEN, KEYLOSS_ALERT_CHANNEL: 'C0FALLBACK' },
  });
});

afterAll(() => h?.stop());

describe('the alert route in Socket Mode', () => {
  it('listens on PORT for POST /alerts/azure-monitor only, with the same token', async () => {
    expect(h.slack.mode).toBe('socket');
    expect(h.alertUrl).not.toBe('');
    expect((await postAlert(h.alertUrl, {}, {})).status).toBe(401);
    const other = await fetch(h.alertUrl.replace('/alerts/azure-monitor', '/slack/events'), { method: 'POST', body: '{}' });
    expect(other.status).toBe(404);
    const alert = commonAlert({ alertId: '/alerts/socket-1', target: redisResourceId('not-configured'), firedAt: new Date() });
    expect((await postAlert(h.alertUrl, alert, { bearer: TOKEN })).status).toBe(202);
    const notice = await h.waitFor(() => h.fake.messages.find((m) => m.channel === 'C0FALLBACK'), 'the notice');
    expect(notice.text).toContain('no cache in the caches file');
    expect(h.audit.filter((l) => l.includes('"action":"alert"'))).toHaveLength(1);
  });
});
