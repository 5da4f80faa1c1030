// What keyloss's own record of a cache says about the window of a diagnosis (read by src/record/reader.ts): evidence
// with times, gaps where it could not see, and for an exact key whether, how and when it was removed.

/** Keyevents the record keeps; `hdel`/`hexpired` remove hash fields, `overwritten`/`type_changed` (Redis 8.2) replace a value, the rest remove the key. */
export type RecordedEventType = 'expired' | 'evicted' | 'del' | 'rename_from' | 'move_from' | 'hdel' | 'hexpired' | 'overwritten' | 'type_changed';

export interface RecordGap {
  from: string;
  to: string;
  why: string;
  /** The node that could not be recorded; absent when the gap is the whole cache's. */
  node?: string;
}

/** A dated event of the record: seen in INFO (restart, failover, flush, burst) or CLIENT LIST (clients). */
export interface RecordedChange {
  type: 'restart' | 'failover' | 'flush' | 'burst' | 'clients';
  at: string;
  /** For what is known within an interval (a flush between two samples): the earliest time. */
  from: string | null;
  node: string;
  summary: string;
  data: Record<string, number | string | null>;
}

/** Removals of one event type by the query's key families in the window, per minute. */
export interface RecordedRemovals {
  event: RecordedEventType;
  count: number;
  /** Start of the first and of the last minute with such removals, and of the busiest one. */
  first: string;
  last: string;
  peakAt: string;
  peak: number;
  /** Additive: every minute with such removals, oldest first (what a chart of removals per minute draws). */
  minutes?: Array<{ at: string; count: number }>;
}

/** The asked exact key, found removed in the record. */
export interface RecordedKeyRemoval {
  event: RecordedEventType;
  db: number;
  /** `exact`: the time of the event; otherwise the key was found in a Bloom slice and `from`…`to` bounds the time. */
  exact: boolean;
  at: string;
  from: string;
  to: string;
}

export interface RecordData {
  /** The record's name: the cache's name in the caches file, or host:port. */
  cache: string;
  /** The contract's `record`: what the record spans and its gaps inside the diagnosis window. */
  record: { from: string; to: string; gaps: RecordGap[] };
  window: { from: string; to: string };
  /** Families of the query (`session:*` and `session:17` → `session:`). */
  families: string[];
  removals: RecordedRemovals[];
  /** Removals of every family in the window, by event. */
  allRemovals: Array<{ event: RecordedEventType; count: number }>;
  /** Exact keys only: every recorded removal of it in the window, oldest first; null for a glob. */
  key: {
    removals: RecordedKeyRemoval[];
    slicesAsked: number;
    falsePositiveBound: number;
    /**
     * Spans of the window in which the record kept only a hash sample of removed keys in its filter (its per-key proof
     * budget for the day was past half) and this key was not in the sample: 1 in `oneIn` keys kept (0: none). A removal
     * then is known only if it was among the first keys of its minute. Absent: the key was in every sample.
     */
    unsampled?: Array<{ from: string; to: string; oneIn: number }>;
  } | null;
  /** Restarts, failovers, flushes, bursts and clients seen in the window, oldest first. */
  changes: RecordedChange[];
  /** Single keys could not be recorded for part of the window (notifications off on some node). */
  notificationsOff: boolean;
  /** The INFO sample nearest before the first recorded eviction of the query's keys, when there is one. */
  memoryAtEviction: { at: string; node: string; usedMemory: number; maxmemory: number } | null;
  /** Dated events and INFO samples of the record that were malformed or oversized, skipped (absent: none). */
  unreadable?: number;
}
