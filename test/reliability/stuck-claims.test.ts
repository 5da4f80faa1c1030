// No one-time claim is used up by a click that was refused or by work that failed: the real app process in HTTP
// mode, signed requests, and a real state Redis whose ACL can be switched to refuse keyloss's state writes (claims
// still work), the way a state Redis at maxmemory or read-only refuses them. Each case failed before: the cache
// picker, a verdict button given a value it does not take, a command Slack delivers again, an alert Azure sends again.
import { describe, expect, it } from 'vitest';
import { redisResourceId } from '../support/fake-azure.ts';
import { commonAlert, postAlert } from '../support/azure-alert.ts';
import { useAclReplica, type AclReplica } from '../support/acl-replica.ts';
import type { AppProcess, Surroundings } from '../support/app-process.ts';
import type { SlackDriver } from '../support/slack-driver.ts';
import { blockActionPayload } from '../support/slack-request.ts';
import { waitFor } from '../support/wait.ts';

const USER = 'U0CLAIMS';
const STATE_PASSWORD = 'state-password-claims-5d1c';
const ALERT_TOKEN = 'alert-token-claims-9a7e3b1c';
const RESOURCE = redisResourceId('orders-claims');
const ALERTS = 'C0CLALERTS';
const MIN = 60_000;

let replica: AclReplica;
let surroundings: Surroundings;
let app: AppProcess;
let h: SlackDriver;
const stateAcl = (rules: 'all' | 'refuseWrites') => replica.stateAcl(rules);

useAclReplica(
  'claims',
  {
    password: STATE_PASSWORD,
    alertToken: ALERT_TOKEN,
    resourceId: RESOURCE,
    alertsChannel: ALERTS,
    moreCaches: ['  carts:', '    urlEnv: ORDERS_URL', '    tier: standard'],
  },
  (started) => {
    replica = started;
    ({ surroundings, app, driver: h } = started);
  },
);

const fake = () => surroundings.fake;

function command(text: string, channel: string, triggerId: string, retryNum?: number) {
  return h.command(text, USER, { channel, triggerId, responseId: `${channel}-${triggerId}`, ...(retryNum === undefined ? {} : { retryNum }) });
}
const eventually = <T>(probe: () => T | undefined | null | false, what: string) => waitFor(probe, what, 60_000);

/** Clicks a button of `message` (a message posted in a channel, or the picker's ephemeral as a response) with `value`. */
function clickButton(message: { channel: string; ts: string; thread_ts?: string | null; blocks: unknown[] }, blockId: string, actionId: string, value: string, user = USER) {
  const payload = blockActionPayload({
    user,
    message: { channel: message.channel, ts: message.ts, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}), blocks: message.blocks },
    action: { type: 'button', action_id: actionId, block_id: blockId, value },
    responseUrl: fake().responseUrl(`click-${message.ts}-${value}`),
  });
  return h.interact(payload);
}

const responsesTo = (id: string) => fake().responses.filter((r) => r.id === id).map((r) => String(r.body.text ?? ''));
const rootsIn = (channel: string) => h.roots(channel);
const verdictsIn = (channel: string, ts: string) => h.verdicts({ channel, ts });

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
    await eventually(() => rootsIn(channel).length > before && verdictsIn(channel, rootsIn(channel).at(-1)!.ts)[0], 'the investigation of the pick after the failures');
  }, 120_000);

  it('a verdict button given a value it does not take refuses it and still works for the next click', async () => {
    const channel = 'C0CLSCOPE';
    // Key and since given, scope inferred: the verdict offers to re-run with the other scope.
    await command('orders session:1 since 2h db 0', channel, '111.222.scope');
    const root = await h.root(channel);
    await h.verdict(root);
    const message = h.withControl(root, { action: 'keyloss.change_scope' });
    expect(message).toBeDefined();
    const block = (message!.blocks as Array<{ type: string; block_id?: string; elements?: Array<{ action_id: string; value?: string }> }>).find(
      (b) => b.type === 'actions' && b.elements?.some((e) => e.action_id === 'keyloss.change_scope'),
    )!;
    const button = block.elements!.find((e) => e.action_id === 'keyloss.change_scope')!;

    await clickButton(message!, block.block_id ?? '', 'keyloss.change_scope', 'not-a-scope');
    await eventually(() => fake().ephemerals.find((e) => e.channel === channel && e.user === USER), 'the refusal of the forged value');

    await clickButton(message!, block.block_id ?? '', 'keyloss.change_scope', button.value ?? '');
    await eventually(() => verdictsIn(channel, root.ts)[1], 'the verdict of the re-run with the other scope');
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
    await eventually(() => rootsIn(channel).length > before && verdictsIn(channel, rootsIn(channel).at(-1)!.ts)[0], 'the investigation of the delivery after the failure');
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
    await eventually(() => rootsIn(ALERTS).length > before && verdictsIn(ALERTS, rootsIn(ALERTS).at(-1)!.ts)[0], 'the investigation of the second delivery');
  }, 120_000);
});
