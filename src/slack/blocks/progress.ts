// The progress message that ticks through the checks as they finish, edited in place.
import type { CheckProgress } from '../../domain/checks.ts';
import { escapeMrkdwn } from './escape.ts';
import { ACTION } from '../ids.ts';
import type { Block } from './limits.ts';
import { button, context, message, section, type SlackMessage } from './message.ts';

const ICON: Record<CheckProgress['status'] | 'pending', string> = {
  pending: ':white_small_square:',
  running: ':hourglass_flowing_sand:',
  ok: ':white_check_mark:',
  failed: ':warning:',
  skipped: ':black_right_pointing_double_triangle_with_vertical_bar:',
};

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `said`: details already shown on an earlier line; a check with the same one says so instead of repeating it. */
export function progressLine(p: CheckProgress | { id: string; title: string; status: 'pending' }, said?: Set<string>): string {
  const ms = 'ms' in p && p.ms !== undefined && p.status !== 'running' ? ` (${seconds(p.ms)})` : '';
  const text = 'detail' in p && p.detail ? p.detail : '';
  const repeated = text !== '' && said?.has(text);
  if (text !== '') said?.add(text);
  const detail = text === '' ? '' : repeated ? ' — same reason as above' : ` — ${escapeMrkdwn(text)}`;
  return `${ICON[p.status]} ${escapeMrkdwn(p.title)}${ms}${detail}`;
}

/** `planned` lists every check id in order; `seen` holds the latest progress of those that started. */
export function progressMessage(cache: string, planned: readonly string[], seen: readonly CheckProgress[]): SlackMessage {
  const byId = new Map(seen.map((p) => [p.id as string, p]));
  const said = new Set<string>();
  const lines = planned.map((id) => progressLine(byId.get(id) ?? { id, title: id, status: 'pending' }, said));
  const done = seen.filter((p) => p.status !== 'running').length;
  const finished = done >= planned.length;
  const blocks: Block[] = [
    section(`*${finished ? `Checks on ${escapeMrkdwn(cache)} finished` : `Checking ${escapeMrkdwn(cache)}`}*\n${lines.join('\n')}`),
    context(`${done} of ${planned.length} checks done`),
  ];
  // While the checks run, a way out if the replica running them dies: any replica can tell and start them again.
  if (!finished) blocks.push({ type: 'actions', block_id: 'progress', elements: [button(ACTION.rerun, 'Re-run checks')] });
  return message(`Checking ${cache}: ${done} of ${planned.length} checks done`, blocks);
}
