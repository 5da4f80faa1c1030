import { describe, expect, it } from 'vitest';
import type { PrimaryRead, ReplicationNode } from '../../src/domain/evidence.ts';
import { explainDiagnosis } from '../../src/report/build.ts';
import { replicationSignals } from '../../src/diagnosis/signals/replication.ts';
import { makeEvidence } from './evidence-fixture.ts';
import { runbook } from './runbook-fixture.ts';

// The fixture's keys were last seen an hour before now.
const HOUR_S = 3_600;

function replica(patch: Partial<ReplicationNode> = {}): ReplicationNode {
  return {
    address: '10.0.0.5:6379', role: 'replica', promoted: false, promotedAtOffset: null, masterReplOffset: 5_000, connectedReplicas: 0, replicas: [],
    masterLinkStatus: 'up', masterLinkDownSinceSeconds: null, masterAddress: '10.0.0.4:6379', masterLastIoSecondsAgo: 1, replicaOffset: 5_000, primaryRead: null,
    ...patch,
  };
}

const read = (patch: Partial<PrimaryRead> = {}): PrimaryRead => ({ address: '10.0.0.4:6379', reachable: true, reason: null, offset: 9_096, count: 1, complete: true, ...patch });

function signalsFor(node: ReplicationNode, key = 'session:17', presence: Record<string, unknown> = {}) {
  return replicationSignals(makeEvidence(key, { replication: { nodes: [node] }, 'keyspace.presence': presence }));
}

describe('a replica the engineer pointed at', () => {
  it('a link down since before the keys were last seen: it cannot hold them, replication weighs heavily', () => {
    const [signal] = signalsFor(replica({ masterLinkStatus: 'down', masterLinkDownSinceSeconds: 2 * HOUR_S }));
    expect(signal).toMatchObject({ cause: 'replication', weight: 0.7 });
    expect(signal?.summary).toBe(
      'replica 10.0.0.5:6379 has had no link to 10.0.0.4:6379 for 2 h (master_link_down_since_seconds), since before the keys were last seen at 05:00:00 UTC: it cannot hold anything written since',
    );
  });

  it('a link down for part of the window weighs by how much of it the outage covers', () => {
    const quarter = signalsFor(replica({ masterLinkStatus: 'down', masterLinkDownSinceSeconds: HOUR_S / 4 }))[0];
    const half = signalsFor(replica({ masterLinkStatus: 'down', masterLinkDownSinceSeconds: HOUR_S / 2 }))[0];
    expect(quarter?.weight).toBe(0.3);
    expect(half?.weight).toBe(0.4);
    expect(half?.summary).toContain('for 30 min (master_link_down_since_seconds) of the 1 h since the keys were last seen');
  });

  it('a link that is up but silent longer than the ping period counts as an outage (master_last_io_seconds_ago)', () => {
    const [signal] = signalsFor(replica({ masterLastIoSecondsAgo: 2 * HOUR_S }));
    expect(signal?.weight).toBe(0.7);
    expect(signal?.summary).toContain('has heard nothing from 10.0.0.4:6379 for 2 h (master_last_io_seconds_ago)');
    expect(signalsFor(replica({ masterLastIoSecondsAgo: 3 }))).toEqual([]);
  });

  it('present on the primary and missing on the replica is proof, with how far behind the replica is', () => {
    const d = explainDiagnosis(makeEvidence('session:17', { replication: { nodes: [replica({ primaryRead: read() })] } }), runbook);
    expect(d.causes[0]?.id).toBe('replication');
    expect(d.causes[0]?.likelihood).toBe('likely');
    // Said once: elimination quotes it in full, adding that nothing else is left.
    const lead = 'session:17 exists on the primary 10.0.0.4:6379 (db 0) but not on replica 10.0.0.5:6379, read with the same credentials; the replica is 4.0 KB of replication stream behind (offset 5,000 of 9,096): the application reads a replica that is behind';
    const summaries = d.causes[0]?.evidence.map((e) => e.summary) ?? [];
    expect(summaries[0]?.startsWith(lead)).toBe(true);
    expect(summaries.filter((summary) => summary.includes(lead))).toHaveLength(1);
    expect(d.facts).toContain('replica-behind');
  });

  it('a pattern: more matches on the primary than on the replica', () => {
    const signals = signalsFor(replica({ primaryRead: read({ count: 500, complete: false }) }), 'session:*', { matches: [{ db: 0, count: 120, sampled: false }] });
    expect(signals.at(-1)?.summary).toMatch(/^500\+ keys match session:\* on the primary 10\.0\.0\.4:6379 but 120 on replica 10\.0\.0\.5:6379/);
    expect(signals.at(-1)?.weight).toBe(0.95);
  });

  it('missing on the primary too: the replica is not why it is missing', () => {
    const signals = signalsFor(replica({ primaryRead: read({ count: 0, offset: 5_000 }) }));
    expect(signals).toEqual([expect.objectContaining({ weight: -0.5, summary: 'session:17 is missing on the primary 10.0.0.4:6379 too: the replica\'s lag is not why it is missing' })]);
  });

  it('a primary that cannot be read is said, with the reason, and weighs nothing', () => {
    const signals = signalsFor(replica({ primaryRead: read({ reachable: false, reason: "not followed: not the cache's host", count: null, offset: null }) }));
    expect(signals).toEqual([expect.objectContaining({ weight: 0, summary: "the primary 10.0.0.4:6379 could not be read to compare (not followed: not the cache's host)" })]);
  });
});
