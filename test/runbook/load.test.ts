// The shipped runbook: it loads, and it is the decision tree the diagnosis and the surfaces rely on.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AZURE_CHECK_IDS, REDIS_CHECK_IDS } from '../../src/domain/checks.ts';
import { CAUSE_IDS } from '../../src/domain/causes.ts';
import { FACTS, type Fact } from '../../src/domain/facts.ts';
import { TIERS } from '../../src/domain/query.ts';
import { parseTier } from '../../src/runbook/formats.ts';
import { applicableFixes } from '../../src/report/fixes.ts';
import { defaultRunbookPath, formatRunbookError, loadDefaultRunbook, loadRunbook } from '../../src/runbook/load.ts';
import type { QuestionNode, Runbook } from '../../src/runbook/schema.ts';

async function shipped(): Promise<Runbook> {
  const result = await loadRunbook(defaultRunbookPath());
  if (!result.ok) throw new Error(result.errors.map(formatRunbookError).join('\n'));
  return result.runbook;
}

function question(runbook: Runbook, id: string): QuestionNode {
  const node = runbook.nodes[id];
  if (node?.kind !== 'question') throw new Error(`${id} is not a question`);
  return node;
}

describe('the shipped runbook', () => {
  it('is found from the package root and loads without errors', async () => {
    expect(defaultRunbookPath()).toMatch(/runbooks\/redis-data-loss\.yaml$/);
    expect(existsSync(defaultRunbookPath())).toBe(true);
    const runbook = await shipped();
    expect(runbook.id).toBe('redis-data-loss');
    expect(await loadDefaultRunbook()).toEqual(runbook);
  });

  it('asks cache, tier, key, db, since and scope in that order', async () => {
    const runbook = await shipped();
    const slots: string[] = [];
    // Follow the default path: a plain next, or the last (unconditional) branch.
    let id: string | undefined = runbook.start;
    while (id !== undefined) {
      const node: Runbook['nodes'][string] | undefined = runbook.nodes[id];
      if (node?.kind !== 'question') break;
      slots.push(node.slot);
      id = typeof node.next === 'string' ? node.next : node.next.at(-1)?.next;
    }
    expect(slots).toEqual(['cache', 'tier', 'key', 'db', 'since', 'scope']);
  });

  it('uses the formats and options the diagnosis reads', async () => {
    const runbook = await shipped();
    expect(question(runbook, 'cache').text?.format).toBe('target');
    expect(question(runbook, 'key').text?.format).toBe('key-pattern');
    expect(question(runbook, 'db').text?.format).toBe('db-index');
    expect(question(runbook, 'since').text?.format).toBe('since');
    // The service and the tier as Azure sells them, every value one the answer table reads.
    expect(question(runbook, 'tier').options?.map((o) => o.value)).toEqual([...TIERS]);
    expect(question(runbook, 'tier').options?.map((o) => parseTier(o.value))).toEqual(TIERS.map((tier) => ({ ok: true, tier })));
    expect(question(runbook, 'tier').options?.map((o) => o.label.split(':')[0])).toEqual([
      ...Array(5).fill('Azure Cache for Redis'),
      ...Array(4).fill('Azure Managed Redis'),
    ]);
    expect(question(runbook, 'scope').options?.map((o) => o.value)).toEqual(['partial', 'complete']);
    expect(question(runbook, 'db').skip?.value).toBe('0');
    expect(question(runbook, 'since').options?.map((o) => o.value)).toContain('1h');
  });

  it('does not ask for a database on Azure Managed Redis', async () => {
    const runbook = await shipped();
    const next = question(runbook, 'key').next;
    const oneDatabase = ['enterprise', 'enterprise-flash', 'memory-optimized', 'balanced', 'compute-optimized', 'flash-optimized'];
    expect(next).toEqual([{ when: { answer: 'tier', in: oneDatabase }, next: 'since' }, { next: 'db' }]);
  });

  it('runs every check and branches on the findings to four conclusions', async () => {
    const runbook = await shipped();
    const checkNode = Object.values(runbook.nodes).find((n) => n.kind === 'check');
    // Every Redis and Azure check; the record is read whenever a state Redis holds one, whatever a node lists.
    expect(checkNode?.kind === 'check' && [...checkNode.checks].sort()).toEqual([...REDIS_CHECK_IDS, ...AZURE_CHECK_IDS].sort());
    const conclusions = Object.values(runbook.nodes).filter((n) => n.kind === 'conclusion');
    expect(conclusions).toHaveLength(4);
  });

  it('has words for all seven causes, each with a fix that always shows', async () => {
    const runbook = await shipped();
    expect(Object.keys(runbook.causes).sort()).toEqual([...CAUSE_IDS].sort());
    // Whatever the tier and whichever facts hold (none, or every one), each cause has a fix to show.
    const factSets: Fact[][] = [[], [...FACTS], FACTS.filter((fact) => fact !== 'remover-named' && fact !== 'keys-in-other-db')];
    for (const [id, words] of Object.entries(runbook.causes)) {
      for (const tier of [null, ...TIERS]) {
        for (const facts of factSets) {
          const values = { db: '0', 'other-db': '4', removers: 'billing-worker' };
          expect(applicableFixes(words.fixes, { tier, facts, values, tierUnknown: runbook.tierUnknown }).length, `${id} on ${tier} with ${facts.length} facts`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('shows the persistence fix only where persistence is off, and the TTL-aware policy fix only under volatile-* without TTLs', async () => {
    const runbook = await shipped();
    const conditional = Object.values(runbook.causes).flatMap((c) => c.fixes).filter((f) => typeof f !== 'string');
    expect(conditional.some((f) => f.facts?.includes('persistence-off') && /persistence/i.test(f.text))).toBe(true);
    expect(conditional.some((f) => f.facts?.includes('policy-volatile') && f.facts.includes('keys-without-ttl'))).toBe(true);
    expect(conditional.some((f) => f.tiers?.join() === 'basic' && /Upgrade from Basic/.test(f.text))).toBe(true);
  });

  it('gives Azure Managed Redis its own fixes: high availability, persistence, the database\'s eviction policy, scaling', async () => {
    const runbook = await shipped();
    const values = { db: '0', 'other-db': '4', removers: 'billing-worker' };
    const fixes = (cause: string, tier: (typeof TIERS)[number], facts: Fact[]) =>
      applicableFixes(runbook.causes[cause]?.fixes ?? [], { tier, facts, values, tierUnknown: runbook.tierUnknown }).join('\n');
    const amrFailure = fixes('instance-failure', 'balanced', ['no-replica', 'persistence-off']);
    expect(amrFailure).toMatch(/Turn high availability on/);
    expect(amrFailure).toMatch(/AOF or RDB/);
    expect(amrFailure).not.toMatch(/Upgrade from Basic|upgrade to Premium/);
    // The same facts on Premium: its own persistence fix, and no word of high availability.
    const premiumFailure = fixes('instance-failure', 'premium', ['no-replica', 'persistence-off']);
    expect(premiumFailure).toMatch(/reloads its data from the storage account/);
    expect(premiumFailure).not.toMatch(/high availability/);
    for (const tier of ['memory-optimized', 'balanced', 'compute-optimized', 'flash-optimized'] as const) {
      expect(fixes('eviction', tier, []), tier).toMatch(/evictionPolicy in Resource Manager/);
      expect(fixes('eviction', tier, []), tier).toMatch(/Memory Optimized, which has the most memory per vCPU/);
      expect(fixes('eviction', tier, ['memory-near-limit']), tier).not.toMatch(/maxmemory-reserved/);
    }
    expect(fixes('eviction', 'premium', ['memory-near-limit'])).toMatch(/maxmemory-reserved/);
    // Flash Optimized has no geo-replication: it is not offered there.
    expect(fixes('instance-failure', 'flash-optimized', [])).not.toMatch(/geo-replication/);
    expect(fixes('instance-failure', 'memory-optimized', [])).toMatch(/active on Enterprise and Azure Managed Redis/);
  });

  it('names the newer tiers as Azure does when the tier is unknown', async () => {
    const runbook = await shipped();
    const shown = applicableFixes(runbook.causes['instance-failure']?.fixes ?? [], { tier: null, facts: ['no-replica'], values: {}, tierUnknown: runbook.tierUnknown });
    // All four tiers of a service at once are the service; some of them are named one by one.
    expect(shown.filter((fix) => /^If the cache is Azure Managed Redis: high availability is off/.test(fix)), shown.join('\n')).toHaveLength(1);
    const geo = applicableFixes(runbook.causes['instance-failure']?.fixes ?? [], { tier: null, facts: [], values: {}, tierUnknown: runbook.tierUnknown });
    const partly = /^If the cache is Premium, Enterprise, Memory Optimized \(Azure Managed Redis\), Balanced \(Azure Managed Redis\) or Compute Optimized \(Azure Managed Redis\): add geo-replication/;
    expect(geo.filter((fix) => partly.test(fix)), geo.join('\n')).toHaveLength(1);
  });
});
