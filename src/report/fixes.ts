// Which runbook fixes apply, in the words of what was found: a fix shows when its tiers include the cache's tier, all its
// facts hold and none of its `unless` facts does; {db}, {other-db}, {removers} are filled from the diagnosis. When the
// tier is unknown, a tier-specific fix comes after the others, introduced by the runbook's `tierUnknown.prefix`.
import { FIX_PLACEHOLDER, type Fix, type Runbook } from '../runbook/schema.ts';
import type { Fact, FactValues } from '../domain/facts.ts';
import { isFactValue } from '../domain/facts.ts';
import { SERVICE_NAMES, TIER_INFO, TIERS, type AzureService, type Tier } from '../domain/query.ts';
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
      tierSpecific.push(`${prefix.replace('{tiers}', joinOr(tierNames(tiers, names)))} ${afterColon(filled)}`);
    }
  }
  return [...general, ...tierSpecific];
}

/**
 * The names of a fix's tiers, as the runbook writes them (else as Azure does); every tier of a service at once is
 * that service ("Azure Managed Redis"), so a fix for all four of its tiers does not list them one by one.
 */
function tierNames(tiers: readonly Tier[], names: NonNullable<Runbook['tierUnknown']>['names']): string[] {
  const services = Object.keys(SERVICE_NAMES) as AzureService[];
  const whole = services.filter((service) => TIERS.filter((t) => TIER_INFO[t].service === service).every((t) => tiers.includes(t)));
  const shown: string[] = [];
  for (const tier of tiers) {
    const service = TIER_INFO[tier].service;
    if (!whole.includes(service)) shown.push(names[tier] ?? TIER_INFO[tier].name);
    else if (!shown.includes(SERVICE_NAMES[service])) shown.push(SERVICE_NAMES[service]);
  }
  return shown;
}

/** A fix said after the prefix's colon goes on in lower case ("…Premium: stop stray deletes"), unless it starts with a name (DEL, TTL, Azure). */
function afterColon(text: string): string {
  return /^[A-Z][a-z]/.test(text) && !/^(Azure|Microsoft|Redis|Entra|Premium|Standard|Basic|Enterprise|Memory|Balanced|Compute|Flash)\b/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}
