// Azure Monitor's secure webhook: an Entra token checked with jose against a key set served on 127.0.0.1 (nothing dials
// Microsoft): v1 and v2 tokens of the configured tenant and app are taken; a wrong signature, an expired token,
// another tenant, another audience, a missing app role (when required) are refused with 401 before the body is read.
// An alert no channel would hear of is refused with 422, not accepted and dropped. The real app in this process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postAlert } from '../../support/azure-alert.ts';
import { alertSample } from '../../support/alert-samples.ts';
import { startEntraKeys, type EntraKeys } from '../../support/entra.ts';
import { startSlackApp, type InProcessApp } from '../../support/slack-app.ts';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const CLIENT = '0b5a7c3e-1d2f-4a6b-8c9d-0e1f2a3b4c5d';
const APP_ID_URI = 'api://keyloss-alerts';
const URL_TOKEN = 'secure-webhook-url-token-8c1d';
const CHANNEL = 'C0SECURE';
const v1 = (tenant = TENANT) => `https://sts.windows.net/${tenant}/`;
const v2 = (tenant = TENANT) => `https://login.microsoftonline.com/${tenant}/v2.0`;

let keys: EntraKeys;
let app: InProcessApp;
let withRole: InProcessApp;
let noChannel: InProcessApp;

const entraEnv = (extra: Record<string, string> = {}) => ({
  KEYLOSS_ALERT_ENTRA_TENANT: TENANT,
  KEYLOSS_ALERT_ENTRA_CLIENT_ID: CLIENT,
  KEYLOSS_ALERT_ENTRA_APP_ID_URI: APP_ID_URI,
  KEYLOSS_ALERT_ENTRA_JWKS_URL: keys.jwksUrl,
  ...extra,
});

beforeAll(async () => {
  keys = await startEntraKeys();
  const caches = ['caches:', '  orders-prod:', '    url: redis://127.0.0.1:1', '    tier: standard'].join('\n');
  [app, withRole, noChannel] = await Promise.all([
    startSlackApp({ caches, env: entraEnv({ KEYLOSS_ALERT_TOKEN: URL_TOKEN, KEYLOSS_ALERT_CHANNEL: CHANNEL }) }),
    startSlackApp({ caches, env: entraEnv({ KEYLOSS_ALERT_ENTRA_REQUIRE_ROLE: 'true', KEYLOSS_ALERT_CHANNEL: CHANNEL }) }),
    startSlackApp({ caches, env: entraEnv() }),
  ]);
});

afterAll(async () => {
  await Promise.all([app?.stop(), withRole?.stop(), noChannel?.stop()]);
  await keys?.close();
});

/** Microsoft's cost sample: names no cache, so an accepted one is a notice in the alert channel. */
const body = () => alertSample('cost-budget-actual');

describe('the secure webhook (Entra token)', () => {
  it('takes v1 (audience the Application ID URI) and v2 (audience the client id) tokens of the configured tenant and app', async () => {
    const tokenV1 = await keys.sign({ iss: v1(), aud: APP_ID_URI, tid: TENANT, ver: '1.0', appid: 'azns-app' });
    const tokenV2 = await keys.sign({ iss: v2(), aud: CLIENT, tid: TENANT, ver: '2.0', azp: 'azns-app' });
    expect((await postAlert(app.alertUrl, body(), { bearer: tokenV1 })).status).toBe(202);
    expect((await postAlert(app.alertUrl, body(), { bearer: tokenV2 })).status).toBe(202);
    // The URL token still works beside it.
    expect((await postAlert(app.alertUrl, body(), { token: URL_TOKEN })).status).toBe(202);
    const notice = await app.waitFor(() => app.fake.messages.find((m) => m.channel === CHANNEL), 'the notice');
    expect(notice.text).toContain('it names no resource');
    expect(app.audit.join('\n')).not.toContain(tokenV1);
  });

  it.each<[string, () => Promise<string>]>([
    ['signed with a key Entra does not publish', () => keys.sign({ iss: v1(), aud: APP_ID_URI, tid: TENANT }, { signedElsewhere: true })],
    ['expired', () => keys.sign({ iss: v2(), aud: CLIENT, tid: TENANT }, { expiresInSeconds: -600 })],
    ['of another tenant', () => keys.sign({ iss: v2(OTHER_TENANT), aud: CLIENT, tid: OTHER_TENANT })],
    ["issued by the tenant's issuer but another tid", () => keys.sign({ iss: v2(), aud: CLIENT, tid: OTHER_TENANT })],
    ['for another audience', () => keys.sign({ iss: v1(), aud: 'https://management.azure.com/', tid: TENANT })],
    ['v2 with the Application ID URI as audience', () => keys.sign({ iss: v2(), aud: APP_ID_URI, tid: TENANT })],
    ['without a tid', () => keys.sign({ iss: v1(), aud: APP_ID_URI })],
  ])('refuses a token %s with 401, and says why in the audit line', async (_, token) => {
    const jwt = await token();
    const before = app.fake.messages.length;
    const res = await postAlert(app.alertUrl, body(), { bearer: jwt });
    expect(res.status).toBe(401);
    const refused = app.audit.filter((l) => l.includes('"action":"refused"') && l.includes('Entra token refused'));
    expect(refused.length).toBeGreaterThan(0);
    expect(app.audit.join('\n')).not.toContain(jwt);
    await new Promise((r) => setTimeout(r, 100));
    expect(app.fake.messages.length).toBe(before);
  });

  it('with KEYLOSS_ALERT_ENTRA_REQUIRE_ROLE, only a token with the app role ActionGroupsSecureWebhook; the URL token is off', async () => {
    const without = await keys.sign({ iss: v1(), aud: APP_ID_URI, tid: TENANT });
    const with_ = await keys.sign({ iss: v1(), aud: APP_ID_URI, tid: TENANT, roles: ['ActionGroupsSecureWebhook'] });
    expect((await postAlert(withRole.alertUrl, body(), { bearer: without })).status).toBe(401);
    expect(withRole.audit.join('\n')).toContain('does not carry the app role ActionGroupsSecureWebhook');
    expect((await postAlert(withRole.alertUrl, body(), { bearer: with_ })).status).toBe(202);
    expect((await postAlert(withRole.alertUrl, body(), { token: URL_TOKEN })).status).toBe(401);
  });

  it('an alert no channel would hear of (no cache, no KEYLOSS_ALERT_CHANNEL) is refused with 422 and the reason, not accepted', async () => {
    const token = await keys.sign({ iss: v2(), aud: CLIENT, tid: TENANT });
    const res = await postAlert(noChannel.alertUrl, body(), { bearer: token });
    expect(res.status).toBe(422);
    expect(String(res.json?.error)).toContain('KEYLOSS_ALERT_CHANNEL');
    expect(noChannel.fake.messages).toEqual([]);
  });
});
