// Which runbook fixes apply, in the words of what was found: a fix shows when its tiers include the cache's tier, all its
// facts hold and none of its `unless` facts does; {db}, {other-db}, {removers} are filled from the diagnosis. When the
// tier is unknown, a tier-specific fix comes after the others, introduced by the runbook's `tierUnknown.prefix`.
import { FIX_PLACEHOLDER, type Fix, type Runbook } from '../runbook/schema.ts';
import type { Fact, FactValues } from '../domain/facts.ts';
import { isFactValue } from '../domain/facts.ts';
import type { Tier } from '../domain/query.ts';
import { joinOr } from '../domain/format.ts';

export interface FixContext {
  tier: Tier | null;
  facts: readonly Fact[];
  values: FactValues;
  tierUnknown: Runbook['tierUnknown'];
}

function fill(text: string, values: FactValues): string | null {
  let missing = false;
  const filled = text.replace(FIX_PLACEHOLDER, (whole, name: string) => {
    const value = isFactValue(name) ? values[name] : undefined;
    if (value === undefined) missing = true;
    return value ?? whole;
  });
  return missing ? null : filled;
}

export function applicableFixes(fixes: readonly Fix[], context: FixContext): string[] {
  const known = new Set<string>(context.facts);
  const general: string[] = [];
  const tierSpecific: string[] = [];
  for (const fix of fixes) {
    const { text, tiers, facts, unless } = typeof fix === 'string' ? { text: fix } : fix;
    if (facts && !facts.every((fact) => known.has(fact))) continue;
    if (unless?.some((fact) => known.has(fact))) continue;
    const filled = fill(text, context.values);
    if (filled === null) continue;
    if (!tiers) general.push(filled);
    else if (context.tier !== null) {
      if (tiers.includes(context.tier)) general.push(filled);
    } else if (context.tierUnknown) {
      const { prefix, names } = context.tierUnknown;
      tierSpecific.push(`${prefix.replace('{tiers}', joinOr(tiers.map((tier) => names[tier])))} ${afterColon(filled)}`);
    }
  }
  return [...general, ...tierSpecific];
}

/** A fix said after the prefix's colon goes on in lower case ("…Premium: stop stray deletes"), unless it starts with a name (DEL, TTL, Azure). */
function afterColon(text: string): string {
  return /^[A-Z][a-z]/.test(text) && !/^(Azure|Microsoft|Redis|Entra|Premium|Standard|Basic|Enterprise)\b/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}
