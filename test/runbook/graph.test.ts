// The Mermaid flowchart: every node named with its shape, every edge labelled, labels that cannot break the syntax.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeLabel, toMermaid } from '../../src/runbook/graph.ts';
import { loadDefaultRunbook, parseRunbook } from '../../src/runbook/load.ts';
import type { Runbook } from '../../src/runbook/schema.ts';

describe('toMermaid on the shipped runbook', () => {
  it('declares every node with the shape of its kind', async () => {
    const runbook = await loadDefaultRunbook();
    const chart = toMermaid(runbook);
    expect(chart.startsWith('flowchart TD\n')).toBe(true);
    for (const [id, node] of Object.entries(runbook.nodes)) {
      const mid = `n_${id.replaceAll('-', '_')}`;
      const open = { question: '("', check: '{{"', conclusion: '(["' }[node.kind];
      expect(chart).toContain(`  ${mid}${open}`);
    }
  });

  it('draws each branch with its condition and each answer path with its labels', async () => {
    const chart = toMermaid(await loadDefaultRunbook());
    expect(chart).toContain('n_investigate -->|"verdict no-loss"| n_key_present');
    expect(chart).toContain('n_investigate -->|"verdict explained and top cause wrong-database"| n_other_database');
    expect(chart).toContain('n_investigate -->|"otherwise"| n_not_provable');
    expect(chart).toContain('n_key -->|"tier in enterprise, enterprise-flash, memory-optimized, balanced, compute-optimized, flash-optimized"| n_since');
    expect(chart).toMatch(/n_tier -->\|"Azure Cache for Redis: Basic \/ .* \/ Azure Managed Redis: Flash Optimized #40;A#8230;#41; \/ typed tier \/ Not sure"\| n_key/);
  });
});

describe('toMermaid on awkward text', () => {
  it('escapes quotes, pipes, brackets and newlines in prompts and labels, and keeps reserved ids apart', () => {
    const yaml = `
id: odd
title: Odd
start: end
nodes:
  end:
    kind: question
    slot: q
    prompt: 'Is it "down" | [up] {or} <b>#1</b>?'
    options:
      - { value: a, label: 'A "quoted" | label', next: o-ring }
      - { value: b, label: B }
    next: o-ring
  o-ring: { kind: conclusion, title: "Done; 100% (sure)", body: ok }
causes:
  expiration: { title: t, explanation: e, fixes: [f] }
  eviction: { title: t, explanation: e, fixes: [f] }
  replication: { title: t, explanation: e, fixes: [f] }
  deletion: { title: t, explanation: e, fixes: [f] }
  flush: { title: t, explanation: e, fixes: [f] }
  wrong-database: { title: t, explanation: e, fixes: [f] }
  instance-failure: { title: t, explanation: e, fixes: [f] }
`;
    const result = parseRunbook(yaml, 'odd.yaml');
    expect(result.ok).toBe(true);
    const chart = toMermaid((result as { runbook: Runbook }).runbook);
    expect(chart).toBe(
      [
        'flowchart TD',
        '  n_end("Is it #34;down#34; #124; #91;up#93; #123;or#125; #60;b#62;#35;1#60;/b#62;?")',
        '  n_o_ring(["Done; 100% #40;sure#41;"])',
        '  n_end -->|"A #34;quoted#34; #124; label"| n_o_ring',
        '  n_end -->|"B"| n_o_ring',
        '',
      ].join('\n'),
    );
  });

  it('never lets a label character close the quote or start markup', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(escapeLabel(text)).toMatch(/^[A-Za-z0-9 .,:;!?'/_+*=@%#-]*$/);
      }),
    );
  });
});
