// The shipped runbook's tier question as Slack shows it: the service and tier in one select, the SKU typed, "Not sure".
import { describe, expect, it } from 'vitest';
import { TIERS } from '../../src/domain/query.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import { limitBreaches } from '../../src/slack/blocks/limits.ts';
import { questionMessage } from '../../src/slack/blocks/question.ts';

describe('the tier question in Slack', () => {
  it('offers every tier of both services in one select, a typed SKU and "Not sure", within Block Kit limits', async () => {
    const runbook = await loadDefaultRunbook();
    const node = runbook.nodes.tier;
    if (node?.kind !== 'question') throw new Error('the shipped runbook has no tier question');
    const shown = questionMessage('tier', node, 1);
    expect(limitBreaches(shown.blocks)).toEqual([]);
    const actions = shown.blocks.find((b) => b.type === 'actions') as { elements: Array<{ type: string; text?: { text: string }; options?: Array<{ text: { text: string }; value: string }> }> };
    const select = actions.elements.find((e) => e.type === 'static_select');
    expect(select?.options?.map((o) => o.value)).toEqual([...TIERS]);
    expect(select?.options?.map((o) => o.text.text)).toEqual([
      'Azure Cache for Redis: Basic',
      'Azure Cache for Redis: Standard',
      'Azure Cache for Redis: Premium',
      'Azure Cache for Redis: Enterprise',
      'Azure Cache for Redis: Enterprise Flash',
      'Azure Managed Redis: Memory Optimized (M…)',
      'Azure Managed Redis: Balanced (B…)',
      'Azure Managed Redis: Compute Optimized (X…)',
      'Azure Managed Redis: Flash Optimized (A…)',
    ]);
    expect(actions.elements.filter((e) => e.type === 'button').map((e) => e.text?.text)).toEqual(['Type another answer…', 'Not sure']);
  });
});
