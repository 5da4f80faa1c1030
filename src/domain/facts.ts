// Facts the diagnosis establishes about a cache; runbook fixes name them in `facts:` to show only where they apply.
export const FACTS = [
  'keys-without-ttl',
  'short-ttls',
  'policy-volatile',
  'policy-allkeys',
  'policy-noeviction',
  'memory-near-limit',
  'restarted-in-window',
  'persistence-off',
  'promoted',
  'no-replica',
  'replica-behind',
  'keys-in-other-db',
  'clustered',
  'keyspace-notifications-off',
  'geo-replicated',
  'single-zone',
  'azure-resource-read',
] as const;
export type Fact = (typeof FACTS)[number];

export function isFact(value: string): value is Fact {
  return (FACTS as readonly string[]).includes(value);
}
