// Azure Monitor alerts start investigations: the real app process in HTTP mode, the fake Slack, the fake Azure over
// HTTPS, a real redis-server. The alert route's answers (401/400/413/202), the root message in the cache's alert
// channel, the verdict in its thread with the alert id, the charts uploaded there, retries, resolve, unknown caches.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redisResourceId, redisResourceJson } from '../support/fake-azure.ts';
import { useAlertApp } from '../support/alert-app.ts';
import { commonAlert, postAlert } from '../support/azure-alert.ts';
import { decodePng, isPng } from '../support/png.ts';
import { ACTION } from '../../src/slack/ids.ts';

const ALERT_TOKEN = 'alert-token-0f3b9c2d7e6a5b4c';
const RESOURCE = redisResourceId('orders-prod');
const ALERTS = 'C0ALERTS';
const FALLBACK = 'C0FALLBACK';
const MIN = 60_000;
const CHART_DIR = join(process.cwd(), '.tmp', 'charts', 'slack');

/** The flush: ten minutes ago, on a minute boundary. */
const incident = new Date(Math.floor((Date.now() - 10 * MIN) / MIN) * MIN);

const h = useAlertApp({
  name: 'alerts',
  resource: RESOURCE,
  channel: ALERTS,
  fallback: FALLBACK,
  alertToken: ALERT_TOKEN,
  rateIntervalMs: 100,
  prepare(azure) {
    const after = (t: Date) => t.getTime() >= incident.getTime();
    azure.resources.set(RESOURCE, redisResourceJson(RESOURCE, { sku: 'Premium' }));
    azure.metrics.set(RESOURCE.toLowerCase(), [
      { metric: 'totalkeys', dimensions: { shardid: '0' }, value: (t) => (after(t) ? 12 : 64_000) },
      { metric: 'usedmemory', dimensions: { shardid: '0' }, unit: 'Bytes', value: (t) => (after(t) ? 2 * 1024 ** 2 : 900 * 1024 ** 2) },
      { metric: 'evictedkeys', dimensions: { shardid: '0' }, value: () => 0 },
      { metric: 'expiredkeys', dimensions: { shardid: '0' }, value: () => 0 },
      { metric: 'connectedclients', dimensions: { shardid: '0' }, value: () => 25 },
      { metric: 'errors', dimensions: { errortype: 'Failover' }, value: () => 0 },
    ]);
  },
});

const fired = (alertId: string) =>
  commonAlert({ alertId, target: RESOURCE, firedAt: new Date(incident.getTime() + 2 * MIN), windowStart: new Date(incident.getTime() - 15 * MIN), windowEnd: new Date(incident.getTime() + 2 * MIN) });
const alertLines = () => h.app.output().split('\n').filter((l) => l.includes('"action":"alert"'));

describe('POST /alerts/azure-monitor', () => {
  it('refuses a missing or wrong token with 401 and posts nothing', async () => {
    const before = h.surroundings.fake.messages.length;
    for (const auth of [{}, { token: 'wrong' }, { bearer: `${ALERT_TOKEN}x` }, { token: ALERT_TOKEN.slice(0, -1) }]) {
      const res = await postAlert(h.route, fired('/alerts/unauthorised'), auth);
      expect(res.status, JSON.stringify(auth)).toBe(401);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(h.surroundings.fake.messages.length).toBe(before);
    expect(h.app.output()).not.toContain(ALERT_TOKEN);
  });

  it('answers 400 with a readable reason for what is not a common-schema alert, 413 for a huge body', async () => {
    const notJson = await postAlert(h.route, '{"schemaId": ', { token: ALERT_TOKEN });
    expect(notJson).toMatchObject({ status: 400, json: { error: 'the body is not JSON' } });
    const wrongSchema = await postAlert(h.route, { schemaId: 'Microsoft.Insights/activityLogs', data: {} }, { bearer: ALERT_TOKEN });
    expect(wrongSchema.status).toBe(400);
    expect(String(wrongSchema.json?.error)).toContain('Enable the common alert schema');
    const body = fired('/alerts/malformed') as { data: { essentials: Record<string, unknown> } };
    delete body.data.essentials.alertId;
    const missing = await postAlert(h.route, body, { token: ALERT_TOKEN });
    expect(missing.status).toBe(400);
    expect(String(missing.json?.error)).toContain('data.essentials.alertId');
    const huge = await postAlert(h.route, { schemaId: 'azureMonitorCommonAlertSchema', padding: 'x'.repeat(300 * 1024) }, { token: ALERT_TOKEN });
    expect(huge.status).toBe(413);
  });

  it('fired: a root message in the alert channel, the verdict in its thread with the alert id and the charts, with no person involved', async () => {
    const alertId = '/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.AlertsManagement/alerts/fired-1';
    const started = performance.now();
    const res = await postAlert(h.route, fired(alertId), { bearer: ALERT_TOKEN });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ ok: true, alertId, condition: 'Fired' });
    const root = await h.slack.root(ALERTS);
    expect(root.versions[0]!.text).toContain('Azure Monitor alert orders-cache total keys dropped (Sev1) on orders');
    expect(JSON.stringify(root.blocks)).toContain('Total Keys LessThan 1000 (value 12)');
    const verdict = await h.slack.verdict(root);
    const ms = performance.now() - started;
    process.stdout.write(`Azure Monitor alert to verdict in its thread: ${Math.round(ms)} ms (202 in ${Math.round(res.ms)} ms)\n`);
    expect(verdict.metadata?.event_payload).toMatchObject({ cache: 'orders', key: 'orders:*', alert_id: alertId });
    const text = h.slack.threadText(root);
    expect(text).toContain('scope inferred: complete');
    // No question was asked: nothing in the thread waits for a click.
    expect(text).not.toContain('How much is missing?');

    // The charts: real PNGs, shared in the verdict's thread, at most five.
    const charts = await h.slack.waitFor(() => {
      const files = h.surroundings.fake.files.filter((f) => f.channel === ALERTS && f.thread_ts === root.ts);
      return files.length > 0 ? files : null;
    }, 'the charts in the thread');
    expect(charts.length).toBeLessThanOrEqual(5);
    expect(charts.map((c) => c.title)).toContain('Total keys');
    for (const chart of charts) {
      expect(isPng(chart.bytes)).toBe(true);
      const png = decodePng(chart.bytes);
      expect(png.width).toBeGreaterThan(800);
      expect(png.height).toBeGreaterThan(300);
      expect(chart.filename).toMatch(/^keyloss-orders-[a-z]+\.png$/);
      // Kept for a person to look at: what Slack was sent.
      mkdirSync(CHART_DIR, { recursive: true });
      writeFileSync(join(CHART_DIR, chart.filename), chart.bytes);
    }
    const uploadsAsked = h.surroundings.fake.callsOf('files.getUploadURLExternal').filter((c) => String(c.params.filename).endsWith('.png'));
    expect(uploadsAsked.length).toBe(charts.length);

    // The postmortem embeds the same charts.
    const verdictNow = h.slack.verdicts(root)[0]!;
    await h.slack.click(h.slack.withControl(root, { action: ACTION.postmortem })!, { action: ACTION.postmortem }, 'U0ONCALL');
    const markdown = await h.slack.waitFor(
      () => h.surroundings.fake.uploads.find((u) => u.body.startsWith('# Key-loss postmortem: orders') && h.surroundings.fake.files.some((f) => f.id === u.fileId && f.thread_ts === root.ts)),
      'the postmortem file',
    );
    expect(markdown.body).toContain('## Azure Monitor metrics');
    expect(markdown.body).toMatch(/!\[Total keys\]\(https:\/\/example\.slack\.com\/files\/UBOT\/F\d+\/keyloss-orders-totalkeys\.png\)/);
    expect(verdictNow.ts).toBe(verdict.ts);
    expect(h.surroundings.fake.breaches).toEqual([]);
  }, 90_000);

  it('the same alert delivered again does nothing twice; resolved is one line in the thread', async () => {
    const alertId = '/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.AlertsManagement/alerts/retried-2';
    const channel = ALERTS;
    const rootsBefore = h.surroundings.fake.messages.filter((m) => m.channel === channel && m.thread_ts === null).length;
    const [a, b] = await Promise.all([postAlert(h.route, fired(alertId), { token: ALERT_TOKEN }), postAlert(h.route, fired(alertId), { token: ALERT_TOKEN })]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const root = await h.slack.waitFor(() => h.surroundings.fake.messages.filter((m) => m.channel === channel && m.thread_ts === null)[rootsBefore], 'the root');
    await h.slack.verdict(root);
    expect((await postAlert(h.route, fired(alertId), { token: ALERT_TOKEN })).status).toBe(202);
    await h.slack.waitFor(() => alertLines().filter((l) => l.includes('retried-2') && l.includes('duplicate')).length >= 2, 'two duplicates audited');
    expect(h.surroundings.fake.messages.filter((m) => m.channel === channel && m.thread_ts === null).length).toBe(rootsBefore + 1);

    const resolved = commonAlert({ alertId, target: RESOURCE, condition: 'Resolved', firedAt: new Date(incident.getTime() + 2 * MIN), resolvedAt: new Date(incident.getTime() + 7 * MIN) });
    expect((await postAlert(h.route, resolved, { token: ALERT_TOKEN })).status).toBe(202);
    expect((await postAlert(h.route, resolved, { token: ALERT_TOKEN })).status).toBe(202);
    const line = await h.slack.waitFor(() => h.slack.thread(root).find((m) => m.text.includes('resolved at')), 'the resolved line');
    expect(line.text).toContain(`resolved at ${new Date(incident.getTime() + 7 * MIN).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
    await h.slack.waitFor(() => alertLines().filter((l) => l.includes('retried-2') && l.includes('Resolved') && l.includes('duplicate')).length >= 1, 'the resolved duplicate');
    expect(h.slack.thread(root).filter((m) => m.text.includes('resolved at'))).toHaveLength(1);
  }, 90_000);

  it('an alert for no configured cache is one audit line and one message in KEYLOSS_ALERT_CHANNEL', async () => {
    const other = redisResourceId('somebody-elses-cache');
    const res = await postAlert(h.route, commonAlert({ alertId: '/alerts/unknown-3', target: other, firedAt: new Date() }), { token: ALERT_TOKEN });
    expect(res.status).toBe(202);
    const notice = await h.slack.waitFor(() => h.surroundings.fake.messages.find((m) => m.channel === FALLBACK), 'the notice in the fallback channel');
    expect(notice.text).toContain('no cache in the caches file has that azure.resourceId');
    expect(alertLines().filter((l) => l.includes('unknown-3'))).toHaveLength(1);
  });
});
