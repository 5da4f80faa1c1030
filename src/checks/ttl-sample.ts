// Do the keys (or the siblings of a missing key) carry TTLs, and how long: PTTL of a bounded sample.
import { boundedScan } from '../redis/scan.ts';
import { siblingPattern } from '../domain/keys.ts';
import { neededData } from './needs.ts';
import { scanPacing } from './scan-pacing.ts';
import { CheckSkipped, type Check, type CheckContext } from './types.ts';

export const ttlSampleCheck: Check<'keyspace.ttl-sample'> = {
  id: 'keyspace.ttl-sample',
  title: 'TTLs of matching keys',
  budgetMs: 10_000,
  needs: ['keyspace.presence'],
  async run(ctx) {
    const presence = neededData(ctx, 'keyspace.presence');
    // Presence fails when the application's db could not be selected, so here it was searched.
    const db = presence.db;

    let pattern = presence.pattern;
    let siblingsOf: string | null = null;
    let keys = presence.sampleKeys;
    if (!presence.isPattern && !presence.present) {
      const siblings = siblingPattern(presence.pattern);
      if (siblings === null) {
        throw new CheckSkipped(`"${presence.pattern}" has no ":", ".", "-" or "_" to find sibling keys by`);
      }
      pattern = siblings;
      siblingsOf = presence.pattern;
      keys = await sampleKeys(ctx, siblings, db);
    }

    const ttls = await Promise.all(
      keys.map(async (key) => Number(await (await ctx.redis.gateway(await ctx.redis.addressForKey(key), db)).call('PTTL', key))),
    );
    // -2: the key went away between the scan and now; it is not part of the sample.
    const live = ttls.filter((ttl) => ttl !== -2);
    const withTtl = live.filter((ttl) => ttl >= 0).sort((a, b) => a - b);
    return {
      pattern,
      siblingsOf,
      db,
      sampled: live.length,
      withTtl: withTtl.length,
      withoutTtl: live.length - withTtl.length,
      medianTtlMs: median(withTtl),
      minTtlMs: withTtl[0] ?? null,
      maxTtlMs: withTtl.at(-1) ?? null,
      keys: keys.filter((_, i) => ttls[i] !== -2),
    };
  },
};

async function sampleKeys(ctx: CheckContext, pattern: string, db: number): Promise<string[]> {
  const topology = await ctx.redis.nodes();
  const nodes = topology.clusterEnabled ? topology.nodes.filter((node) => node.role === 'primary') : topology.nodes;
  const limit = ctx.options.ttlSampleSize;
  const samples = await Promise.all(
    nodes.map(async (node) => {
      const scan = await boundedScan(await ctx.redis.gateway(node.address, db), pattern, {
        pacing: await scanPacing(ctx, node.address),
        keyBudget: ctx.options.scanKeyBudget,
        msBudget: ctx.options.scanMsBudget,
        signal: ctx.signal,
        sampleLimit: limit,
        // The sample is all that is wanted: no need to walk the rest of the db once it is full.
        stopAfterMatches: limit,
      });
      return scan.sample;
    }),
  );
  return samples.flat().slice(0, limit);
}

/** Median of sorted values; null when empty. */
export function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : Math.round(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
}
