// Microsoft's own common-alert-schema samples (test/fixtures/azure/alerts/) posted to the real app's
// POST /alerts/azure-monitor, as the portal's "Test action group" sends them: one alert id for every sample, each with
// its own fired time. Every one is accepted (never a 400) and ends in something a person sees: an investigation, a
// line in the thread, or a notice saying why not. The real app process in HTTP mode, the fake Slack, the fake Azure
// over HTTPS, a real redis-server.
import { describe, expect, it } from 'vitest';
import { useAlertApp } from '../support/alert-app.ts';
import { redisResourceId, redisResourceJson } from '../support/fake-azure.ts';
import { postAlert } from '../support/azure-alert.ts';
import { adaptedSample, alertSample, logV1PlatformSample, resolvedSample, usTime, type AlertSample, type SampleBody } from '../support/alert-samples.ts';
import { blockText } from '../support/slack-driver.ts';
import type { PostedMessage } from '../support/fake-slack.ts';

const ALERT_TOKEN = 'alert-samples-token-3b8f1c0d9e2a';
const RESOURCE = redisResourceId('orders-samples');
const ALERTS = 'C0SAMPLES';
const FALLBACK = 'C0SAMPLEFALLBACK';
const MIN = 60_000;
/** One shift for every "Test action group" sample, so that their fired times stay apart as Microsoft wrote them: the latest (Service Health) fires five minutes ago. */
const shift = Math.round((Date.now() - 5 * MIN - Date.parse('2021-11-17T05:34:48Z')) / 1000) * 1000;

const h = useAlertApp({
  name: 'alert-samples',
  resource: RESOURCE,
  channel: ALERTS,
  fallback: FALLBACK,
  alertToken: ALERT_TOKEN,
  rateIntervalMs: 0,
  prepare(azure) {
    azure.resources.set(RESOURCE, redisResourceJson(RESOURCE, { sku: 'Standard' }));
    azure.metrics.set(RESOURCE.toLowerCase(), [
      { metric: 'totalkeys', dimensions: { shardid: '0' }, value: () => 5_000 },
      { metric: 'evictedkeys', dimensions: { shardid: '0' }, value: () => 0 },
      { metric: 'expiredkeys', dimensions: { shardid: '0' }, value: () => 0 },
    ]);
  },
});

const rootsIn = (channel: string) => h.surroundings.fake.messages.filter((m) => m.channel === channel && m.thread_ts === null);

/** Posts the body (202 expected) and resolves with the next root message in `channel`. */
async function postAndSee(body: SampleBody, channel: string): Promise<PostedMessage> {
  const before = rootsIn(channel).length;
  const res = await postAlert(h.route, body, { token: ALERT_TOKEN });
  expect(res.status, JSON.stringify(res.json)).toBe(202);
  return h.slack.waitFor(() => rootsIn(channel)[before], `the next message in ${channel}`);
}

/** A "Test action group" sample moved by the common shift; aimed at the cache unless `aimed` is false. */
const testAction = (name: AlertSample, aimed = true) =>
  adaptedSample(alertSample(name), { ...(aimed ? { target: RESOURCE } : {}), firedAt: new Date(Date.parse(alertSample(name).data.essentials.firedDateTime) + shift) });
/** The verdict's "last seen" for that instant: the time of day when it is today, else the date and minute. */
const lastSeen = (at: string | number) => {
  const iso = new Date(at).toISOString();
  return new RegExp(`last seen (${iso.slice(11, 19)}|${iso.slice(0, 10)} ${iso.slice(11, 16)}) UTC`);
};

describe('Microsoft alert samples through POST /alerts/azure-monitor', () => {
  it('metric, static threshold: Fired investigates, its Resolved is one line in that thread', async () => {
    const firedAt = new Date(Date.now() - 3 * MIN);
    const resolved = adaptedSample(alertSample('metric-static'), { target: RESOURCE, firedAt });
    const fired = structuredClone(resolved);
    fired.data.essentials.monitorCondition = 'Fired';
    delete fired.data.essentials.resolvedDateTime;
    const root = await postAndSee(fired, ALERTS);
    expect(root.versions[0]!.text).toContain('Azure Monitor alert WCUS-R2-Gen2 (Sev3) on orders');
    expect(JSON.stringify(root.blocks)).toContain('Percentage CPU GreaterThan 25 (value 7.7)');
    const verdict = await h.slack.verdict(root);
    // No window in the sample: the fired time less 15 minutes (the body's, which the sample's shift rounds to a second).
    expect(blockText(verdict)).toMatch(lastSeen(Date.parse(fired.data.essentials.firedDateTime) - 15 * MIN));
    expect((await postAlert(h.route, resolved, { token: ALERT_TOKEN })).status).toBe(202);
    const line = await h.slack.inThread(root, (m) => m.text.includes('resolved at'), 'the resolved line');
    expect(line.text).toContain('WCUS-R2-Gen2 resolved at');
  }, 90_000);

  it.each<[AlertSample, (body: SampleBody) => string, string]>([
    ['log-v2', (b) => (b.data.alertContext.condition as { windowStartTime: string }).windowStartTime, 'log query Heartbeat GreaterThan 0 (value 3)'],
    ['log-v1-metric-measurement', (b) => b.data.alertContext.SearchIntervalStartTimeUtc as string, 'log query Heartbeat | summarize'],
    ['log-v1-number-of-results', (b) => b.data.alertContext.SearchIntervalStartTimeUtc as string, 'log query Heartbeat Greater Than 0 (value 1)'],
    ['activity-log-administrative', (b) => new Date(Date.parse(b.data.alertContext.eventTimestamp as string) - 15 * MIN).toISOString(), 'Activity log: Microsoft.Compute/virtualMachines/restart/action (status Succeeded)'],
    ['resource-health', (b) => new Date(Date.parse(b.data.alertContext.eventTimestamp as string) - 15 * MIN).toISOString(), 'Resource Health: Rebooted by user (Unavailable, was Available; cause UserInitiated)'],
  ])('%s (Test action group, one alert id for all): investigated from the window it states', async (name, since, condition) => {
    const body = testAction(name);
    const root = await postAndSee(body, ALERTS);
    expect(root.versions[0]!.text).toContain(`Azure Monitor alert ${body.data.essentials.alertRule as string} (Sev`);
    expect(blockText(root)).toContain(condition);
    const verdict = await h.slack.verdict(root);
    expect(blockText(verdict)).toMatch(lastSeen(since(body)));
    expect(verdict.metadata?.event_payload).toMatchObject({ cache: 'orders', alert_id: body.data.essentials.alertId });
  }, 90_000);

  it("log search V1's interval in the US form (3/22/2019 1:36:31 PM) is read as UTC", async () => {
    const start = new Date(Math.floor((Date.now() - 40 * MIN) / 1000) * 1000);
    const body = adaptedSample(logV1PlatformSample(), { target: RESOURCE, firedAt: new Date(Date.now() - MIN), alertId: '/alerts/log-v1-us-time' });
    Object.assign(body.data.alertContext, { SearchIntervalStartTimeUtc: usTime(start), SearchIntervalEndtimeUtc: usTime(new Date(start.getTime() + 15 * MIN)) });
    const root = await postAndSee(body, ALERTS);
    const verdict = await h.slack.verdict(root);
    expect(blockText(verdict)).toMatch(lastSeen(start.getTime()));
  }, 90_000);

  it('the same alert id, condition and fired time again does nothing twice', async () => {
    const before = rootsIn(ALERTS).length;
    expect((await postAlert(h.route, testAction('log-v2'), { token: ALERT_TOKEN })).status).toBe(202);
    await h.slack.waitFor(() => h.app.audit.some((l) => l.includes('duplicate delivery') && l.includes('test-logAlertRule-v2')), 'the duplicate audited');
    expect(rootsIn(ALERTS).length).toBe(before);
  });

  it('a recovery (Resource Health Available again) is a line in the open alert thread, not an investigation', async () => {
    const open = rootsIn(ALERTS).at(-1)!;
    const before = rootsIn(ALERTS).length;
    const body = testAction('resource-health');
    body.data.essentials.firedDateTime = new Date(Date.now() - MIN).toISOString();
    Object.assign(body.data.alertContext.properties!, { title: 'Available again', currentHealthStatus: 'Available', previousHealthStatus: 'Unavailable' });
    expect((await postAlert(h.route, body, { token: ALERT_TOKEN })).status).toBe(202);
    const line = await h.slack.inThread(open, (m) => m.text.includes('health Available again'), 'the recovery line');
    expect(line.text).toContain('health Available again (was Unavailable)');
    expect(line.text).toContain('Nothing to investigate');
    expect(rootsIn(ALERTS).length).toBe(before);
  }, 30_000);

  it('a Resolved for an alert never seen is a notice', async () => {
    const body = resolvedSample(adaptedSample(alertSample('log-v2'), { target: RESOURCE, firedAt: new Date(Date.now() - 20 * MIN), alertId: '/alerts/never-fired' }), new Date());
    const notice = await postAndSee(body, ALERTS);
    expect(notice.text).toContain('resolved at');
    expect(notice.text).toContain('keyloss saw no fired alert with this id');
  });

  it('an alert keyloss cannot investigate (its window in the future, or years back) is a notice saying why', async () => {
    // Microsoft's dynamic-threshold sample states a window a month after its fired time.
    const future = await postAndSee(testAction('metric-dynamic'), ALERTS);
    expect(future.text).toContain('Azure Monitor alert test-metricAlertRule (Sev3) fired at');
    expect(future.text).toContain('but keyloss could not investigate it:');
    const old = await postAndSee(adaptedSample(alertSample('log-v2'), { target: RESOURCE, alertId: '/alerts/years-back' }), ALERTS);
    expect(old.text).toContain('but keyloss could not investigate it:');
  });

  it('Service Health and cost alerts name no cache: a notice in KEYLOSS_ALERT_CHANNEL saying so', async () => {
    const service = await postAndSee(testAction('service-health', false), FALLBACK);
    expect(service.text).toContain('Service Health: Test Action Group - Test Service Health Alert');
    expect(service.text).toContain('not one cache');
    const cost = await postAndSee(alertSample('cost-budget-actual'), FALLBACK);
    expect(cost.text).toContain('Azure Monitor alert CostAlerts (no severity) fired');
    expect(cost.text).toContain('it names no resource');
    expect(h.surroundings.fake.breaches).toEqual([]);
  });
});
