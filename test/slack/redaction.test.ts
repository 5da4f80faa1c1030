// One redaction point for every Slack call and every log line, through the real app process: an alert rule whose
// text holds the alert token (and the other configured secrets) is posted redacted, nothing the fake Slack received
// and nothing the process printed holds a secret, and credentials in SLACK_API_URL are never printed.
import { describe, expect, it } from 'vitest';
import { spawnApp } from '../support/app-process.ts';
import { useAlertApp } from '../support/alert-app.ts';
import { commonAlert, postAlert } from '../support/azure-alert.ts';
import { redisResourceId, redisResourceJson } from '../support/fake-azure.ts';
import { BOT_TOKEN, SIGNING_SECRET } from '../support/slack-driver.ts';
import { waitFor } from '../support/wait.ts';

const ALERT_TOKEN = 'alert-token-redact-4b8d2f6a1c9e';
const RESOURCE = redisResourceId('orders-redact');
const ALERTS = 'C0REDACT';
const MIN = 60_000;
const incident = new Date(Math.floor((Date.now() - 10 * MIN) / MIN) * MIN);

const h = useAlertApp({
  name: 'redaction',
  resource: RESOURCE,
  channel: ALERTS,
  fallback: 'C0REDACTFALLBACK',
  alertToken: ALERT_TOKEN,
  rateIntervalMs: 100,
  prepare(azure) {
    azure.resources.set(RESOURCE, redisResourceJson(RESOURCE, { sku: 'Standard' }));
    azure.metrics.set(RESOURCE.toLowerCase(), [{ metric: 'totalkeys', dimensions: { shardid: '0' }, value: (t) => (t < incident ? 5_000 : 3) }]);
  },
});

describe('one redaction point', () => {
  it('posts an alert rule holding the alert token, the signing secret and the bot token redacted, in every Slack call', async () => {
    const secrets = [ALERT_TOKEN, SIGNING_SECRET, BOT_TOKEN];
    const rule = `orders keys dropped (hook ?token=${ALERT_TOKEN}; signing ${SIGNING_SECRET}; bot "${BOT_TOKEN}")`;
    const body = commonAlert({
      alertId: '/alerts/redact-1',
      rule,
      target: RESOURCE,
      firedAt: new Date(incident.getTime() + 2 * MIN),
      windowStart: new Date(incident.getTime() - 15 * MIN),
      windowEnd: new Date(incident.getTime() + 2 * MIN),
    }) as { data: { essentials: Record<string, unknown> } };
    body.data.essentials.description = `Fires when keys drop. Webhook: https://keyloss.example/alerts/azure-monitor?token=${ALERT_TOKEN}`;
    const res = await postAlert(h.route, body, { token: ALERT_TOKEN });
    expect(res.status).toBe(202);
    const root = await h.slack.root(ALERTS);
    await h.slack.verdict(root);
    // The rule is posted, its secrets masked.
    expect(root.versions[0]!.text).toContain('orders keys dropped (hook ?token=***');
    const fake = h.surroundings.fake;
    // Everything Slack was sent, whatever the method: the calls' parameters (but `token`, the credential a call such
    // as auth.test authenticates with) and what went to response_url.
    const sent = JSON.stringify([fake.calls.map(({ params: { token: _own, ...params } }) => params), fake.responses, fake.messages]);
    for (const secret of secrets) {
      expect(sent).not.toContain(secret);
      expect(h.app.output()).not.toContain(secret);
    }
  }, 90_000);

  it('never prints credentials written into SLACK_API_URL', async () => {
    const password = 'slack-proxy-pass-93f1d';
    const app = await spawnApp('redaction-url', {
      ...h.surroundings.env(),
      SLACK_API_URL: `http://keyloss:${password}@127.0.0.1:${new URL(h.surroundings.fake.apiUrl).port}/api/`,
    });
    try {
      // Fetch refuses a URL with credentials: the start line says Slack could not be reached, at the redacted address.
      await waitFor(() => /Slack at \S+/.test(app.output()), 'the start line about Slack', 20_000);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(app.output()).toContain('http://keyloss:***@127.0.0.1');
      expect(app.output()).not.toContain(password);
    } finally {
      await app.stop();
    }
  }, 40_000);
});
