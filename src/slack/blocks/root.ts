// The root message in the channel: who started what on which cache, and (once known) the verdict.
import type { Report } from '../../report/model.ts';
import type { AlertOrigin } from '../investigation.ts';
import { escapeMrkdwn, mention } from './escape.ts';
import type { Block } from './limits.ts';
import { context, message as plainMessage, section, type SlackMessage } from './message.ts';
import { verdictLine } from './verdict.ts';

export type RootStatus =
  | { kind: 'asking' }
  | { kind: 'checking' }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'concluded'; report: Report; conclusionTitle: string };

/** Who and what a root message is about: an investigation, or the start of one. */
export interface RootOrigin {
  cache: string;
  startedBy: string;
  alert?: AlertOrigin | undefined;
}

export function rootMessage(origin: RootOrigin, status: RootStatus): SlackMessage {
  const { cache, startedBy, alert } = origin;
  const title = alert
    ? `:rotating_light: Azure Monitor alert *${escapeMrkdwn(alert.rule)}* (${escapeMrkdwn(alert.severity)}) fired at ${alert.firedAt.slice(0, 19).replace('T', ' ')} UTC on *${escapeMrkdwn(cache)}*` +
      (alert.conditions.length > 0 ? `\n${alert.conditions.map((c) => `• ${escapeMrkdwn(c)}`).join('\n')}` : '')
    : `:mag: Key-loss investigation on *${escapeMrkdwn(cache)}*, started by ${mention(startedBy)}`;
  const plainTitle = alert ? `Azure Monitor alert ${alert.rule} (${alert.severity}) on ${cache}` : `Key-loss investigation on ${cache}`;
  // message() escapes its text; the starter's mention is the one control sequence the notification should keep.
  const message = (text: string, blocks: Block[]): SlackMessage => {
    const built = plainMessage(text, blocks);
    return alert ? built : { ...built, text: `${built.text}, started by ${mention(startedBy)}` };
  };
  switch (status.kind) {
    case 'asking':
      return message(plainTitle, [section(title), context('Answering a few questions in the thread…')]);
    case 'checking':
      return message(plainTitle, [section(title), context(':hourglass_flowing_sand: Checking the cache…')]);
    case 'unreachable':
      return message(`${plainTitle}: cache unreachable`, [
        section(title),
        section(`:warning: ${escapeMrkdwn(status.reason)}`),
      ]);
    case 'concluded':
      return message(`${plainTitle}: ${status.report.headline}`, [
        section(title),
        section(verdictLine(status.report, status.conclusionTitle)),
        context('Details, evidence and fixes in the thread.'),
      ]);
  }
}
