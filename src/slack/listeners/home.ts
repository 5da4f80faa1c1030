// App Home: published on app_home_opened; its "Investigate" buttons open a modal (channel, key, since) whose
// submission starts the investigation in that channel, as /keyloss would.
import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { userAllowed } from '../access.ts';
import { cacheList, cacheNamed, type SlackDeps } from '../context.ts';
import { homeView } from '../home.ts';
import { ACTION, SlackIds, VIEW } from '../ids.ts';
import { postEphemeral } from '../post.ts';
import { requester } from '../usergroups.ts';
import { parseKeyPattern, parseSince } from '../../runbook/formats.ts';
import type { CacheConfig } from '../../config/caches.ts';
import { cacheAddress } from '../../core/target.ts';
import { recordStatuses, type RecordStatus } from '../../record/status.ts';
import { startOrPick } from './commands/keyloss.ts';
import { afterAck } from './after-ack.ts';
import { actionValue } from './payload.ts';

const plain = (text: string) => ({ type: 'plain_text' as const, text });

async function publishHome(client: AllMiddlewareArgs['client'], deps: SlackDeps, user: string): Promise<void> {
  const who = await requester(client, cacheList(deps), { userId: user, channelId: '', channelName: null }, (reason) =>
    deps.audit({ action: 'error', user, channel: null, error: reason }),
  );
  const mine = cacheList(deps).filter((c) => userAllowed(c, who));
  await client.views.publish({ user_id: user, view: await homeView(deps.store, user, mine, await recordedStatuses(deps, mine)) });
  deps.audit({ action: 'home', user, channel: null, caches: mine.length });
}

/** App Home answers within seconds: each record's bytes are counted for at most this long. */
const HOME_BYTES_MS = 300;

/** What keyloss record holds of each of these caches, found by name or address; empty without a state Redis. */
async function recordedStatuses(deps: SlackDeps, caches: readonly CacheConfig[]): Promise<Map<string, RecordStatus>> {
  const out = new Map<string, RecordStatus>();
  const record = deps.record;
  if (!record || !('client' in record)) return out;
  const now = deps.now().getTime();
  for (const cache of caches.slice(0, 40)) {
    const [status] = await recordStatuses(record.client, record.prefix, { name: cache.name, address: cacheAddress(cache, deps.config.secrets) ?? cache.name }, now, HOME_BYTES_MS).catch(() => []);
    if (status) out.set(cache.name, status);
  }
  return out;
}

const Submission = z.object({
  user: z.object({ id: SlackIds.user }),
  view: z.object({
    private_metadata: z.string().max(100),
    state: z.object({
      values: z.object({
        channel: z.object({ value: z.object({ selected_conversation: SlackIds.channel }) }),
        key: z.object({ value: z.object({ value: z.string().max(1000) }) }),
        since: z.object({ value: z.object({ value: z.string().max(100).nullish() }) }),
      }),
    }),
  }),
});

export function registerHome(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home' || !SlackIds.user.safeParse(event.user).success) return;
    await afterAck(client, deps, { what: 'App Home', user: event.user, channel: null, thread: null }, () => publishHome(client, deps, event.user));
  });

  app.action({ type: 'block_actions', action_id: ACTION.homeStart }, async ({ ack, body, action, client }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>) => {
    await ack();
    const name = actionValue(action);
    const cache = name ? cacheNamed(deps, name) : undefined;
    if (!cache || !body.trigger_id) return;
    await client.views.open({
      trigger_id: body.trigger_id,
      view: {
        type: 'modal',
        callback_id: VIEW.homeStart,
        private_metadata: cache.name,
        title: plain('Investigate'),
        submit: plain('Start'),
        close: plain('Cancel'),
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `Why did keys vanish from *${cache.name}*? keyloss runs in a new thread in the channel you pick.` } },
          { type: 'input', block_id: 'channel', label: plain('Channel'), element: { type: 'conversations_select', action_id: 'value', filter: { include: ['public', 'private'], exclude_bot_users: true } } },
          { type: 'input', block_id: 'key', label: plain('Key or pattern'), element: { type: 'plain_text_input', action_id: 'value', placeholder: plain('session:17 or session:*') } },
          { type: 'input', block_id: 'since', optional: true, label: plain('Last seen'), element: { type: 'plain_text_input', action_id: 'value', placeholder: plain('2h, 90m or 2026-11-26T05:00Z') } },
        ],
      },
    });
  });

  app.view({ type: 'view_submission', callback_id: VIEW.homeStart }, async ({ ack, body, client }: AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>) => {
    const parsed = Submission.safeParse(body);
    if (!parsed.success) {
      await ack({ response_action: 'errors', errors: { key: 'keyloss could not read this form; open it again from App Home.' } });
      return;
    }
    const { user, view } = parsed.data;
    const values = view.state.values;
    const key = parseKeyPattern(values.key.value.value);
    const sinceText = values.since.value.value?.trim();
    const since = sinceText ? parseSince(sinceText, deps.now()) : null;
    if (!key.ok || (since && !since.ok)) {
      await ack({ response_action: 'errors', errors: { ...(!key.ok ? { key: key.message } : {}), ...(since && !since.ok ? { since: since.message } : {}) } });
      return;
    }
    await ack();
    const channel = values.channel.value.selected_conversation;
    const prefill: Record<string, string> = { key: key.key, ...(since?.ok ? { since: since.date.toISOString() } : {}) };
    await afterAck(client, deps, { what: 'App Home start', user: user.id, channel, thread: null }, () =>
      startOrPick(client, deps, {
        // One start per opened form, whatever Slack redelivers.
        triggerId: `home:${body.view.id}`,
        user: user.id,
        channel,
        channelName: null,
        cache: view.private_metadata,
        prefill,
        thread: null,
        ephemeral: (msg) => postEphemeral(client, channel, user.id, null, msg),
      }),
    );
  });
}
