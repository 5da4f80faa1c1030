import { describe, expect, it } from 'vitest';
import type { RemovalCalls, ShardPresence } from '../../src/domain/evidence.ts';
import { explainDiagnosis } from '../../src/report/build.ts';
import { keySlot } from '../../src/redis/slot.ts';
import { makeEvidence, NOW, restartNode } from './evidence-fixture.ts';
import { runbook } from './runbook-fixture.ts';

const MB = 1024 * 1024;
const A = '10.0.0.1:6379';
const B = '10.0.0.2:6379';
const C = '10.0.0.3:6379';
const RANGES: Record<string, [number, number]> = { [A]: [0, 5460], [B]: [5461, 10922], [C]: [10923, 16383] };
const none: RemovalCalls = { del: 0, unlink: 0, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 };

function ownerOf(key: string): string {
  const slot = keySlot(key);
  return Object.entries(RANGES).find(([, [from, to]]) => slot >= from && slot <= to)![0];
}

/** A 3-primary cluster's evidence for `key` with per-shard key counts, removal counters and memory. */
function clusterEvidence(
  key: string,
  shards: Record<string, { keys: number; calls?: Partial<RemovalCalls>; used?: number; max?: number; evicted?: number }>,
  extra: Parameters<typeof makeEvidence>[1] = {},
) {
  const slot = keySlot(key);
  const entries = Object.entries(shards);
  const presence: ShardPresence[] = entries.map(([address, shard]) => {
    const owns = slot >= RANGES[address]![0] && slot <= RANGES[address]![1];
    return { address, slots: [RANGES[address]!], ownsKeys: owns, keySlot: owns ? slot : null, keyspace: [{ db: 0, keys: shard.keys, expires: 0, avgTtlMs: 0 }], matches: owns ? 0 : null, complete: true };
  });
  const nodes = entries.map(([address, shard]) => ({ address, calls: { ...none, ...shard.calls } }));
  const total = (pick: (c: RemovalCalls) => number) => nodes.reduce((sum, node) => sum + pick(node.calls), 0);
  const calls = Object.fromEntries(Object.keys(none).map((name) => [name, total((c) => c[name as keyof RemovalCalls])])) as RemovalCalls;
  const memNodes = entries.map(([address, shard]) => ({ address, usedMemory: shard.used ?? 100 * MB, maxmemory: shard.max ?? 1024 * MB, evictedKeys: shard.evicted ?? 0, expiredKeys: 0 }));
  return makeEvidence(key, {
    info: { clusterEnabled: true, nodes: [], unreachable: [] },
    'keyspace.presence': { keyspace: [{ db: 0, keys: entries.reduce((sum, [, s]) => sum + s.keys, 0), expires: 0, avgTtlMs: 0 }], shards: presence },
    'commands.deletion': { calls, nodes },
    memory: {
      usedMemory: memNodes.reduce((sum, n) => sum + n.usedMemory, 0),
      maxmemory: memNodes.reduce((sum, n) => sum + n.maxmemory, 0),
      policy: 'allkeys-lru',
      evictedKeys: memNodes.reduce((sum, n) => sum + n.evictedKeys, 0),
      nodes: memNodes,
    },
    'persistence.restart': {
      nodes: entries.map(([address]) => restartNode(address, new Date(NOW.getTime() - 86_400_000), false)),
    },
    ...extra,
  });
}

const KEY = 'session:17';
const OWNER = ownerOf(KEY);
const [P1, P2] = [A, B, C].filter((a) => a !== OWNER) as [string, string];
const cause = (d: ReturnType<typeof explainDiagnosis>, id: string) => d.causes.find((c) => c.id === id)!;
const lines = (d: ReturnType<typeof explainDiagnosis>, id: string) => cause(d, id).evidence.map((e) => e.summary).join('\n');

describe('per-shard reasoning', () => {
  it('a FLUSHALL on the shard that owns the key, emptied next to full shards: flush likely, shard and node named', () => {
    const d = explainDiagnosis(clusterEvidence(KEY, { [OWNER]: { keys: 0, calls: { flushall: 1 } }, [P1]: { keys: 1_000 }, [P2]: { keys: 994 } }), runbook);
    expect(d.causes[0]?.id).toBe('flush');
    expect(d.causes[0]?.likelihood).toBe('likely');
    expect(lines(d, 'flush')).toContain(
      `FLUSHDB 0, FLUSHALL 1 calls on ${OWNER}, and shard ${OWNER} (slots ${RANGES[OWNER]!.join('-')}), which owns slot ${keySlot(KEY)} of ${KEY}, holds 0 keys in db 0 while the other 2 shards hold 1,000 and 994: that node alone was flushed`,
    );
    // The cluster's sum (1,994 keys) no longer argues against the flush.
    expect(lines(d, 'flush')).not.toContain('a flush would have emptied it');
  });

  it('an emptied shard that restarted in the window points at instance failure on that shard', () => {
    const evidence = clusterEvidence(KEY, { [OWNER]: { keys: 3 }, [P1]: { keys: 5_000 }, [P2]: { keys: 5_000 } });
    const restart = evidence.results['persistence.restart'];
    if (restart?.status !== 'ok') throw new Error('fixture');
    const node = restart.data.nodes.find((n) => n.address === OWNER)!;
    Object.assign(node, { uptimeSeconds: 60, startedAt: new Date(NOW.getTime() - 60_000).toISOString(), restartedInWindow: true });
    const d = explainDiagnosis(evidence, runbook);
    expect(d.causes[0]?.id).toBe('instance-failure');
    expect(lines(d, 'instance-failure')).toContain(`${OWNER} restarted after the keys were last seen, and shard ${OWNER}`);
  });

  it('the owning shard still full while a flush was counted on another shard: flush is not blamed', () => {
    const d = explainDiagnosis(clusterEvidence(KEY, { [OWNER]: { keys: 5_000 }, [P1]: { keys: 0, calls: { flushall: 1 } }, [P2]: { keys: 5_000 } }), runbook);
    expect(cause(d, 'flush').likelihood).not.toBe('likely');
    expect(lines(d, 'flush')).toContain(`no FLUSHDB or FLUSHALL was counted on ${OWNER}, which owns slot ${keySlot(KEY)} of ${KEY}: the flushes counted were sent to other shards`);
    expect(lines(d, 'flush')).toContain(`shard ${OWNER} (slots ${RANGES[OWNER]!.join('-')}), which owns slot ${keySlot(KEY)} of ${KEY}, still holds 5,000 keys in db 0; a flush of it would have emptied it`);
  });

  it('one hot shard near maxmemory with evictions there: eviction on that shard', () => {
    const d = explainDiagnosis(
      clusterEvidence(KEY, { [OWNER]: { keys: 5_000, used: 1000 * MB, max: 1024 * MB, evicted: 4_000 }, [P1]: { keys: 5_000, used: 300 * MB }, [P2]: { keys: 5_000, used: 280 * MB } }),
      runbook,
    );
    expect(cause(d, 'eviction').likelihood).toBe('likely');
    expect(lines(d, 'eviction')).toMatch(new RegExp(`shard ${OWNER} .*uses 1000\\.0 MB of 1\\.0 GB \\(98 %\\) while the others use 29 %, 27 %: a hot shard evicts \\(evicted_keys 4,000 there\\)`));
  });

  it('evictions and DELs counted only on other shards do not reach the key', () => {
    const d = explainDiagnosis(
      clusterEvidence(KEY, { [OWNER]: { keys: 5_000 }, [P1]: { keys: 5_000, evicted: 800, calls: { del: 40 } }, [P2]: { keys: 5_000 } }),
      runbook,
    );
    expect(lines(d, 'eviction')).toContain(`evicted_keys 0 on ${OWNER}, which owns slot ${keySlot(KEY)} of ${KEY}: the evictions counted were on other shards`);
    expect(lines(d, 'deletion')).toContain(`no DEL, UNLINK, HDEL or GETDEL was counted on ${OWNER}`);
    expect(cause(d, 'eviction').likelihood).not.toBe('likely');
    expect(cause(d, 'deletion').likelihood).not.toBe('likely');
  });

  it('a standalone server has no shard view: no shard lines', () => {
    const d = explainDiagnosis(makeEvidence(KEY), runbook);
    expect(d.causes.flatMap((c) => c.evidence.map((e) => e.summary)).join('\n')).not.toMatch(/shard/);
  });
});
