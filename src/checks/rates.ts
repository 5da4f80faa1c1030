// Expirations, evictions and deletions per second right now: two INFO samples, the second once the other checks are
// done and no sooner than the configured floor, so measuring costs the verdict no time of its own.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Gateway } from '../redis/gateway.ts';
import { parseInfo } from '../redis/info.ts';
import { DELETING_COMMANDS, FLUSHING_COMMANDS } from '../domain/keys.ts';
import { countedNodes } from './needs.ts';
import type { RatesData } from '../domain/evidence.ts';
import type { Check } from './types.ts';

/** null: the sample's INFO did not carry the counter (or carried it garbled). */
interface Counters {
  expired: number | null;
  /** expired_subkeys: hash fields expired (Redis 7.4+); null where the server does not count them. */
  expiredSubkeys: number | null;
  evicted: number | null;
  deleted: number | null;
  flushes: number | null;
  uptime: number | null;
  /** Kinds of command with a latency histogram (INFO latencystats, Redis 7+ with latency-tracking on). */
  histograms: number | null;
  /** used_memory_dataset over the keys of every db: what one key weighs here. */
  bytesPerKey: number | null;
}

/**
 * What one latency histogram weighs: Redis tracks each kind of command in an hdr_histogram from 1 µs to 1,000 s at
 * two significant figures (3,072 64-bit counts and a header), allocated the first time that kind runs and kept until
 * CONFIG RESETSTAT or a restart. Measured as the rise of used_memory after a first TIME, DBSIZE or ROLE on Redis 7.0.15,
 * 7.4.1, 8.0.2 and Valkey 8.0.1: 24,688 bytes each.
 */
export const LATENCY_HISTOGRAM_BYTES = 24_688;

/**
 * One INFO all: every counter read at the same instant (the checks beside it send their own commands meanwhile, so
 * counters read one section at a time would each see a different moment), latencystats included.
 */
async function sample(gateway: Gateway): Promise<Counters> {
  const text = await gateway.info('all');
  const info = parseInfo(text);
  const keys = info.keyspace.reduce((sum, line) => sum + line.keys, 0);
  const dataset = info.memory.used_memory_dataset;
  // No commandstats at all (the INFO just sent would be in it) means the server left the section out.
  const hasCommandstats = Object.keys(info.commandstats).length > 0;
  const calls = (names: readonly string[]) => (hasCommandstats ? names.reduce((sum, name) => sum + (info.commandstats[name]?.calls ?? 0), 0) : null);
  return {
    expired: info.stats.expired_keys ?? null,
    expiredSubkeys: info.stats.expired_subkeys ?? null,
    evicted: info.stats.evicted_keys ?? null,
    deleted: calls(DELETING_COMMANDS),
    flushes: calls(FLUSHING_COMMANDS),
    uptime: info.server.uptime_in_seconds ?? null,
    histograms: /^# Latencystats/m.test(text) ? (text.match(/^latency_percentiles_usec_/gm) ?? []).length : null,
    bytesPerKey: typeof dataset === 'number' && keys > 0 ? dataset / keys : null,
  };
}

/** The second sample waits for the other checks at most this long: the rates check has to answer within its budget. */
const LONGEST_SPAN_MS = 10_000;

export const ratesCheck: Check<'rates'> = {
  id: 'rates',
  title: 'Expiration, eviction and deletion rates now',
  budgetMs: 15_000,
  needs: [],
  spansRun: true,
  async run(ctx) {
    const gateways = await Promise.all(countedNodes((await ctx.redis.nodes()).nodes).map((node) => ctx.redis.gateway(node.address)));
    const startedAt = new Date();
    const first = await Promise.all(gateways.map(sample));
    const started = performance.now();
    const floor = sleep(ctx.options.rateIntervalMs, undefined, { signal: ctx.signal });
    const span = ctx.othersSettled
      ? Promise.race([ctx.othersSettled, sleep(LONGEST_SPAN_MS, undefined, { signal: ctx.signal })])
      : Promise.resolve();
    await Promise.all([floor, span]);
    const second = await Promise.all(gateways.map(sample));
    const intervalMs = Math.max(1, Math.round(performance.now() - started));
    second.forEach((after, i) => {
      const before = first[i] as Counters;
      if (after.uptime !== null && before.uptime !== null && after.uptime < before.uptime) {
        throw new Error(`${gateways[i]?.address} restarted between the two samples; its counters started again`);
      }
    });
    // Known only when every node carried the counter in both samples.
    const delta = (pick: (c: Counters) => number | null) =>
      second.reduce<number | null>((sum, after, i) => {
        const [now, then] = [pick(after), pick(first[i] as Counters)];
        return sum === null || now === null || then === null ? null : sum + now - then;
      }, 0);
    const perSecond = (count: number | null) => (count === null ? null : Math.round((count / intervalMs) * 1000 * 100) / 100);
    const evicted = delta((c) => c.evicted);
    const own = ownFootprint(first, second, evicted);
    return {
      intervalMs,
      startedAt: startedAt.toISOString(),
      // Counters are whole numbers: one event in the interval is the smallest rate it can show.
      resolutionPerSec: Math.round((1000 / intervalMs) * 100) / 100,
      expiredPerSec: perSecond(delta((c) => c.expired)),
      expiredSubkeysPerSec: perSecond(delta((c) => c.expiredSubkeys)),
      evictedPerSec: perSecond(evicted === null ? null : evicted - Math.min(evicted, own?.keysAtMost ?? 0)),
      own,
      deletedPerSec: perSecond(delta((c) => c.deleted)),
      flushesInInterval: delta((c) => c.flushes),
    };
  },
};

/**
 * The memory keyloss's first use of each kind of command made the server allocate between the samples (new latency
 * histograms: other clients rarely run a kind of command for the first time in the same second), in keys at the
 * cache's bytes per key; null when a node's INFO does not say, or nothing was evicted.
 */
function ownFootprint(first: Counters[], second: Counters[], evicted: number | null): RatesData['own'] {
  if (evicted === null || evicted === 0) return null;
  let bytes = 0;
  let keysAtMost = 0;
  for (const [i, after] of second.entries()) {
    const before = first[i] as Counters;
    if (after.histograms === null || before.histograms === null || after.bytesPerKey === null) return null;
    const added = Math.max(0, after.histograms - before.histograms) * LATENCY_HISTOGRAM_BYTES;
    bytes += added;
    keysAtMost += Math.ceil(added / after.bytesPerKey);
  }
  return { bytes, keysAtMost, evictedInInterval: evicted };
}
