// The Block Kit limits table, the checker and the fitter: oversized messages degrade, never fail.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitBlocks, LIMITS, limitBreaches, truncate, type Block } from '../../src/slack/blocks/limits.ts';
import { button, message, section } from '../../src/slack/blocks/message.ts';
import { escapeMrkdwn } from '../../src/slack/blocks/escape.ts';

describe('limitBreaches', () => {
  it('names each breach', () => {
    const blocks: Block[] = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
      section('s'.repeat(3001)),
      { type: 'actions', elements: [button('a', 'l'.repeat(76), 'v'.repeat(2001)), button('a', 'ok')] },
      {
        type: 'actions',
        elements: [{ type: 'static_select', action_id: 's', options: Array.from({ length: 101 }, (_, i) => ({ text: { type: 'plain_text', text: `o${i}` }, value: 'x'.repeat(i === 0 ? 151 : 3) })) }],
      },
    ];
    const breaches = limitBreaches(blocks);
    expect(breaches).toEqual(
      expect.arrayContaining([
        'block 0 (header): text longer than 150',
        'block 1 (section): text longer than 3000',
        'block 2 (actions): action_ids repeat inside the block',
        'block 2 (actions) element 0: button label longer than 75',
        'block 2 (actions) element 0: button value longer than 2000',
        'block 3 (actions) element 0: more than 100 options',
        'block 3 (actions) element 0 option 0: value longer than 150',
      ]),
    );
    expect(limitBreaches(Array.from({ length: 51 }, () => section('x')))).toContain('51 blocks, more than 50');
    expect(limitBreaches(Array.from({ length: 51 }, () => section('x')), 'modal')).toEqual([]);
  });
});

describe('fitBlocks', () => {
  it('truncates with an ellipsis and keeps the block count with a closing note', () => {
    const fitted = fitBlocks(Array.from({ length: 80 }, (_, i) => section(`${i} ${'y'.repeat(4000)}`)));
    expect(fitted.overflowed).toBe(true);
    expect(fitted.blocks).toHaveLength(LIMITS.messageBlocks);
    expect(JSON.stringify(fitted.blocks.at(-1))).toContain('31 more blocks left out');
    expect((fitted.blocks[0] as { text: { text: string } }).text.text).toHaveLength(3000);
    expect((fitted.blocks[0] as { text: { text: string } }).text.text.endsWith('…')).toBe(true);
    expect(limitBreaches(fitted.blocks)).toEqual([]);
  });

  it('never cuts an escape such as &amp; in half', () => {
    const text = escapeMrkdwn('a'.repeat(2996) + '<<<<');
    expect(truncate(text, 3000)).toBe('a'.repeat(2996) + '…');
  });

  it('any message built through message() is within the limits (property)', () => {
    const text = fc.string({ maxLength: 5000 });
    const block = fc.oneof(
      text.map((t) => section(t || 'x')),
      text.map((t): Block => ({ type: 'header', text: { type: 'plain_text', text: t || 'x' } })),
      fc.array(text, { minLength: 1, maxLength: 30 }).map((ts): Block => ({ type: 'context', elements: ts.map((t) => ({ type: 'mrkdwn', text: t || 'x' })) })),
      fc.array(text, { minLength: 1, maxLength: 40 }).map((ts): Block => ({ type: 'actions', elements: ts.map((t, i) => button(`a${i}`, t || 'x')) })),
      fc.array(text, { minLength: 1, maxLength: 15 }).map((ts): Block => ({ type: 'section', fields: ts.map((t) => ({ type: 'mrkdwn', text: t || 'x' })) })),
    );
    fc.assert(
      fc.property(fc.array(block, { maxLength: 120 }), (blocks) => {
        expect(limitBreaches(message('t', blocks).blocks)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
