// One INFO sample of a node as the recorder keeps it, and what changed between two samples: restarts, failovers, flushes, bursts (pure).
import { z } from 'zod';
import { JsonNumber } from '../domain/json-number.ts';
import { parseInfo } from '../redis/info.ts';
import type { RecordKind } from '../state/store.ts';

/** The counters and identity of one node at one time; every field that INFO did not give is null. */
export interface InfoSample {
  /** Epoch ms when the reply arrived. */
  at: number;
  address: string;
  runId: string | null;
  uptimeSeconds: number | null;
  role: 'primary' | 'replica' | null;
  masterReplid: string | null;
  usedMemory: number | null;
  maxmemory: number | null;
  expiredKeys: number | null;
  evictedKeys: number | null;
  /** Keys in every db (INFO keyspace). */
  keys: number;
  connectedClients: number | null;
  calls: RemovingCalls;
  /** Redis 7.4+ and Valkey 8: clients the server dropped for an output buffer over its limit (null before, e.g. on 7.2.6). */
  outputBufferDisconnections: number | null;
}

export interface RemovingCalls {
  del: number;
  unlink: number;
  getdel: number;
  hdel: number;
  flushdb: number;
  flushall: number;
}

export const NO_CALLS: RemovingCalls = { del: 0, unlink: 0, getdel: 0, hdel: 0, flushdb: 0, flushall: 0 };

export function sampleFromInfo(text: string, address: string, at: number): InfoSample {
  const info = parseInfo(text);
  const calls = (name: keyof RemovingCalls): number => info.commandstats[name]?.calls ?? 0;
  const role = info.replication.role;
  const disconnections = Number((info.stats as Record<string, unknown>).client_output_buffer_limit_disconnections ?? Number.NaN);
  return {
    at,
    address,
    runId: info.server.run_id ?? null,
    uptimeSeconds: info.server.uptime_in_seconds ?? null,
    role: role === 'master' ? 'primary' : role === 'slave' ? 'replica' : null,
    masterReplid: info.replication.master_replid ?? null,
    usedMemory: info.memory.used_memory ?? null,
    maxmemory: info.memory.maxmemory ?? null,
    expiredKeys: info.stats.expired_keys ?? null,
    evictedKeys: info.stats.evicted_keys ?? null,
    keys: info.keyspace.reduce((sum, line) => sum + line.keys, 0),
    connectedClients: info.clients.connected_clients ?? null,
    calls: { del: calls('del'), unlink: calls('unlink'), getdel: calls('getdel'), hdel: calls('hdel'), flushdb: calls('flushdb'), flushall: calls('flushall') },
    outputBufferDisconnections: Number.isFinite(disconnections) ? disconnections : null,
  };
}

/** A dated event of the record: seen by comparing samples (restart, failover, flush, burst) or by the recorder itself. */
export interface DatedEvent {
  type: 'restart' | 'failover' | 'flush' | 'burst' | 'notifications' | 'clients' | 'gap' | 'capped';
  /** Epoch ms: when it happened, or the latest time it can have happened. */
  at: number;
  /** For events known only within an interval (a flush between two samples): the earliest time. */
  from?: number;
  address: string;
  summary: string;
  /** Numbers behind the summary (keys before and after, counts). */
  data?: Record<string, number | string | null>;
}

/** A dated event as the reader takes it back from the state Redis: a few hundred characters (its summary, a few numbers). */
export const DATED_EVENT_ENTRY: RecordKind<DatedEvent> = {
  what: 'dated event',
  schema: z.object({
    type: z.enum(['restart', 'failover', 'flush', 'burst', 'notifications', 'clients', 'gap', 'capped']),
    at: JsonNumber,
    from: JsonNumber.optional(),
    address: z.string(),
    summary: z.string(),
    data: z.record(z.string(), z.union([z.number(), z.string(), z.null()])).optional(),
  }),
  maxChars: 16_384,
};

/** A counter delta that survives a restart: after a reset the new value is all that happened since. */
export function counterDelta(before: number | null, after: number | null, reset: boolean): number {
  if (after === null) return 0;
  if (before === null || reset || after < before) return after;
  return after - before;
}

export function restarted(previous: InfoSample, next: InfoSample): boolean {
  if (previous.runId !== null && next.runId !== null && previous.runId !== next.runId) return true;
  return previous.uptimeSeconds !== null && next.uptimeSeconds !== null && next.uptimeSeconds < previous.uptimeSeconds;
}

export function removingCallsDelta(previous: InfoSample, next: InfoSample): RemovingCalls {
  const reset = restarted(previous, next);
  const out = { ...NO_CALLS };
  for (const name of Object.keys(out) as Array<keyof RemovingCalls>) out[name] = counterDelta(previous.calls[name], next.calls[name], reset);
  return out;
}

/** Removals per interval from which a burst is a dated event of its own. */
export const BURST_MIN = 1_000;

/** What happened between two samples of one node. */
export function changesBetween(previous: InfoSample, next: InfoSample): DatedEvent[] {
  const out: DatedEvent[] = [];
  const address = next.address;
  const reset = restarted(previous, next);
  if (reset) {
    const startedAt = next.uptimeSeconds !== null ? Math.max(previous.at, next.at - next.uptimeSeconds * 1000) : next.at;
    out.push({
      type: 'restart',
      at: startedAt,
      from: previous.at,
      address,
      summary: `${address} restarted (run_id changed; ${previous.keys.toLocaleString('en-US')} keys before, ${next.keys.toLocaleString('en-US')} after)`,
      data: { keysBefore: previous.keys, keysAfter: next.keys, runId: next.runId },
    });
  } else if (
    (previous.role !== null && next.role !== null && previous.role !== next.role) ||
    (previous.masterReplid !== null && next.masterReplid !== null && previous.masterReplid !== next.masterReplid)
  ) {
    out.push({
      type: 'failover',
      at: next.at,
      from: previous.at,
      address,
      summary:
        previous.role !== next.role
          ? `${address} changed role from ${previous.role} to ${next.role} (a failover)`
          : `${address} got a new replication id (a failover or a new primary)`,
      data: { keysBefore: previous.keys, keysAfter: next.keys, role: next.role },
    });
  }
  const calls = removingCallsDelta(previous, next);
  const flushes = calls.flushdb + calls.flushall;
  if (flushes > 0) {
    const which = [calls.flushall > 0 ? `FLUSHALL ×${calls.flushall}` : '', calls.flushdb > 0 ? `FLUSHDB ×${calls.flushdb}` : ''].filter(Boolean).join(' and ');
    out.push({
      type: 'flush',
      at: next.at,
      from: previous.at,
      address,
      summary: `${which} on ${address} (${previous.keys.toLocaleString('en-US')} keys before, ${next.keys.toLocaleString('en-US')} after)`,
      // The server's run_id and its flush count since start name this flush the same way for any recorder that saw it.
      data: { flushdb: calls.flushdb, flushall: calls.flushall, keysBefore: previous.keys, keysAfter: next.keys, runId: next.runId, flushes: next.calls.flushdb + next.calls.flushall },
    });
  }
  for (const [kind, before, after] of [
    ['evicted', previous.evictedKeys, next.evictedKeys],
    ['expired', previous.expiredKeys, next.expiredKeys],
  ] as const) {
    const delta = counterDelta(before, after, reset);
    if (delta >= BURST_MIN) {
      out.push({
        type: 'burst',
        at: next.at,
        from: previous.at,
        address,
        summary: `${delta.toLocaleString('en-US')} keys ${kind} on ${address} in ${Math.round((next.at - previous.at) / 1000)} s`,
        data: { kind, count: delta },
      });
    }
  }
  const deleted = calls.del + calls.unlink + calls.getdel;
  if (deleted >= BURST_MIN) {
    out.push({
      type: 'burst',
      at: next.at,
      from: previous.at,
      address,
      summary: `${deleted.toLocaleString('en-US')} DEL/UNLINK/GETDEL calls on ${address} in ${Math.round((next.at - previous.at) / 1000)} s`,
      data: { kind: 'del', count: deleted },
    });
  }
  return out;
}
