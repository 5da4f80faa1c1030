// One shard of a cluster: each cause judged on the shard that owns the keys, and that shard compared with the others.
import type { Evidence } from '../../domain/checks.ts';
import type { Signal } from '../signal.ts';
import { endpointOf, restartsInWindow } from '../evidence.ts';
import { PROXY_EVIDENCE_ELSEWHERE } from '../../domain/endpoint.ts';
import { formatBytes, formatCount, formatPercent, plural } from '../../domain/format.ts';
import { countsOf, ownership, shardView, type Shard } from '../shards.ts';

/** A shard at or below this many keys, or this share of its peers' median, has been emptied. */
const EMPTY_KEYS = 10;
const EMPTY_SHARE = 0.01;
/** Peers must hold at least this many keys for "one empty shard among full ones" to mean anything. */
const FULL_KEYS = 100;
const NEAR_LIMIT = 0.9;
const COOL = 0.75;

export function shardSignals(evidence: Evidence): Signal[] {
  const view = shardView(evidence);
  if (!view) return [];
  const signals: Signal[] = [];
  const restarted = new Set(restartsInWindow(evidence).map((node) => node.address));
  const proxy = endpointOf(evidence)?.proxy === true;
  const db = evidence.query.db;

  const peersOf = (shard: Shard) => view.all.filter((other) => other !== shard && other.keys !== null);
  const isEmptied = (shard: Shard): boolean => {
    const median = medianOf(peersOf(shard).map((peer) => peer.keys ?? 0));
    return shard.keys !== null && median >= FULL_KEYS && shard.keys <= Math.max(EMPTY_KEYS, median * EMPTY_SHARE);
  };
  const anyEmptied = view.owners.some(isEmptied);

  for (const shard of view.owners) {
    const peers = peersOf(shard);
    const owns = ownership(shard, evidence);
    const emptied = isEmptied(shard);
    const flushes = shard.calls ? shard.calls.flushdb + shard.calls.flushall : null;
    const removals = shard.calls ? shard.calls.del + shard.calls.unlink + shard.calls.hdel + shard.calls.getdel : null;
    const comparison = `${shard.label}, which ${owns}, holds ${plural(shard.keys ?? 0, 'key')} in db ${db} while the other ${plural(peers.length, 'shard')} hold ${countsOf(peers)}`;

    if (emptied) {
      if (flushes !== null && flushes > 0) {
        signals.push({
          cause: 'flush',
          check: 'commands.deletion',
          weight: 0.6,
          summary: `FLUSHDB ${formatCount(shard.calls?.flushdb ?? 0)}, FLUSHALL ${formatCount(shard.calls?.flushall ?? 0)} calls on ${shard.address}, and ${comparison}: that node alone was flushed (a client that is not cluster-aware, or a script sent to one node)`,
        });
      } else if (restarted.has(shard.address)) {
        signals.push({
          cause: 'instance-failure',
          check: 'persistence.restart',
          weight: 0.5,
          summary: `${shard.address} restarted after the keys were last seen, and ${comparison}: that shard came back empty`,
        });
      } else if (proxy) {
        // Behind a Redis Enterprise endpoint a shard restarts unseen and its counters with it: flush and restart look alike.
        const why = `${comparison}: one shard emptied next to full ones, as a flush of that shard or a restart of it without persistence leaves it; which one cannot be read behind a Redis Enterprise endpoint: ${PROXY_EVIDENCE_ELSEWHERE} would show it`;
        signals.push({ cause: 'instance-failure', check: 'keyspace.presence', weight: 0.3, summary: why });
        signals.push({ cause: 'flush', check: 'keyspace.presence', weight: 0.3, summary: why });
      } else {
        signals.push({ cause: 'flush', check: 'keyspace.presence', weight: 0.35, summary: `${comparison}: one shard emptied next to full ones, as a flush of that node does` });
        signals.push({ cause: 'instance-failure', check: 'keyspace.presence', weight: 0.15, summary: `${comparison}: a restart of that shard empties it too` });
      }
    } else if (shard.keys !== null && shard.keys > 1000 && evidence.query.scope !== 'complete') {
      signals.push({
        cause: 'flush',
        check: 'keyspace.presence',
        // Beside an emptied shard, a full one only says the flush did not reach it.
        weight: anyEmptied ? 0 : -0.3,
        summary: `${shard.label}, which ${owns}, still holds ${plural(shard.keys, 'key')} in db ${db}; ${anyEmptied ? 'it was not flushed' : 'a flush of it would have emptied it'}`,
      });
    }
    if (flushes === 0 && shard.keySlot !== null && view.all.some((other) => other !== shard && (other.calls?.flushdb ?? 0) + (other.calls?.flushall ?? 0) > 0)) {
      signals.push({
        cause: 'flush',
        check: 'commands.deletion',
        // A shard behind a proxy may have restarted unseen, its counters with it.
        weight: proxy ? -0.15 : -0.6,
        summary: `no FLUSHDB or FLUSHALL was counted on ${shard.address}, which ${owns}: the flushes counted were sent to other shards${proxy ? " (or its counters restarted with it, unseen behind the proxy)" : ''}`,
      });
    }
    if (removals === 0 && shard.keySlot !== null && view.all.some((other) => other !== shard && removalsOf(other) > 0)) {
      signals.push({
        cause: 'deletion',
        check: 'commands.deletion',
        weight: proxy ? -0.15 : -0.6,
        summary: `no DEL, UNLINK, HDEL or GETDEL was counted on ${shard.address}, which ${owns}: the removals counted were on other shards${proxy ? " (or its counters restarted with it, unseen behind the proxy)" : ''}`,
      });
    }
    signals.push(...hotShard(shard, view.all, owns));
  }
  return signals;
}

/** One shard near maxmemory while the others are not: eviction happens there, and only there. */
function hotShard(shard: Shard, all: Shard[], owns: string): Signal[] {
  if (!shard.maxmemory || shard.usedMemory === null) return [];
  const ratio = shard.usedMemory / shard.maxmemory;
  const peers = all.filter((other) => other !== shard && other.maxmemory && other.usedMemory !== null);
  const peerRatios = peers.map((peer) => (peer.usedMemory ?? 0) / (peer.maxmemory ?? 1));
  const signals: Signal[] = [];
  if (ratio >= NEAR_LIMIT && peerRatios.length > 0 && Math.max(...peerRatios) < COOL) {
    signals.push({
      cause: 'eviction',
      check: 'memory',
      weight: shard.evictedKeys ? 0.4 : 0.25,
      summary: `${shard.label}, which ${owns}, uses ${formatBytes(shard.usedMemory)} of ${formatBytes(shard.maxmemory)} (${formatPercent(ratio)}) while the others use ${peerRatios.map(formatPercent).join(', ')}: a hot shard evicts${shard.evictedKeys ? ` (evicted_keys ${formatCount(shard.evictedKeys)} there)` : ''}`,
    });
  }
  if (shard.keySlot !== null && shard.evictedKeys === 0 && peers.some((peer) => (peer.evictedKeys ?? 0) > 0)) {
    signals.push({
      cause: 'eviction',
      check: 'memory',
      weight: -0.6,
      summary: `evicted_keys 0 on ${shard.address}, which ${owns}: the evictions counted were on other shards`,
    });
  }
  return signals;
}

function removalsOf(shard: Shard): number {
  return shard.calls ? shard.calls.del + shard.calls.unlink + shard.calls.hdel + shard.calls.getdel : 0;
}

function medianOf(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
