// Expiration: do the keys (or their siblings) carry TTLs short enough to have run out, and is Redis expiring keys.
import type { Evidence } from '../../domain/checks.ts';
import type { Fact } from '../../domain/facts.ts';
import type { Signal } from '../signal.ts';
import { counterReach, dataOf, keyspaceOf, rateWindow, windowMs } from '../evidence.ts';
import { formatCount, formatDuration, plural } from '../../domain/format.ts';

export function expirationSignals(evidence: Evidence): Signal[] {
  const signals: Signal[] = [];
  const window = windowMs(evidence);

  const presence = dataOf(evidence, 'keyspace.presence');
  const missingField = presence?.field?.present === false && !presence.field.notAHash ? presence.field.name : null;
  const fields = dataOf(evidence, 'keyspace.field-ttl');
  const hashesExpireFields = fields !== null && fields.fieldsWithTtl > 0;
  signals.push(...fieldSignals(evidence, missingField, window));

  const sample = dataOf(evidence, 'keyspace.ttl-sample');
  // A field missing from a key that is there: the key's own TTL does not bear on it.
  if (sample && missingField === null) {
    const what = sample.siblingsOf ? `${sample.pattern} keys (siblings of ${sample.siblingsOf})` : `${sample.pattern} keys`;
    if (sample.sampled === 0) {
      signals.push({
        cause: 'expiration',
        check: 'keyspace.ttl-sample',
        weight: 0,
        summary: `no ${what} left in db ${sample.db} to sample TTLs from`,
      });
    } else if (sample.withTtl === 0) {
      // Hashes whose fields carry TTLs expire field by field, and vanish with their last field: no key TTL needed.
      signals.push({
        cause: 'expiration',
        check: 'keyspace.ttl-sample',
        weight: hashesExpireFields ? 0 : -0.7,
        summary: `none of the ${formatCount(sample.sampled)} sampled ${what} carries a TTL${hashesExpireFields ? ' on the key, but their hash fields do (below)' : ''}`,
      });
    } else {
      const share = sample.withTtl / sample.sampled;
      const median = sample.medianTtlMs ?? 0;
      const max = sample.maxTtlMs ?? median;
      const min = sample.minTtlMs ?? median;
      // Siblings carrying TTLs is the classic sign. Remaining TTLs shorter than the window sharpen it: keys of
      // this family run out within it. Longer ones do not clear it: the missing key may have been written earlier.
      let weight: number;
      let reach: string;
      if (max <= window) {
        weight = 0.85;
        reach = `every sampled TTL is shorter than the ${formatDuration(window)} since the keys were last seen, so keys like these run out within it`;
      } else if (median <= window) {
        weight = 0.65;
        reach = `most sampled TTLs are shorter than the ${formatDuration(window)} since the keys were last seen`;
      } else if (min <= window) {
        weight = 0.55;
        reach = `some sampled TTLs are shorter than the ${formatDuration(window)} since the keys were last seen`;
      } else if (median <= 86_400_000) {
        weight = 0.5;
        reach = `the shortest is longer than the ${formatDuration(window)} since the keys were last seen, so a missing key was written before them`;
      } else {
        weight = 0.35;
        reach = `TTLs of days: only a key written long ago expires now`;
      }
      if (share < 0.5) weight *= share * 2;
      signals.push({
        cause: 'expiration',
        check: 'keyspace.ttl-sample',
        weight,
        summary: `${formatCount(sample.withTtl)} of ${formatCount(sample.sampled)} sampled ${what} carry a TTL (${ttlSpread(median, min, max)}); ${reach}`,
      });
    }
  }

  const memory = dataOf(evidence, 'memory');
  if (memory) {
    const reach = counterReach(evidence);
    if (memory.expiredKeys !== null && memory.expiredKeys > 0) {
      signals.push({
        cause: 'expiration',
        check: 'memory',
        weight: 0.3,
        summary: `expired_keys ${formatCount(memory.expiredKeys)} ${reach.phrase}`,
      });
    } else if (memory.expiredKeys === 0) {
      const subkeys = memory.expiredSubkeys ?? 0;
      signals.push({
        cause: 'expiration',
        check: 'memory',
        // A hash emptied by field expiry counts in expired_subkeys, not expired_keys.
        weight: subkeys > 0 || missingField !== null ? 0 : reach.bounded ? -0.1 : -0.5,
        summary: `expired_keys 0 ${reach.phrase}`,
      });
    }
    if (memory.expiredSubkeys != null && memory.expiredSubkeys > 0) {
      signals.push({
        cause: 'expiration',
        check: 'memory',
        weight: missingField !== null ? 0.4 : 0.35,
        summary: `expired_subkeys ${formatCount(memory.expiredSubkeys)} ${reach.phrase}: hash fields expired (HEXPIRE), and a hash whose last field expires is removed with it`,
      });
    } else if (memory.expiredSubkeys === 0 && missingField !== null) {
      signals.push({
        cause: 'expiration',
        check: 'memory',
        weight: reach.bounded ? -0.1 : -0.6,
        summary: `expired_subkeys 0 ${reach.phrase}: no hash field has expired`,
      });
    }
  }

  const rates = dataOf(evidence, 'rates');
  if (rates && rates.expiredPerSec !== null && rates.expiredPerSec > 0) {
    signals.push({
      cause: 'expiration',
      check: 'rates',
      weight: 0.2,
      summary: `${formatCount(rates.expiredPerSec)} keys/s expiring now (${rateWindow(rates, evidence.now)})`,
    });
  }

  if (rates?.expiredSubkeysPerSec != null && rates.expiredSubkeysPerSec > 0) {
    signals.push({
      cause: 'expiration',
      check: 'rates',
      weight: missingField !== null ? 0.3 : 0.2,
      summary: `${formatCount(rates.expiredSubkeysPerSec)} hash fields/s expiring now (expired_subkeys, ${rateWindow(rates, evidence.now)})`,
    });
  }

  const line = keyspaceOf(evidence, evidence.query.db);
  if (line && (line.subexpiry ?? 0) > 0) {
    signals.push({
      cause: 'expiration',
      check: 'keyspace.presence',
      weight: 0,
      summary: `db ${line.db}: ${plural(line.subexpiry ?? 0, 'hash', 'hashes')} with field TTLs (keyspace subexpiry)`,
    });
  }
  if (line && line.keys > 0 && line.expires > 0) {
    signals.push({
      cause: 'expiration',
      check: 'keyspace.presence',
      weight: 0,
      summary: `db ${line.db}: ${plural(line.keys, 'key')}, ${formatCount(line.expires)} with a TTL${line.avgTtlMs > 0 ? ` (avg_ttl ${formatDuration(line.avgTtlMs)})` : ''}`,
    });
  }
  return signals;
}

/** What the field-TTL sample says: of the asked key's other fields, or of the sampled hashes. */
function fieldSignals(evidence: Evidence, missingField: string | null, window: number): Signal[] {
  const fields = dataOf(evidence, 'keyspace.field-ttl');
  if (!fields) return [];
  const check = 'keyspace.field-ttl' as const;
  if (missingField !== null) {
    const of = `of ${fields.pattern}`;
    if (fields.fields === 0) return [{ cause: 'expiration', check, weight: 0, summary: `${fields.pattern} has no other field to read field TTLs from` }];
    if (fields.fieldsWithTtl === 0) {
      return [{ cause: 'expiration', check, weight: -0.5, summary: `none of the ${formatCount(fields.fields)} other fields ${of} carries a field TTL` }];
    }
    const spread = ttlSpread(fields.medianFieldTtlMs ?? 0, fields.minFieldTtlMs ?? 0, fields.maxFieldTtlMs ?? 0);
    return [{
      cause: 'expiration',
      check,
      weight: (fields.minFieldTtlMs ?? 0) <= window ? 0.75 : 0.55,
      summary: `${formatCount(fields.fieldsWithTtl)} of the ${formatCount(fields.fields)} other fields ${of} carry a field TTL (${spread}): fields of this hash expire one by one`,
    }];
  }
  if (fields.notSampled !== null || fields.hashes === 0) return [];
  if (fields.hashesWithFieldTtl === 0) {
    return [{ cause: 'expiration', check, weight: 0, summary: `none of the ${formatCount(fields.hashes)} sampled ${fields.pattern} hashes carries a field TTL` }];
  }
  const spread = ttlSpread(fields.medianFieldTtlMs ?? 0, fields.minFieldTtlMs ?? 0, fields.maxFieldTtlMs ?? 0);
  const share = fields.hashesWithFieldTtl / fields.hashes;
  return [{
    cause: 'expiration',
    check,
    weight: ((fields.minFieldTtlMs ?? 0) <= window ? 0.6 : 0.4) * (share < 0.5 ? share * 2 : 1),
    summary: `${formatCount(fields.hashesWithFieldTtl)} of ${formatCount(fields.hashes)} sampled ${fields.pattern} hashes carry field TTLs (${spread}): a hash whose last field expires is removed`,
  }];
}

/** A TTL below this reads as short in the fixes. */
const SHORT_TTL_MS = 10 * 60_000;

export function expirationFacts(evidence: Evidence): Fact[] {
  const sample = dataOf(evidence, 'keyspace.ttl-sample');
  const facts: Fact[] = [];
  if (sample && sample.sampled > 0) {
    if (sample.withoutTtl > 0) facts.push('keys-without-ttl');
    const median = sample.medianTtlMs;
    // Short: minutes at most, the kind a TTL in the wrong unit or a library default gives; an hour is a chosen TTL.
    if (median !== null && median < SHORT_TTL_MS) facts.push('short-ttls');
  }
  return facts;
}

/** "median 41 s, 12 s–2 min"; a spread that collapses to one value says it once: "all 4.5 min". */
function ttlSpread(median: number, min: number, max: number): string {
  const [low, mid, high] = [formatDuration(min), formatDuration(median), formatDuration(max)];
  return low === high ? `all ${mid}` : `median ${mid}, ${low}–${high}`;
}
