// Reading evidence: the data of checks that succeeded, and the facts several signal sources share.
import type { CheckData, CheckId, Evidence } from '../domain/checks.ts';
import type { KeyspaceLine, PrimaryRead, RatesData, ReplicationNode, RestartNode } from '../domain/evidence.ts';
import type { Tier } from '../domain/query.ts';
import { formatCount, formatDuration, formatInstant } from '../domain/format.ts';
import type { EndpointProfile } from '../domain/endpoint.ts';

/** The data of a check that succeeded, or null when it failed, was skipped or did not run. */
export function dataOf<K extends CheckId>(evidence: Evidence, id: K): CheckData[K] | null {
  const result = evidence.results[id];
  return result && result.status === 'ok' ? (result.data as CheckData[K]) : null;
}

export function checkSucceeded(evidence: Evidence, id: CheckId): boolean {
  return evidence.results[id]?.status === 'ok';
}

/** What kind of endpoint the cache is (src/redis/endpoint.ts), or null when INFO was not read. */
export function endpointOf(evidence: Evidence): EndpointProfile | null {
  return dataOf(evidence, 'info')?.endpoint ?? null;
}

/** The tier Azure reports when the resource was read, else what the engineer said. */
export function effectiveTier(evidence: Evidence): { tier: Tier | null; source: 'azure' | 'asked' | 'unknown' } {
  const resource = dataOf(evidence, 'azure.resource');
  if (resource?.tier) return { tier: resource.tier, source: 'azure' };
  if (evidence.query.tier) return { tier: evidence.query.tier, source: 'asked' };
  return { tier: null, source: 'unknown' };
}

/** The keyspace line of a db (INFO keyspace omits empty dbs, so a missing line means 0 keys). */
export function keyspaceOf(evidence: Evidence, db: number): KeyspaceLine | null {
  const presence = dataOf(evidence, 'keyspace.presence');
  if (!presence) return null;
  return presence.keyspace.find((line) => line.db === db) ?? { db, keys: 0, expires: 0, avgTtlMs: 0 };
}

type StartedNode = RestartNode & { startedAt: string; uptimeSeconds: number };

/** The interval a node's start lies in; evidence stored before `startedWithin` existed keeps a second either side. */
export function startInterval(node: StartedNode): { from: number; to: number } {
  if (node.startedWithin) return { from: Date.parse(node.startedWithin.from), to: Date.parse(node.startedWithin.to) };
  const at = Date.parse(node.startedAt);
  return { from: at - UPTIME_RESOLUTION_MS, to: at + UPTIME_RESOLUTION_MS };
}

const UPTIME_RESOLUTION_MS = 1000;

function startedNodes(evidence: Evidence): StartedNode[] {
  return dataOf(evidence, 'persistence.restart')?.nodes.filter((node): node is StartedNode => node.startedAt !== null && node.uptimeSeconds !== null) ?? [];
}

/** Nodes that surely started after `since`: their counters cannot see what happened before they started. */
export function restartsInWindow(evidence: Evidence): StartedNode[] {
  const since = evidence.query.since.getTime();
  return startedNodes(evidence).filter((node) => startInterval(node).from > since);
}

/**
 * Nodes whose start lies so close to `since` that whole-second uptime cannot say which came first: whether they
 * restarted inside the window is unknown, never "up since before".
 */
export function restartsUnordered(evidence: Evidence): StartedNode[] {
  const since = evidence.query.since.getTime();
  return startedNodes(evidence).filter((node) => {
    const { from, to } = startInterval(node);
    return from <= since && to > since;
  });
}

export interface PrimaryRestart {
  replica: ReplicationNode;
  read: PrimaryRead;
  primary: StartedNode;
  /** `after`: surely after `since`; `unordered`: whole-second uptime cannot order the two. */
  order: 'after' | 'unordered';
}

/**
 * Replicas whose primary (read with the same credentials) started after the keys were last seen, or too close to it to
 * tell: a replica follows its primary, so a primary that came back empty empties it by a full resync.
 */
export function primaryRestarts(evidence: Evidence): PrimaryRestart[] {
  const since = evidence.query.since.getTime();
  return (dataOf(evidence, 'replication')?.nodes ?? []).flatMap((replica): PrimaryRestart[] => {
    const read = replica.primaryRead;
    const node = read?.reachable ? read.restart : null;
    if (!read || !node || node.startedAt === null || node.uptimeSeconds === null) return [];
    const primary = { ...node, startedAt: node.startedAt, uptimeSeconds: node.uptimeSeconds };
    const { from, to } = startInterval(primary);
    if (from > since) return [{ replica, read, primary, order: 'after' }];
    return to > since ? [{ replica, read, primary, order: 'unordered' }] : [];
  });
}

/**
 * How far back counters (expired_keys, evicted_keys, commandstats) reach, as a phrase:
 * "since the node started 3 d ago" or, when it restarted inside the window, a warning that they prove little.
 */
export function counterReach(evidence: Evidence): { bounded: boolean; phrase: string } {
  const restart = dataOf(evidence, 'persistence.restart');
  // A proxy's counters cover the whole database from an epoch it does not give: never "since the node started".
  const endpoint = endpointOf(evidence);
  if (endpoint?.proxy || restart?.nodes.some((node) => node.proxyUptimeSeconds !== undefined)) {
    if (endpoint?.clustering === 'oss') {
      return { bounded: true, phrase: "counted by the shards' Redis Enterprise endpoints, since a start they do not give (their uptime is a proxy's, not a shard's)" };
    }
    return { bounded: true, phrase: "counted by the Redis Enterprise proxy for the whole database, since a start it does not give (its uptime is the proxy's, not a shard's)" };
  }
  if (!restart || restart.nodes.length === 0) return { bounded: false, phrase: 'since the counters started' };
  const restarted = restartsInWindow(evidence);
  if (restarted.length > 0) {
    const latest = restarted.reduce((a, b) => (Date.parse(a.startedAt) > Date.parse(b.startedAt) ? a : b));
    return {
      bounded: true,
      phrase: `since ${latest.address} restarted at ${formatInstant(new Date(latest.startedAt), evidence.now)}, after the keys were last seen, so the counters miss anything earlier`,
    };
  }
  const unordered = restartsUnordered(evidence);
  if (unordered.length > 0) {
    return {
      bounded: true,
      phrase: `since ${unordered[0]?.address} started, within a second of when the keys were last seen (which came first cannot be told from whole-second uptime), so the counters may miss anything earlier`,
    };
  }
  const uptimes = restart.nodes.map((node) => node.uptimeSeconds);
  // A node whose uptime INFO does not give may have started at any time: its counters prove little.
  if (uptimes.some((uptime) => uptime === null)) return { bounded: true, phrase: 'since the counters started (when is unknown: INFO gave no uptime_in_seconds)' };
  const youngest = Math.min(...uptimes.map((uptime) => uptime ?? 0));
  const ago = youngest < 1 ? 'less than a second' : formatDuration(youngest * 1000);
  return { bounded: false, phrase: `since the node started ${ago} ago` };
}

/** The window between when the keys were last seen and now, in ms. */
export function windowMs(evidence: Evidence): number {
  return Math.max(0, evidence.now.getTime() - evidence.query.since.getTime());
}


/**
 * The window and precision of the rates, for every line that cites them:
 * "measured over 312 ms from 05:00:01 UTC, to within 3.2/s" (a counter moves in whole events).
 */
export function rateWindow(rates: RatesData, now: Date): string {
  const from = rates.startedAt ? ` from ${formatInstant(new Date(rates.startedAt), now)}` : '';
  const resolution = rates.resolutionPerSec ?? Math.round((1000 / Math.max(1, rates.intervalMs)) * 100) / 100;
  return `measured over ${formatDuration(rates.intervalMs)}${from}, to within ${formatCount(resolution)}/s`;
}
