// No one-time claim is used up by a click that was refused or by work that failed: the real app process in HTTP
// mode, signed requests, and a real state Redis whose ACL can be switched to refuse keyloss's state writes (claims
// still work), the way a state Redis at maxmemory or read-only refuses them. Each case failed before: the cache
// picker, a verdict button given a value it does not take, a command Slack delivers again, an alert Azure sends again.
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { redisResourceId } from '../support/fake-azure.ts';
import { commonAlert, postAlert } from '../support/azure-alert.ts';
import { blockActionPayload, sendInteraction, sendSlashCommand } from '../support/slack-request.ts';
import { stagingClient } from '../checks/support.ts';
import { eventually, SIGNING_SECRET, startApp, startSurroundings, stopAllApps, writeCachesFile, type AppProcess, type Surroundings } from './app-process.ts';
import { messageWithButton, rootIn, verdictsIn } from './incident.ts';

const USER = 'U0CLAIMS';
const STATE_PASSWORD = 'state-password-claims-5d1c';
const ALERT_TOKEN = 'alert-token-claims-9a7e3b1c';
const RESOURCE = redisResourceId('orders-claims');
const ALERTS = 'C0CLALERTS';
const MIN = 60_000;

let surroundings: Surroundings;
let caches: { path: string; remove(): void };
let app: AppProcess;

/** keyloss's state Redis user: every key, or (`refuseWrites`) reading state and taking claims only. */
async function stateAcl(rules: 'all' | 'refuseWrites'): Promise<void> {
  const admin = stagingClient(surroundings.state.port);
  try {
    const keys = rules === 'all' ? ['~*'] : ['%R~*', '~keyloss:claim:*'];
    await admin.call('ACL', 'SETUSER', 'keyloss', 'on', `>${STATE_PASSWORD}`, 'resetkeys', ...keys, '+@all');
  } finally {
    admin.disconnect();
  }
}

beforeAll(async () => {
  surroundings = await startSurroundings();
  await stateAcl('all');
  caches = writeCachesFile(
    [
      'caches:',
      '  orders:',
      '    urlEnv: ORDERS_URL',
      '    tier: standard',
      '    azure:',
      `      resourceId: ${RESOURCE}`,
      '      region: westeurope',
      '    alerts:',
      `      channel: ${ALERTS}`,
      '      key: "orders:*"',
      '  carts:',
      '    urlEnv: ORDERS_URL',
      '    tier: standard',
    ].join('\n'),
  );
  app = await startApp(
    'claims',
    surroundings.env({
      KEYLOSS_CACHES: caches.path,
      STATE_REDIS_URL: `redis://keyloss:${STATE_PASSWORD}@127.0.0.1:${surroundings.state.port}`,
      KEYLOSS_RATE_INTERVAL_MS: '100',
      KEYLOSS_PROGRESS_INTERVAL_MS: '200',
      KEYLOSS_ALERT_TOKEN: ALERT_TOKEN,
      // Nothing beyond 127.0.0.1: the Azure checks of the alerted cache fail on a closed local port.
      KEYLOSS_AZURE_ARM_ENDPOINT: 'https://127.0.0.1:9',
      KEYLOSS_AZURE_METRICS_ENDPOINT: 'https://127.0.0.1:9',
    }),
  );
}, 90_000);

afterAll(async () => {
  await stopAllApps();
  await surroundings?.close();
  caches?.remove();
});

beforeEach(async () => {
  await stateAcl('all');
  onTestFailed(() => {
    process.stderr.write(`--- app ---\n${app?.output()}\n`);
  });
});

const fake = () => surroundings.fake;

function command(text: string, channel: string, triggerId: string, retryNum?: number) {
  return sendSlashCommand(
    app.eventsUrl,
    SIGNING_SECRET,
    { text, channel_id: channel, user_id: USER, trigger_id: triggerId, response_url: fake().responseUrl(`${channel}-${triggerId}`) },
    retryNum === undefined ? {} : { retryNum },
  );
}

/** Clicks a button of `message` (a message posted in a channel, or the picker's ephemeral as a response) with `value`. */
function clickButton(message: { channel: string; ts: string; thread_ts?: string | null; blocks: unknown[] }, blockId: string, actionId: string, value: string, user = USER) {
  const payload = blockActionPayload({
    user,
    message: { channel: message.channel, ts: message.ts, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}), blocks: message.blocks },
    action: { type: 'button', action_id: actionId, block_id: blockId, value },
    responseUrl: fake().responseUrl(`click-${message.ts}-${value}`),
  });
  return sendInteraction(app.eventsUrl, SIGNING_SECRET, payload);
}

const responsesTo = (id: string) => fake().responses.filter((r) => r.id === id).map((r) => String(r.body.text ?? ''));
const rootsIn = (channel: string) => fake().messages.filter((m) => m.channel === channel && m.thread_ts === null);

describe('one-time claims', () => {
  it('the cache picker: a pick of a cache it did not offer, or one whose start failed, leaves the list usable', async () => {
    const channel = 'C0CLPICK';
    const trigger = '111.222.picker';
    expect((await command('session:1 since 2h db 0 scope partial', channel, trigger)).status).toBe(200);
    const picker = await eventually(() => fake().responses.find((r) => r.id === `${channel}-${trigger}` && JSON.stringify(r.body).includes('pick|')), 'the cache picker');
    const list = { channel, ts: '1700000000.000100', blocks: picker.body.blocks as unknown[] };

    // Not among the caches offered: refused, and the list's claim is not taken.
    await clickButton(list, `pick|${trigger}`, 'keyloss.pick_cache.0', 'no-such-cache');
    await eventually(() => responsesTo('click-1700000000.000100-no-such-cache').find((t) => t.includes('not one keyloss offered')), 'the refusal');

    // The state Redis refuses writes: the start fails, said to the person, and the claim is given back.
    await stateAcl('refuseWrites');
    await clickButton(list, `pick|${trigger}`, 'keyloss.pick_cache.0', 'orders');
    await eventually(() => fake().ephemerals.find((e) => e.channel === channel && e.text.includes('keyloss failed while handling picking a cache')), 'the failure');
    const before = rootsIn(channel).length;

    await stateAcl('all');
    await clickButton(list, `pick|${trigger}`, 'keyloss.pick_cache.0', 'orders');
    await eventually(() => rootsIn(channel).length > before && verdictsIn(fake(), channel, rootsIn(channel).at(-1)!.ts)[0], 'the investigation of the pick after the failures');
  }, 120_000);

  it('a verdict button given a value it does not take refuses it and still works for the next click', async () => {
    const channel = 'C0CLSCOPE';
    // Key and since given, scope inferred: the verdict offers to re-run with the other scope.
    await command('orders session:1 since 2h db 0', channel, '111.222.scope');
    const root = await eventually(() => rootIn(fake(), channel), 'the root message');
    await eventually(() => verdictsIn(fake(), channel, root.ts)[0], 'the first verdict');
    const target = messageWithButton(fake(), channel, root.ts, 'keyloss.change_scope');
    expect(target).toBeDefined();
    const { message, block } = target!;
    const button = block.elements.find((e) => e.action_id === 'keyloss.change_scope')!;

    await clickButton(message, block.block_id ?? '', 'keyloss.change_scope', 'not-a-scope');
    await eventually(() => fake().ephemerals.find((e) => e.channel === channel && e.user === USER), 'the refusal of the forged value');

    await clickButton(message, block.block_id ?? '', 'keyloss.change_scope', button.value ?? '');
    await eventually(() => verdictsIn(fake(), channel, root.ts)[1], 'the verdict of the re-run with the other scope');
  }, 120_000);

  it('a command whose state write failed is carried out when Slack delivers it again', async () => {
    const channel = 'C0CLRETRY';
    const trigger = '111.222.retry';
    await stateAcl('refuseWrites');
    await command('orders session:1 since 2h db 0 scope partial', channel, trigger);
    await eventually(() => fake().ephemerals.find((e) => e.channel === channel && e.text.includes('keyloss failed while handling /keyloss')), 'the failure');
    const before = rootsIn(channel).length;
    await stateAcl('all');
    await command('orders session:1 since 2h db 0 scope partial', channel, trigger, 1);
    await eventually(() => rootsIn(channel).length > before && verdictsIn(fake(), channel, rootsIn(channel).at(-1)!.ts)[0], 'the investigation of the delivery after the failure');
  }, 120_000);

  it('an alert whose state write failed is investigated when Azure sends it again', async () => {
    const now = Date.now();
    const alert = commonAlert({ alertId: '/alerts/claims-1', target: RESOURCE, firedAt: new Date(now - MIN), windowStart: new Date(now - 15 * MIN), windowEnd: new Date(now) });
    await stateAcl('refuseWrites');
    expect((await postAlert(`http://127.0.0.1:${app.port}/alerts/azure-monitor`, alert, { token: ALERT_TOKEN })).status).toBe(202);
    const failed = () => app.output().split('\n').some((line) => line.includes('"action":"error"') && line.includes('claims-1'));
    await eventually(failed, 'the failure of the first delivery');
    const before = rootsIn(ALERTS).length;
    await stateAcl('all');
    expect((await postAlert(`http://127.0.0.1:${app.port}/alerts/azure-monitor`, alert, { token: ALERT_TOKEN })).status).toBe(202);
    await eventually(() => rootsIn(ALERTS).length > before && verdictsIn(fake(), ALERTS, rootsIn(ALERTS).at(-1)!.ts)[0], 'the investigation of the second delivery');
  }, 120_000);
});
