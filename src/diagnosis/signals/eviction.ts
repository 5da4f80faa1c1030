// Eviction: memory at its limit, a policy that may evict the missing keys, and evicted_keys to show it did.
import type { Evidence } from '../../domain/checks.ts';
import type { MemoryData, RatesData } from '../../domain/evidence.ts';
import type { Fact } from '../../domain/facts.ts';
import type { Signal } from '../signal.ts';
import { counterReach, dataOf, endpointOf, rateWindow } from '../evidence.ts';
import { formatBytes, formatCount, formatDuration, formatPercent } from '../../domain/format.ts';
import { shardView } from '../shards.ts';

const NEAR_LIMIT = 0.9;

/** The policy from INFO memory, else the one Azure reports for the resource. */
function policyOf(evidence: Evidence): string | null {
  return dataOf(evidence, 'memory')?.policy ?? dataOf(evidence, 'azure.resource')?.maxmemoryPolicy ?? null;
}

/**
 * Redis evicts per node: in a cluster whose keys hash to one shard (an exact key, a pattern with a fixed {tag}), the
 * memory and evictions that matter are that shard's, named; otherwise the cache's, summed over its nodes.
 */
function memoryOfKeys(evidence: Evidence, memory: MemoryData) {
  const owners = shardView(evidence)?.owners ?? [];
  const owner = owners.length === 1 ? owners[0] : undefined;
  if (owner && owner.maxmemory !== null && owner.evictedKeys !== null) {
    return { usedMemory: owner.usedMemory, maxmemory: owner.maxmemory, evictedKeys: owner.evictedKeys, on: ` on ${owner.address}` };
  }
  return { usedMemory: memory.usedMemory, maxmemory: memory.maxmemory, evictedKeys: memory.evictedKeys, on: '' };
}

export function evictionSignals(evidence: Evidence): Signal[] {
  const field = dataOf(evidence, 'keyspace.presence')?.field;
  if (field?.present === false && !field.notAHash) {
    return [{ cause: 'eviction', check: 'keyspace.presence', weight: -1, rulesOut: true, summary: `the key is there without field ${field.name}: eviction removes whole keys, never one field of a hash` }];
  }
  const memory = dataOf(evidence, 'memory');
  if (!memory) return [];
  const signals: Signal[] = [];
  const policy = policyOf(evidence);
  const { usedMemory, maxmemory, evictedKeys, on } = memoryOfKeys(evidence, memory);
  const used = usedMemory === null ? 'unknown' : formatBytes(usedMemory);
  // Only what INFO gave is compared: a missing used_memory or maxmemory is unknown, never 0.
  const ratio = usedMemory !== null && maxmemory !== null && maxmemory > 0 ? usedMemory / maxmemory : null;
  const usage =
    maxmemory === null
      ? `used_memory ${used}, maxmemory unknown`
      : maxmemory > 0
        ? `used_memory ${used} of ${formatBytes(maxmemory)}${ratio !== null ? ` (${formatPercent(ratio)})` : ''}`
        : `used_memory ${used}, maxmemory 0`;

  if (maxmemory === 0) {
    signals.push({
      cause: 'eviction',
      check: 'memory',
      weight: -1,
      rulesOut: true,
      summary: `maxmemory 0 (no limit): Redis never evicts; ${usage}`,
    });
    return signals;
  }
  if (policy === 'noeviction') {
    signals.push({
      cause: 'eviction',
      check: 'memory',
      weight: -1,
      rulesOut: true,
      summary: `policy noeviction: Redis refuses writes at the limit instead of evicting; evicted_keys ${evictedKeys === null ? 'unknown' : formatCount(evictedKeys)}`,
    });
    return signals;
  }

  const reach = counterReach(evidence);
  if (evictedKeys === null || maxmemory === null) {
    signals.push({
      cause: 'eviction',
      check: 'memory',
      weight: 0,
      unknown: true,
      summary:
        `INFO gives no usable ${evictedKeys === null ? 'evicted_keys' : 'maxmemory'}, so whether Redis evicted is unknown; ${usage}` +
        // A Redis Enterprise proxy never gives maxmemory or the policy: Azure has both.
        (endpointOf(evidence)?.proxy ? "; the database's evictionPolicy in Azure and its usedmemorypercentage and evictedkeys metrics would show it" : ''),
    });
  }
  if (evictedKeys !== null && evictedKeys > 0) {
    signals.push({
      cause: 'eviction',
      check: 'memory',
      weight: evictedKeys >= 100 ? 0.6 : 0.45,
      summary: `evicted_keys ${formatCount(evictedKeys)}${on} ${reach.phrase}; ${usage}; policy ${policy ?? 'unknown'}`,
    });
  } else if (evictedKeys === 0) {
    signals.push({
      cause: 'eviction',
      check: 'memory',
      weight: reach.bounded ? -0.2 : -0.75,
      summary: `evicted_keys 0${on} ${reach.phrase}; ${usage}; policy ${policy ?? 'unknown'}`,
    });
  }

  if (ratio !== null && ratio >= NEAR_LIMIT) {
    signals.push({ cause: 'eviction', check: 'memory', weight: 0.3, summary: `memory at the limit: ${usage}` });
  } else if (ratio !== null && ratio < 0.5 && evictedKeys === 0) {
    signals.push({ cause: 'eviction', check: 'memory', weight: -0.2, summary: `memory well below the limit: ${usage}` });
  }
  if (memory.evictionExceededMs !== null && memory.evictionExceededMs > 0) {
    signals.push({
      cause: 'eviction',
      check: 'memory',
      weight: 0.2,
      summary: `Redis spent ${formatDuration(memory.evictionExceededMs)} over maxmemory (total_eviction_exceeded_time)`,
    });
  }

  // A volatile-* policy only ever evicts keys that carry a TTL.
  const sample = dataOf(evidence, 'keyspace.ttl-sample');
  if (policy?.startsWith('volatile-') && sample && sample.sampled > 0) {
    const what = sample.siblingsOf ? `${sample.pattern} keys (siblings of ${sample.siblingsOf})` : `${sample.pattern} keys`;
    if (sample.withTtl === 0) {
      signals.push({
        cause: 'eviction',
        check: 'keyspace.ttl-sample',
        weight: -0.9,
        summary: `policy ${policy} evicts only keys with a TTL, and none of the ${formatCount(sample.sampled)} sampled ${what} carries one`,
      });
    } else {
      signals.push({
        cause: 'eviction',
        check: 'keyspace.ttl-sample',
        weight: 0.1,
        summary: `policy ${policy} can evict these keys: ${formatCount(sample.withTtl)} of ${formatCount(sample.sampled)} sampled ${what} carry a TTL`,
      });
    }
  } else if (policy?.startsWith('allkeys-') && evictedKeys !== null && evictedKeys > 0) {
    signals.push({
      cause: 'eviction',
      check: 'memory',
      weight: 0.2,
      summary: `policy ${policy} evicts any key, with or without a TTL`,
    });
  }

  const rates = dataOf(evidence, 'rates');
  // The evictions the rate stands for, keyloss's own left out: one alone is no rate (a counter moves in whole events),
  // and one is what a buffer of keyloss's own connection can cost a full cache: said, never weighed.
  const evictedInInterval = rates?.evictedPerSec ? Math.round((rates.evictedPerSec * rates.intervalMs) / 1000) : 0;
  if (rates && evictedInInterval === 1) {
    signals.push({
      cause: 'eviction',
      check: 'rates',
      weight: 0,
      summary: `1 key evicted while the rates were measured (${rateWindow(rates, evidence.now)}): a single eviction is within what keyloss's own connection can cause on a full cache, so no rate is told from it${ownEvictions(rates)}`,
    });
  } else if (rates && rates.evictedPerSec !== null && rates.evictedPerSec > 0) {
    signals.push({
      cause: 'eviction',
      check: 'rates',
      weight: 0.3,
      summary: `${formatCount(rates.evictedPerSec)} keys/s being evicted now (${rateWindow(rates, evidence.now)})${ownEvictions(rates)}`,
    });
  }
  // Below ~100 MB the ratio mostly measures the allocator's fixed overhead, not fragmentation.
  if (memory.fragmentationRatio !== null && memory.fragmentationRatio >= 1.5 && ratio !== null && ratio >= 0.75 && (usedMemory ?? 0) >= 100 * 1024 * 1024) {
    signals.push({
      cause: 'eviction',
      check: 'memory',
      weight: 0.1,
      summary: `mem_fragmentation_ratio ${memory.fragmentationRatio.toFixed(2)}: fragmentation wastes memory near the limit`,
    });
  }
  return signals;
}

/** What of the interval's evictions was left out as keyloss's own doing, said where there was any. */
function ownEvictions(rates: RatesData): string {
  const own = rates.own;
  if (!own || own.keysAtMost === 0) return '';
  const left = Math.min(own.keysAtMost, own.evictedInInterval);
  return `; ${formatCount(left)} of the ${formatCount(own.evictedInInterval)} evicted meanwhile left out, as many as keyloss's own first commands of a kind could cause (${formatBytes(own.bytes)} of latency histograms the server allocated for them)`;
}

export function evictionFacts(evidence: Evidence): Fact[] {
  const facts: Fact[] = [];
  const policy = policyOf(evidence);
  if (policy?.startsWith('volatile-')) facts.push('policy-volatile');
  if (policy?.startsWith('allkeys-')) facts.push('policy-allkeys');
  if (policy === 'noeviction') facts.push('policy-noeviction');
  const memory = dataOf(evidence, 'memory');
  if (memory && memory.maxmemory !== null && memory.usedMemory !== null && memory.maxmemory > 0 && memory.usedMemory / memory.maxmemory >= NEAR_LIMIT) facts.push('memory-near-limit');
  return facts;
}
