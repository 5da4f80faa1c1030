// Where a cache's record lives in the state Redis: every key of it, named in one place for the writer and the reader.
// The cache's name is a hash tag ({<cache>}), so a record's keys share one hash slot: each write is one script over
// them, on one server as on a Redis Cluster or Azure Managed Redis (a cache name holds no braces).
//
//   <prefix>rec:{<cache>}:meta            hash    firstAt, lastAt (ms), holder, nodes, addresses, lastSampleAt, lastSampleNode, retentionMs, stoppedAt
//   <prefix>rec:{<cache>}:lease           string  the recorder process holding the cache (PX lease)
//   <prefix>rec:{<cache>}:flushed         hash    writer → the sequence number of its last write applied (none twice)
//   <prefix>rec:{<cache>}:events          zset    dated events (restart, failover, flush, burst, notifications, clients, gap, capped) by time
//   <prefix>rec:{<cache>}:spans           zset    the gap and notifications events again, by time: what a window's gaps are read from
//   <prefix>rec:{<cache>}:samples         zset    one INFO sample per node per minute, by time
//   <prefix>rec:{<cache>}:m:<minute>      hash    "<event>|<family>" → removals in that minute (at most PAIRS_PER_MINUTE fields)
//   <prefix>rec:{<cache>}:x:<minute>      hash    key → "<event>|<db>|<ms>", the first EXACT_PER_MINUTE keys removed that minute; a key
//                                                 over 256 bytes kept as its head and hash (keptName), "|<bytes>" added to its value
//   <prefix>rec:{<cache>}:sampling        hash    ms → 1 in how many removed keys go into the filter from then on (src/record/proof.ts)
//   <prefix>rec:{<cache>}:sc:<hour>       hash    "<event>:<slice>" → keys added to that Bloom slice
//   <prefix>rec:{<cache>}:b:<hour>:<event>:<slice>  string  a Bloom filter slice (src/record/bloom.ts)
//   <prefix>rec:{<cache>}:said:<event>    string  an event announced in Slack: claimed by a recorder, then where it was posted
//   <prefix>rec:{<cache>}:said            zset    the announced events by time, with their channel and message ts
//   <prefix>rec-at:<host:port>          string  the name a cache recorded at that address is kept under (src/record/identity.ts)
// <minute> and <hour> are epoch minutes and hours (UTC). Every key expires after the retention.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** Distinct "<event>|<family>" fields a minute keeps before the rest go to "<event>|(other)"; small enough for a listpack. */
export const PAIRS_PER_MINUTE = 120;
/** Keys per minute remembered by name with their exact time; the rest only in the Bloom slices. */
export const EXACT_PER_MINUTE = 60;

/**
 * Dated events a cache's record keeps a minute and a UTC day, and of those the chatty kinds (clients seen removing, bursts)
 * at most: the rest are counted into one `capped` event a minute. A client is written at most once a CLIENT_EVENT_EVERY_MS.
 */
export const EVENTS_PER_MINUTE = 120;
export const EVENTS_PER_DAY = 2_000;
export const CHATTY_PER_MINUTE = 20;
export const CHATTY_PER_DAY = 1_000;
export const CLIENT_EVENT_EVERY_MS = 60_000;
export const DAY_MS = 24 * 3_600_000;

export class RecordLayout {
  private readonly base: string;

  constructor(
    readonly prefix: string,
    /** The cache's name in the caches file, or host:port for a URL. */
    readonly cache: string,
  ) {
    this.base = `${prefix}rec:{${cache}}:`;
  }

  get meta(): string {
    return `${this.base}meta`;
  }
  get lease(): string {
    return `${this.base}lease`;
  }
  get flushed(): string {
    return `${this.base}flushed`;
  }
  get events(): string {
    return `${this.base}events`;
  }
  /** Gap and notifications events (also in `events`), so a window's gaps are read without reading every event. */
  get spans(): string {
    return `${this.base}spans`;
  }
  get samples(): string {
    return `${this.base}samples`;
  }
  /** The claim of one announced event (src/record/announce.ts). */
  said(event: string): string {
    return `${this.base}said:${event}`;
  }
  /** Every announced event, by time. */
  get saidList(): string {
    return `${this.base}said`;
  }
  /** When the share of keys kept in the filter changed, and to what (the per-key proof budget). */
  get sampling(): string {
    return `${this.base}sampling`;
  }
  minute(minute: number): string {
    return `${this.base}m:${minute}`;
  }
  exact(minute: number): string {
    return `${this.base}x:${minute}`;
  }
  sliceCounts(hour: number): string {
    return `${this.base}sc:${hour}`;
  }
  slice(hour: number, event: string, index: number): string {
    return `${this.base}b:${hour}:${event}:${index}`;
  }
  /** Every key of this record, as a SCAN MATCH pattern (glob characters in the name escaped). */
  get allKeys(): string {
    return `${this.base.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
  }
  /** The meta hash of every record, as a SCAN MATCH pattern, and the record's name back from such a key. */
  static metaPattern(prefix: string): string {
    return `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}rec:{*}:meta`;
  }
  static cacheOfMeta(prefix: string, key: string): string | null {
    const head = `${prefix}rec:{`;
    return key.startsWith(head) && key.endsWith('}:meta') && key.length > head.length + 6 ? key.slice(head.length, -'}:meta'.length) : null;
  }
  /** A scratch key for OR-ing a bitmap into a slice. */
  scratch(holder: string): string {
    return `${this.base}tmp:${holder}`;
  }
}

/** The alias of an address: the record name a cache recorded there is kept under, so a URL finds a named record. */
export function addressKey(prefix: string, address: string): string {
  return `${prefix}rec-at:${address}`;
}

/** The item a Bloom slice holds for a key: the db and the name, so a key removed in another db does not answer. */
export function filterItem(db: number, key: string): string {
  return `${db}\u0000${key}`;
}
