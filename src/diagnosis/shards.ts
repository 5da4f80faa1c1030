// The shards of a cluster as the diagnosis judges them: the ones that own the keys asked about, next to the others.
import type { Evidence } from '../domain/checks.ts';
import type { RemovalCalls } from '../domain/evidence.ts';
import { dataOf } from './evidence.ts';
import { formatCount } from '../domain/format.ts';

export interface Shard {
  /** The primary serving the shard. */
  address: string;
  /** "shard 127.0.0.1:7002 (slots 10923-16383)". */
  label: string;
  ownsKeys: boolean;
  keySlot: number | null;
  /** Keys in the application's db on this shard; null when its keyspace could not be read. */
  keys: number | null;
  calls: RemovalCalls | null;
  usedMemory: number | null;
  maxmemory: number | null;
  evictedKeys: number | null;
}

export interface ShardView {
  /** Shards the keys hash to: the exact key's slot, a pattern's fixed {tag}, or every shard for a plain pattern. */
  owners: Shard[];
  /** Every shard, owners included, in the cluster's order. */
  all: Shard[];
}

/** The per-shard view of a cluster with more than one primary; null for a standalone server or when presence failed. */
export function shardView(evidence: Evidence): ShardView | null {
  const presence = dataOf(evidence, 'keyspace.presence');
  const shards = presence?.shards ?? [];
  if (!dataOf(evidence, 'info')?.clusterEnabled || shards.length < 2) return null;
  const deletion = dataOf(evidence, 'commands.deletion');
  const memory = dataOf(evidence, 'memory');
  const all = shards.map((shard): Shard => {
    const mem = memory?.nodes.find((node) => node.address === shard.address);
    return {
      address: shard.address,
      label: `shard ${shard.address}${shard.slots.length > 0 ? ` (slots ${slotText(shard.slots)})` : ''}`,
      ownsKeys: shard.ownsKeys,
      keySlot: shard.keySlot,
      keys: shard.keyspace === null ? null : (shard.keyspace.find((line) => line.db === evidence.query.db)?.keys ?? 0),
      calls: deletion?.nodes?.find((node) => node.address === shard.address)?.calls ?? null,
      usedMemory: mem?.usedMemory ?? null,
      maxmemory: mem?.maxmemory ?? null,
      evictedKeys: mem?.evictedKeys ?? null,
    };
  });
  return { owners: all.filter((shard) => shard.ownsKeys), all };
}

/** "owns slot 1234 of session:17" for an exact key or tagged pattern; "holds some of session:*" otherwise. */
export function ownership(shard: Shard, evidence: Evidence): string {
  return shard.keySlot !== null ? `owns slot ${shard.keySlot} of ${evidence.query.key}` : `holds part of ${evidence.query.key}`;
}

/** "0-5460" or "0-99, 200-300". */
function slotText(slots: Array<[number, number]>): string {
  return slots.map(([from, to]) => (from === to ? String(from) : `${from}-${to}`)).join(', ');
}

/** The key counts of other shards, as "1,000 and 994". */
export function countsOf(shards: Shard[]): string {
  const counts = shards.map((shard) => (shard.keys === null ? 'unknown' : formatCount(shard.keys)));
  return counts.length <= 1 ? counts.join('') : `${counts.slice(0, -1).join(', ')} and ${counts[counts.length - 1]}`;
}
