// App Home: the user's recent investigations (from the state store) and the caches they may diagnose.
import { z } from 'zod';
import type { CacheConfig } from '../config/caches.ts';
import type { RecordKind, StateStore } from '../state/store.ts';
import { code, escapeMrkdwn } from './blocks/escape.ts';
import { LIMITS, truncate, type Block } from './blocks/limits.ts';
import { describeStatus, type RecordStatus } from '../record/status.ts';
import { button, context, divider, header, section } from './blocks/message.ts';
import { ACTION } from './ids.ts';
import { loadInvestigation } from './investigation.ts';

export const RECENT_LIMIT = 10;

export interface RecentInvestigation {
  channel: string;
  rootTs: string;
}

/** A person's recent investigations, newest first: RECENT_LIMIT entries of about 60 characters each. */
const RECENTS_RECORD: RecordKind<RecentInvestigation[]> = {
  what: 'recent investigations',
  schema: z.array(z.object({ channel: z.string(), rootTs: z.string() })).max(RECENT_LIMIT),
  maxChars: 4_096,
};

export function recentKey(user: string): string {
  return `keyloss:recent:${user}`;
}

/** Remembers a start for the starter's App Home: newest first, at most RECENT_LIMIT. */
export async function rememberRecent(store: StateStore, user: string, entry: RecentInvestigation, ttlMs: number): Promise<void> {
  const key = recentKey(user);
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await store.get(key, RECENTS_RECORD);
    const list = [entry, ...(current?.value ?? []).filter((e) => e.rootTs !== entry.rootTs || e.channel !== entry.channel)].slice(0, RECENT_LIMIT);
    if ((await store.put(key, RECENTS_RECORD, list, current?.version ?? null, ttlMs)).ok) return;
  }
}

/** A Slack link to the thread (the client resolves the workspace). */
function threadLink(channel: string, rootTs: string): string {
  return `https://slack.com/app_redirect?channel=${channel}&message_ts=${rootTs}`;
}

/** `statuses`: what keyloss record holds of each cache, by cache name (absent: not recorded, or no state Redis). */
export async function homeView(
  store: StateStore,
  user: string,
  caches: readonly CacheConfig[],
  statuses: ReadonlyMap<string, RecordStatus> = new Map(),
): Promise<{ type: 'home'; blocks: Block[] }> {
  const recent = (await store.get(recentKey(user), RECENTS_RECORD))?.value ?? [];
  const blocks: Block[] = [header('keyloss: why did keys vanish?'), section('Start with `/keyloss <cache> <key> since <time>` in a channel, from an Azure Monitor alert, or with *Investigate with keyloss* on a message.')];
  blocks.push(divider(), section('*Your recent investigations*'));
  const lines: string[] = [];
  for (const r of recent) {
    const inv = await loadInvestigation(store, r.channel, r.rootTs);
    if (!inv) continue;
    const key = inv.report?.query.key ?? inv.session.answers.key ?? '?';
    const verdict = inv.report ? `${inv.report.verdict}: ${inv.report.headline}` : inv.unreachable ? 'cache unreachable' : 'in progress';
    lines.push(`*${escapeMrkdwn(inv.cache)}* · ${code(key)} · ${inv.startedAt.slice(0, 16).replace('T', ' ')} UTC · <${threadLink(r.channel, r.rootTs)}|thread>\n${escapeMrkdwn(verdict.length > 300 ? `${verdict.slice(0, 299)}…` : verdict)}`);
  }
  if (lines.length === 0) blocks.push(context('None in the last days.'));
  for (const line of lines) blocks.push(section(line));
  blocks.push(divider(), section('*Caches you may diagnose*'));
  if (caches.length === 0) blocks.push(context('None: the caches file lists no cache you are allowed to diagnose.'));
  for (const cache of caches.slice(0, 40)) {
    blocks.push({
      ...section(`*${escapeMrkdwn(cache.name)}*${cache.description ? ` — ${escapeMrkdwn(cache.description)}` : ''}${cache.tier ? ` · ${cache.tier}` : ''}`),
      accessory: button(ACTION.homeStart, 'Investigate', cache.name),
    } as Block);
    // The same lines as `keyloss record status`, per cache.
    const status = statuses.get(cache.name);
    if (status) blocks.push(context(truncate(escapeMrkdwn(describeStatus(status).join('\n')), LIMITS.sectionText)));
  }
  return { type: 'home', blocks: blocks.slice(0, 100) };
}
