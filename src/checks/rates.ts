// Expirations, evictions and deletions per second right now: two INFO samples, the second once the other checks are
// done and no sooner than the configured floor, so measuring costs the verdict no time of its own.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Gateway } from '../redis/gateway.ts';
import { parseInfo } from '../redis/info.ts';
import { DELETING_COMMANDS, FLUSHING_COMMANDS } from '../domain/keys.ts';
import { countedNodes } from './needs.ts';
import type { Check } from './types.ts';

/** null: the sample's INFO did not carry the counter (or carried it garbled). */
interface Counters {
  expired: number | null;
  evicted: number | null;
  deleted: number | null;
  flushes: number | null;
  uptime: number | null;
}

async function sample(gateway: Gateway): Promise<Counters> {
  const stats = parseInfo(await gateway.info('stats'));
  const info = parseInfo(`${await gateway.info('commandstats')}\n${await gateway.info('server')}`);
  // No commandstats at all (the INFO just sent would be in it) means the server left the section out.
  const hasCommandstats = Object.keys(info.commandstats).length > 0;
  const calls = (names: readonly string[]) => (hasCommandstats ? names.reduce((sum, name) => sum + (info.commandstats[name]?.calls ?? 0), 0) : null);
  return {
    expired: stats.stats.expired_keys ?? null,
    evicted: stats.stats.evicted_keys ?? null,
    deleted: calls(DELETING_COMMANDS),
    flushes: calls(FLUSHING_COMMANDS),
    uptime: info.server.uptime_in_seconds ?? null,
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
    return {
      intervalMs,
      startedAt: startedAt.toISOString(),
      // Counters are whole numbers: one event in the interval is the smallest rate it can show.
      resolutionPerSec: Math.round((1000 / intervalMs) * 100) / 100,
      expiredPerSec: perSecond(delta((c) => c.expired)),
      evictedPerSec: perSecond(delta((c) => c.evicted)),
      deletedPerSec: perSecond(delta((c) => c.deleted)),
      flushesInInterval: delta((c) => c.flushes),
    };
  },
};
