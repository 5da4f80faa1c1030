// The one way a Slack message is built: text objects, common blocks, and `message()` which fits everything to the limits.
import { escapeMrkdwn } from './escape.ts';
import { fitBlocks, LIMITS, truncate, type Block, type ButtonElement, type TextObject } from './limits.ts';

export interface SlackMessage {
  /** Top-level text: the notification and screen-reader text. */
  text: string;
  blocks: Block[];
  /** Blocks were left out to stay within the limits; the caller attaches the full text as a file. */
  overflowed: boolean;
}

export const mrkdwn = (text: string): TextObject => ({ type: 'mrkdwn', text });
export const plain = (text: string): TextObject & { type: 'plain_text' } => ({ type: 'plain_text', text, emoji: true });

export const header = (text: string): Block => ({ type: 'header', text: plain(text) });
export const section = (text: string, blockId?: string): Block => ({
  type: 'section',
  text: mrkdwn(text),
  ...(blockId ? { block_id: blockId } : {}),
});
export const context = (...texts: string[]): Block => ({ type: 'context', elements: texts.map(mrkdwn) });
export const divider = (): Block => ({ type: 'divider' });

export function button(actionId: string, label: string, value = '', style?: 'primary' | 'danger'): ButtonElement {
  return { type: 'button', action_id: actionId, text: plain(label), value, ...(style ? { style } : {}) };
}

/** A bulleted list that fits one section; lines past the limit are counted, not cut mid-line. */
export function bullets(lines: readonly string[], max: number = LIMITS.sectionText): string {
  const out: string[] = [];
  let used = 0;
  for (const [i, line] of lines.entries()) {
    const item = `• ${line}`;
    const more = lines.length - i;
    const reserve = `\n… and ${more} more`.length;
    if (used + item.length + 1 > max - (i < lines.length - 1 ? reserve : 0)) {
      out.push(`… and ${more} more`);
      break;
    }
    out.push(item);
    used += item.length + 1;
  }
  return out.join('\n');
}

/**
 * Fits blocks to Slack's limits. `text` is plain words: Slack reads the top-level text as mrkdwn in notifications,
 * so it is escaped here, once, and nothing a user typed can become a mention or a link.
 */
export function message(text: string, blocks: Block[]): SlackMessage {
  const fitted = fitBlocks(blocks, 'message');
  return { text: truncate(escapeMrkdwn(text), LIMITS.messageText), blocks: fitted.blocks, overflowed: fitted.overflowed };
}
