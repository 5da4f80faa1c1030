// The message `keyloss record` posts when it records a flush, a restart or failover that lost keys, or a removal
// burst: the runbook's title, the recorded evidence with its numbers and times, and the Diagnose button.
import type { Announcement } from '../../record/announce.ts';
import type { RecordedWords } from '../../runbook/schema.ts';
import { ACTION, RECORDED_EVENT } from '../ids.ts';
import { code, escapeMrkdwn } from './escape.ts';
import { LIMITS, truncate, type Block } from './limits.ts';
import { bullets, button, context, message, section, type SlackMessage } from './message.ts';

/** What the Diagnose button carries: the cache (the record's name), the key glob and since (ISO). Well under 2,000 characters. */
export interface DiagnoseValue {
  cache: string;
  key: string;
  since: string;
}

const utc = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
const count = (n: number): string => Math.round(n).toLocaleString('en-US');

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

export function recordedMessage(a: Announcement, words: RecordedWords): SlackMessage & { metadata: { event_type: typeof RECORDED_EVENT; event_payload: Record<string, string | number> } } {
  const title = fill(words.titles[a.type], { cache: a.cache });
  const lines = a.evidence.map((line) => escapeMrkdwn(line));
  const b = a.burst;
  if (b) {
    const kinds = Object.entries(b.byKind)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${kind} ${count(n)}`)
      .join(', ');
    lines.unshift(
      `${count(b.removals)} removals ${b.ended === null ? 'since' : 'from'} ${utc(a.from)}${b.ended === null ? '' : ` to ${utc(b.ended)}`}${kinds ? ` (${kinds})` : ''}; peak ${count(b.peakPerMinute)} a minute`,
    );
  }
  const since = new Date(a.since).toISOString();
  const state = b
    ? b.ended === null
      ? fill(words.burstOngoing, { threshold: count(b.thresholdPerMinute), baseline: b.baselinePerMinute === null ? 'not known yet' : count(b.baselinePerMinute) })
      : fill(words.burstEnded, { ended: utc(b.ended).replace(' UTC', '') })
    : null;
  const value: DiagnoseValue = { cache: a.cache, key: a.key, since };
  const blocks: Block[] = [
    section(`:rotating_light: *${escapeMrkdwn(title)}*`),
    section(truncate(bullets(lines), LIMITS.sectionText)),
    ...(state ? [section(escapeMrkdwn(state))] : []),
    section(fill(escapeMrkdwn(words.diagnose), { key: code(a.key), since: utc(a.since) })),
    { type: 'actions', block_id: 'recorded', elements: [button(ACTION.diagnoseRecorded, words.button, JSON.stringify(value), 'primary')] },
    context(`Recorded by keyloss record on ${escapeMrkdwn(a.nodes.join(', '))} · between ${utc(a.from)} and ${utc(a.at)}`),
  ];
  const text = `${title}: ${a.evidence[0] ?? ''}`;
  return {
    ...message(text, blocks),
    metadata: { event_type: RECORDED_EVENT, event_payload: { cache: a.cache, event: a.id, type: a.type, from: a.from, at: a.at } },
  };
}
