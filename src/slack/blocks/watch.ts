// "Watch live" in the thread: one progress message that ticks through the seconds, then the result (or why there is none).
import { endSentence, formatCount } from '../../domain/format.ts';
import { busiestSeconds, type TimelineRow, type WatchResult } from '../../record/watch.ts';
import type { WatchWords } from '../../runbook/schema.ts';
import { ACTION } from '../ids.ts';
import { code, escapeMrkdwn } from './escape.ts';
import { watchChartBlock } from './charts.ts';
import type { Block } from './limits.ts';
import { bullets, button, context, message, section, type SlackMessage } from './message.ts';

/** What the investigation watches: its cache, its key (null: every key) and its db. */
export interface WatchScope {
  cache: string;
  key: string | null;
  db: number | null;
  seconds: number;
}

/** The watch so far: seconds done, events seen (and matching the key), the last full second's counts. */
export interface WatchProgress {
  elapsed: number;
  events: number;
  matching: number;
  last: { at: string; counts: Array<[string, number]> } | null;
}

const BAR_CELLS = 20;

function scopeWords(scope: WatchScope): string {
  return `${scope.key === null ? 'every key' : `key ${code(scope.key)}`} · ${scope.db === null ? 'every db' : `db ${scope.db}`}`;
}

function bar(done: number, total: number): string {
  const filled = Math.min(BAR_CELLS, Math.round((done / Math.max(1, total)) * BAR_CELLS));
  return `\`${'█'.repeat(filled)}${'░'.repeat(BAR_CELLS - filled)}\``;
}

export function watchProgressMessage(scope: WatchScope, progress: WatchProgress): SlackMessage {
  const elapsed = Math.min(progress.elapsed, scope.seconds);
  const matching = scope.key !== null ? `, ${formatCount(progress.matching)} matching ${code(scope.key)}` : '';
  const lines = [
    `:eyes: *Watching ${escapeMrkdwn(scope.cache)} live* — ${elapsed} s of ${scope.seconds} s ${bar(elapsed, scope.seconds)}`,
    `Removed so far: ${formatCount(progress.events)} key events${matching}`,
  ];
  if (progress.last) {
    const counts = progress.last.counts.map(([event, count]) => `${escapeMrkdwn(event)} ${formatCount(count)}`).join(' · ');
    lines.push(`Last second (${progress.last.at.slice(11, 19)} UTC): ${counts}`);
  }
  return message(`Watching ${scope.cache} live: ${elapsed} s of ${scope.seconds} s`, [section(lines.join('\n')), context(scopeWords(scope))]);
}

/** The progress message once the watch ended: it stops ticking and points at the result. */
export function watchDoneMessage(scope: WatchScope, result: WatchResult | null): SlackMessage {
  const text = result
    ? `Done watching ${scope.cache} live (${result.window.seconds} s${result.ended === 'interrupted' ? ', stopped early' : ''}): the result is in this thread.`
    : `The watch on ${scope.cache} did not run.`;
  return message(text, [section(`${result ? ':white_check_mark:' : ':warning:'} ${escapeMrkdwn(text)}`), context(scopeWords(scope))]);
}

function notificationsLine(result: WatchResult): string {
  const n = result.notifications;
  const state = n.enabled === true ? 'on' : n.enabled === false ? 'off' : 'unknown';
  const where = n.flags !== null ? `notify-keyspace-events ${n.flags === '' ? 'empty' : code(n.flags)}, read from ${n.source}` : n.source === 'inferred' ? 'none arrived and the setting could not be read' : n.source;
  const missing = n.enabled !== false && n.missing.length > 0 ? `; not published: ${n.missing.join(', ')}` : '';
  return `*Keyspace notifications:* ${state} (${where})${missing}`;
}

/** The watch's result in the thread: the summary first, then the numbers behind it, and a button to watch again. */
export function watchResultMessage(scope: WatchScope, result: WatchResult, label: string): SlackMessage {
  const blocks: Block[] = [section(`:eyes: *Watched ${escapeMrkdwn(scope.cache)} live for ${result.window.seconds} s*\n${escapeMrkdwn(result.summary)}`)];
  // The seconds as Slack's own chart; the busiest seconds below say the same in words for clients that do not draw it.
  const chart = watchChartBlock(result);
  if (chart) blocks.push(chart);
  if (result.events.length > 0) {
    const lines = result.events.map((event) => {
      const matching = result.key !== null ? ` (${formatCount(event.matching)} matching ${code(result.key)})` : '';
      const sample = event.sample.length > 0 ? ` e.g. ${event.sample.slice(0, 5).map(code).join(', ')}` : '';
      return `${event.type}: ${formatCount(event.count)}${matching}${sample}`;
    });
    blocks.push(section(`*Removed, by how (key events)*\n${bullets(lines, 2900)}`));
  }
  const c = result.counters;
  blocks.push(
    section(
      `*Counters over the watch (INFO):* expired ${formatCount(c.expired_keys)}, evicted ${formatCount(c.evicted_keys)}, DEL ${formatCount(c.del)}, ` +
        `UNLINK ${formatCount(c.unlink)}, GETDEL ${formatCount(c.getdel)}, HDEL ${formatCount(c.hdel)}, FLUSHDB ${formatCount(c.flushdb)}, FLUSHALL ${formatCount(c.flushall)}`,
    ),
  );
  const busiest = busiestSeconds(result, 3);
  if (busiest.length > 0) {
    blocks.push(section(`*Busiest seconds (UTC)*\n${bullets(busiest.map(({ row, total }) => `\`${row.at.slice(11, 19)}\` ${formatCount(total)} events (${rowCounts(row)})`), 2900)}`));
  }
  if (result.clients.length > 0) {
    const lines = result.clients.map((client) => `${client.name ? code(client.name) : '_(no name)_'} ${escapeMrkdwn(client.addr)} sent ${escapeMrkdwn(client.cmd)} on db ${client.db}`);
    blocks.push(section(`*Clients sending removing commands*\n${bullets(lines, 2900)}`));
  }
  const dated = [
    ...result.changes.map((change) => `\`${change.at.slice(11, 19)}\` ${escapeMrkdwn(change.summary)}`),
    ...result.gaps.map((gap) => `\`${gap.from.slice(11, 19)}\`–\`${gap.to.slice(11, 19)}\` ${escapeMrkdwn(gap.node)} was away: ${escapeMrkdwn(gap.why)}`),
  ];
  if (dated.length > 0) blocks.push(section(`*Restarts, failovers, flushes and gaps (UTC)*\n${bullets(dated, 2900)}`));
  blocks.push(section(notificationsLine(result)));
  if (result.notifications.howToEnable && result.notifications.enabled !== false) blocks.push(context(escapeMrkdwn(result.notifications.howToEnable)));
  blocks.push(
    context(
      `${escapeMrkdwn(result.nodes.join(', '))} · ${scopeWords(scope)} · ${result.window.from.slice(11, 19)}–${result.window.to.slice(11, 19)} UTC${result.ended === 'interrupted' ? ' · stopped early' : ''}`,
    ),
  );
  blocks.push({ type: 'actions', block_id: 'watch', elements: [button(ACTION.watchLive, label)] });
  return message(`Watched ${scope.cache} live for ${result.window.seconds} s: ${result.summary}`, blocks);
}

/** A watch that could not run, with the reason (already redacted) and a button to try again. */
export function watchFailedMessage(scope: WatchScope, reason: string, label: string): SlackMessage {
  return watchAgainMessage(`The watch on ${scope.cache} did not run: ${reason}`, label);
}

/**
 * The progress message of a watch whose replica was lost, stilled: which watch did not finish and why
 * (`why` from the run record, src/state/inflight.ts runStatus).
 */
export function watchLostSentence(cache: string, why: string): string {
  return endSentence(`The watch on ${cache} did not finish: ${why}`);
}

/** The thread's line for a watch whose replica was lost: why, the runbook's offer to watch again, and the button. */
export function watchLostMessage(cache: string, why: string, words: Pick<WatchWords, 'label' | 'lost'>): SlackMessage {
  const sentence = watchLostSentence(cache, why);
  return watchAgainMessage(words.lost ? `${sentence} ${words.lost}` : sentence, words.label);
}

function watchAgainMessage(text: string, label: string): SlackMessage {
  return message(text, [section(`:warning: ${escapeMrkdwn(text)}`), { type: 'actions', block_id: 'watch', elements: [button(ACTION.watchLive, label)] }]);
}

function rowCounts(row: TimelineRow): string {
  return Object.entries(row)
    .filter(([name, value]) => name !== 'at' && typeof value === 'number' && value > 0)
    .map(([name, value]) => `${escapeMrkdwn(name)} ${formatCount(value as number)}`)
    .join(', ');
}
