// The root message in the channel: who started what on which cache, and (once known) the verdict.
import type { Report } from '../../report/model.ts';
import { escapeMrkdwn, mention } from './escape.ts';
import type { Block } from './limits.ts';
import { context, message as plainMessage, section, type SlackMessage } from './message.ts';
import { verdictLine } from './verdict.ts';

export type RootStatus =
  | { kind: 'asking' }
  | { kind: 'checking' }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'concluded'; report: Report; conclusionTitle: string };

export function rootMessage(cache: string, startedBy: string, status: RootStatus): SlackMessage {
  const title = `:mag: Key-loss investigation on *${escapeMrkdwn(cache)}*, started by ${mention(startedBy)}`;
  const plainTitle = `Key-loss investigation on ${cache}`;
  // message() escapes its text; the starter's mention is the one control sequence the notification should keep.
  const message = (text: string, blocks: Block[]): SlackMessage => {
    const built = plainMessage(text, blocks);
    return { ...built, text: `${built.text}, started by ${mention(startedBy)}` };
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
