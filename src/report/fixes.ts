// Which runbook fixes apply: a fix shows when its tiers include the cache's tier (or the tier is unknown) and all its facts hold.
import type { Fix } from '../runbook/schema.ts';
import type { Fact } from '../domain/facts.ts';
import type { Tier } from '../domain/query.ts';

export function applicableFixes(fixes: readonly Fix[], tier: Tier | null, facts: readonly Fact[]): string[] {
  const known = new Set<string>(facts);
  return fixes.flatMap((fix) => {
    if (typeof fix === 'string') return [fix];
    if (fix.tiers && tier !== null && !fix.tiers.includes(tier)) return [];
    if (fix.facts && !fix.facts.every((fact) => known.has(fact))) return [];
    return [fix.text];
  });
}
