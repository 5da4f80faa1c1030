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
  'remover-named',
  'clients-named',
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

/**
 * Values the diagnosis found, which a fix quotes as {name}: each with the fact that guarantees it is known (null: always).
 * A fix that quotes a value must list that fact, so that a runbook shows whether a cause can end up without a fix.
 */
export const FACT_VALUES = {
  /** The database the application uses. */
  db: null,
  /** The other database that holds the most of the keys. */
  'other-db': 'keys-in-other-db',
  /** The names of the clients on the application's db whose last command removed keys ("billing-worker"). */
  removers: 'remover-named',
} as const satisfies Record<string, Fact | null>;
export type FactValue = keyof typeof FACT_VALUES;
export type FactValues = Partial<Record<FactValue, string>>;

export function isFactValue(value: string): value is FactValue {
  return Object.hasOwn(FACT_VALUES, value);
}

/** A fact, or a fact with the values it makes known. */
export type Finding = Fact | { fact: Fact; values: FactValues };
