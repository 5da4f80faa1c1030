// Do hashes (or the asked key's other fields) carry field TTLs, and how long: HTTL over a bounded sample of fields.
// Only servers that expire hash fields (Redis 7.4+) are asked; where a field was asked on another, HTTL's refusal is
// the check's failure, with the server's reply as the reason.
import { literalKey } from '../domain/keys.ts';
import type { FieldTtlData } from '../domain/evidence.ts';
import { neededData } from './needs.ts';
import { median } from './ttl-sample.ts';
import type { Check, CheckContext } from './types.ts';

/** Hashes sampled for a pattern or a missing key's siblings, and fields read per hash. */
const MAX_HASHES = 20;
const MAX_FIELDS = 20;

export const fieldTtlCheck: Check<'keyspace.field-ttl'> = {
  id: 'keyspace.field-ttl',
  title: 'Field TTLs of matching hashes',
  budgetMs: 10_000,
  needs: ['keyspace.presence', 'keyspace.ttl-sample'],
  async run(ctx) {
    const presence = neededData(ctx, 'keyspace.presence');
    const sample = neededData(ctx, 'keyspace.ttl-sample');
    const db = presence.db;
    const line = presence.keyspace.find((entry) => entry.db === db);
    const subexpiry = line?.subexpiry ?? null;
    const field = presence.field?.present === false && !presence.field.notAHash ? presence.field.name : null;
    const base = { field, db, subexpiry, hashes: 0, hashesWithFieldTtl: 0, fields: 0, fieldsWithTtl: 0, medianFieldTtlMs: null, minFieldTtlMs: null, maxFieldTtlMs: null };
    if (field !== null) {
      // The asked key is there and lacks the field: its other fields tell whether this hash's fields expire.
      const key = literalKey(presence.pattern);
      const read = await readHash(ctx, key, db, field);
      return { ...base, pattern: key, ...summarise(read === null ? [] : [read]), notSampled: null };
    }
    if (line && subexpiry === null) {
      return { ...base, pattern: sample.pattern, notSampled: 'this server does not expire hash fields (INFO keyspace has no subexpiry; Redis 7.4+ prints it)' };
    }
    if (!line || subexpiry === 0) {
      return { ...base, pattern: sample.pattern, notSampled: `no hash in db ${db} carries a field TTL now (keyspace subexpiry ${subexpiry ?? 0})` };
    }
    const keys = (sample.keys ?? []).slice(0, MAX_HASHES);
    const reads = [];
    for (const key of keys) {
      ctx.signal.throwIfAborted();
      const read = await readHash(ctx, key, db, null);
      if (read !== null) reads.push(read);
    }
    return { ...base, pattern: sample.pattern, ...summarise(reads), notSampled: keys.length === 0 ? `no ${sample.pattern} key left in db ${db} to sample` : null };
  },
};

/** Remaining TTLs (ms; -1: none) of up to MAX_FIELDS fields of one hash; null when the key is no hash (or went away). */
async function readHash(ctx: CheckContext, key: string, db: number, asked: string | null): Promise<number[] | null> {
  const gateway = await ctx.redis.gateway(await ctx.redis.addressForKey(key), db);
  // HTTL first: a server that does not expire fields refuses it, and that refusal is the check's reason.
  if (asked !== null) await gateway.call('HTTL', key, 'FIELDS', 1, asked);
  let page: unknown;
  try {
    page = await gateway.call('HSCAN', key, 0, 'COUNT', MAX_FIELDS, 'NOVALUES');
  } catch (error) {
    if (/WRONGTYPE/.test(String(error instanceof Error ? error.message : error))) return null;
    throw error;
  }
  const fields = (Array.isArray(page) && Array.isArray(page[1]) ? (page[1] as unknown[]).map(String) : []).slice(0, MAX_FIELDS);
  if (fields.length === 0) return null;
  const ttls = await gateway.call('HTTL', key, 'FIELDS', fields.length, ...fields);
  // -2: the field went away between HSCAN and HTTL; it is not part of the sample.
  return (Array.isArray(ttls) ? ttls.map(Number) : []).filter((ttl) => ttl !== -2).map((ttl) => (ttl >= 0 ? ttl * 1000 : -1));
}

function summarise(reads: number[][]): Pick<FieldTtlData, 'hashes' | 'hashesWithFieldTtl' | 'fields' | 'fieldsWithTtl' | 'medianFieldTtlMs' | 'minFieldTtlMs' | 'maxFieldTtlMs'> {
  const withTtl = reads.flat().filter((ttl) => ttl >= 0).sort((a, b) => a - b);
  return {
    hashes: reads.length,
    hashesWithFieldTtl: reads.filter((ttls) => ttls.some((ttl) => ttl >= 0)).length,
    fields: reads.reduce((sum, ttls) => sum + ttls.length, 0),
    fieldsWithTtl: withTtl.length,
    medianFieldTtlMs: median(withTtl),
    minFieldTtlMs: withTtl[0] ?? null,
    maxFieldTtlMs: withTtl.at(-1) ?? null,
  };
}
