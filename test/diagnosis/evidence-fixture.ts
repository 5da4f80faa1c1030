// Hand-made evidence for the pure diagnosis tests: a healthy standalone node, overridden per test.
import type { CheckData, CheckId, CheckResults, Evidence } from '../../src/domain/checks.ts';
import type { RestartNode } from '../../src/domain/evidence.ts';
import type { Query } from '../../src/domain/query.ts';
import { isGlobPattern } from '../../src/domain/query.ts';

export const NOW = new Date('2026-11-26T06:00:00.000Z');
export const SINCE = new Date('2026-11-26T05:00:00.000Z');
const ADDRESS = '10.0.0.4:6379';

/** A node's restart evidence as of NOW: up since `startedAt`, no RDB or AOF, not loading. */
export function restartNode(address: string, startedAt: Date, restartedInWindow: boolean): RestartNode {
  return {
    address,
    uptimeSeconds: (NOW.getTime() - startedAt.getTime()) / 1000,
    startedAt: startedAt.toISOString(),
    restartedInWindow,
    rdbLastLoadKeysLoaded: null,
    aofEnabled: false,
    persistenceOff: true,
    rdbLastSaveAt: null,
    loading: false,
  };
}

export function healthyData(key: string, db = 0): { [K in Exclude<CheckId, 'info' | 'keyspace.field-ttl' | 'azure.resource' | 'azure.metrics' | 'azure.activity-log' | 'record'>]: CheckData[K] } {
  return {
    'keyspace.presence': {
      pattern: key,
      isPattern: isGlobPattern(key),
      db,
      present: false,
      matches: [],
      dbsChecked: Array.from({ length: 16 }, (_, i) => ({ db: i, scannedKeys: i === db ? 5_000 : 0, complete: true, ms: 2 })),
      dbsRefused: [],
      keyspace: [{ db, keys: 5_000, expires: 0, avgTtlMs: 0 }],
      sampleKeys: [],
      shards: [
        { address: ADDRESS, slots: [], ownsKeys: true, keySlot: null, keyspace: [{ db, keys: 5_000, expires: 0, avgTtlMs: 0 }], matches: 0, complete: true },
      ],
    },
    'keyspace.ttl-sample': {
      pattern: 'session:*',
      siblingsOf: isGlobPattern(key) ? null : key,
      db,
      sampled: 50,
      withTtl: 0,
      withoutTtl: 50,
      medianTtlMs: null,
      minTtlMs: null,
      maxTtlMs: null,
    },
    clients: { total: 3, byDb: [{ db, clients: 3 }], names: [], removers: [] },
    memory: {
      usedMemory: 200 * 1024 * 1024,
      maxmemory: 1024 * 1024 * 1024,
      policy: 'volatile-lru',
      fragmentationRatio: 1.1,
      evictedKeys: 0,
      expiredKeys: 0,
      evictionExceededMs: 0,
      nodes: [],
    },
    'commands.deletion': {
      calls: { del: 0, unlink: 0, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 },
      nodes: [{ address: ADDRESS, calls: { del: 0, unlink: 0, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 } }],
      slowlog: [],
      slowlogRead: true,
      slowlogError: null,
    },
    replication: {
      nodes: [
        {
          address: ADDRESS,
          role: 'primary',
          promoted: false,
          promotedAtOffset: null,
          masterReplOffset: 10_000,
          connectedReplicas: 1,
          replicas: [{ address: '10.0.0.5:6379', offset: 10_000, lagBytes: 0, lagSeconds: 0, state: 'online' }],
          masterLinkStatus: null,
          masterLinkDownSinceSeconds: null,
        },
      ],
    },
    'persistence.restart': { nodes: [restartNode(ADDRESS, new Date(NOW.getTime() - 3 * 86_400_000), false)] },
    rates: { intervalMs: 1000, expiredPerSec: 0, evictedPerSec: 0, deletedPerSec: 0, flushesInInterval: 0 },
  };
}

type Overrides = { [K in CheckId]?: Partial<CheckData[K]> | { failed: string } | { skipped: string } };

/** Evidence for `key` from a healthy node, with some checks' data patched, failed or skipped. */
export function makeEvidence(key: string, overrides: Overrides = {}, query: Partial<Query> = {}): Evidence {
  const db = query.db ?? 0;
  const base = healthyData(key, db) as Partial<CheckData>;
  const results: CheckResults = {};
  const ids = new Set<CheckId>([...(Object.keys(base) as CheckId[]), ...(Object.keys(overrides) as CheckId[])]);
  for (const id of ids) {
    const patch = overrides[id] as Record<string, unknown> | undefined;
    if (patch && 'failed' in patch) {
      (results as Record<string, unknown>)[id] = { id, status: 'failed', ms: 5, error: patch.failed };
    } else if (patch && 'skipped' in patch) {
      (results as Record<string, unknown>)[id] = { id, status: 'skipped', ms: 0, reason: patch.skipped };
    } else {
      (results as Record<string, unknown>)[id] = { id, status: 'ok', ms: 5, data: { ...(base[id] as object), ...patch } };
    }
  }
  return {
    now: NOW,
    results,
    query: { key, isPattern: isGlobPattern(key), db, since: SINCE, tier: null, scope: null, ...query },
  };
}
