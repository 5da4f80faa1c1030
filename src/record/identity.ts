// One identity per cache: a record kept under a cache's name is found by its address, and one kept under an address
// (`record --redis`) is found by the name the caches file gives that address. The recorder writes each address it
// records a cache at (an alias to the name, and the meta's `addresses`); readers try the name, the alias, the address.
import type { Redis } from 'ioredis';
import { addressKey, RecordLayout } from './layout.ts';

/** How a surface names the cache it asks about: the caches file's name when it has one, and host:port always. */
export interface RecordIdentity {
  name: string | null;
  address: string;
}

/** The name of the record of this cache in the state Redis (the most recently written, when several), or null. */
export async function findRecordName(client: Redis, prefix: string, identity: RecordIdentity): Promise<string | null> {
  const alias = await client.get(addressKey(prefix, identity.address));
  const candidates = [...new Set([identity.name, alias, identity.address].filter((name): name is string => name !== null && name !== ''))];
  let best: { name: string; lastAt: number } | null = null;
  for (const name of candidates) {
    const lastAt = Number(await client.hget(new RecordLayout(prefix, name).meta, 'lastAt'));
    if (Number.isFinite(lastAt) && lastAt > 0 && (best === null || lastAt > best.lastAt)) best = { name, lastAt };
  }
  return best?.name ?? null;
}

/** The addresses a record was kept at, as the meta lists them. */
export function addressesOf(meta: Record<string, string>): string[] {
  try {
    const parsed: unknown = JSON.parse(meta.addresses ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((a): a is string => typeof a === 'string').slice(0, MAX_ADDRESSES) : [];
  } catch {
    return [];
  }
}

/** A cluster lists each primary; more than this is not kept. */
const MAX_ADDRESSES = 64;

/** Adds these addresses to the record's meta and points each one's alias at the record (when it is kept under a name). */
export async function rememberAddresses(client: Redis, layout: RecordLayout, addresses: readonly string[], retentionMs: number): Promise<void> {
  const known = addressesOf(await client.hgetall(layout.meta));
  const all = [...new Set([...known, ...addresses])].slice(0, MAX_ADDRESSES);
  // One key a command: on a state Redis cluster the meta and the aliases live in different slots.
  const writes: Array<Promise<unknown>> = [];
  if (all.length !== known.length) writes.push(client.hset(layout.meta, 'addresses', JSON.stringify(all)));
  for (const address of addresses) if (address !== layout.cache) writes.push(client.set(addressKey(layout.prefix, address), layout.cache, 'PX', retentionMs));
  await Promise.all(writes);
}
