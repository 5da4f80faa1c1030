// Expirations, evictions and deletions per second right now: two INFO samples a short interval apart.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Gateway } from '../redis/gateway.ts';
import { parseInfo } from '../redis/info.ts';
import { DELETING_COMMANDS, FLUSHING_COMMANDS } from '../domain/keys.ts';
import { countedNodes } from './needs.ts';
import type { Check } from './types.ts';

interface Counters {
  expired: number;
  evicted: number;
  deleted: number;
  flushes: number;
  uptime: number;
}

async function sample(gateway: Gateway): Promise<Counters> {
  const stats = parseInfo(await gateway.info('stats'));
  const info = parseInfo(`${await gateway.info('commandstats')}\n${await gateway.info('server')}`);
  const calls = (names: readonly string[]) => names.reduce((sum, name) => sum + (info.commandstats[name]?.calls ?? 0), 0);
  return {
    expired: stats.stats.expired_keys ?? 0,
    evicted: stats.stats.evicted_keys ?? 0,
    deleted: calls(DELETING_COMMANDS),
    flushes: calls(FLUSHING_COMMANDS),
    uptime: info.server.uptime_in_seconds ?? 0,
  };
}

export const ratesCheck: Check<'rates'> = {
  id: 'rates',
  title: 'Expiration, eviction and deletion rates now',
  budgetMs: 15_000,
  needs: [],
  async run(ctx) {
    const gateways = await Promise.all(countedNodes((await ctx.redis.nodes()).nodes).map((node) => ctx.redis.gateway(node.address)));
    const first = await Promise.all(gateways.map(sample));
    const started = performance.now();
    await sleep(ctx.options.rateIntervalMs, undefined, { signal: ctx.signal });
    const second = await Promise.all(gateways.map(sample));
    const intervalMs = Math.max(1, Math.round(performance.now() - started));
    const delta = (pick: (c: Counters) => number) =>
      second.reduce((sum, after, i) => {
        const before = first[i] as Counters;
        if (after.uptime < before.uptime) {
          throw new Error(`${gateways[i]?.address} restarted between the two samples; its counters started again`);
        }
        return sum + pick(after) - pick(before);
      }, 0);
    const perSecond = (count: number) => Math.round((count / intervalMs) * 1000 * 100) / 100;
    return {
      intervalMs,
      expiredPerSec: perSecond(delta((c) => c.expired)),
      evictedPerSec: perSecond(delta((c) => c.evicted)),
      deletedPerSec: perSecond(delta((c) => c.deleted)),
      flushesInInterval: delta((c) => c.flushes),
    };
  },
};
