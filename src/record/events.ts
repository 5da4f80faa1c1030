// The vocabulary of captured removals: which keyspace events remove keys, which notification flags publish them, key
// families, and how a key's name is kept.
import { createHash } from 'node:crypto';

/**
 * Keyevent notifications that remove a key (or, for hdel/hexpired, fields of a hash; UNLINK and GETDEL publish `del`),
 * and Redis 8.2's `overwritten` (a write replaced a key's value) and `type_changed` (it replaced it with another type):
 * the key stays, its old value is lost. Each is counted by its name when a server publishes it.
 */
export const REMOVAL_EVENTS = ['expired', 'evicted', 'del', 'rename_from', 'move_from', 'hdel', 'hexpired', 'overwritten', 'type_changed'] as const;
export type RemovalEvent = (typeof REMOVAL_EVENTS)[number];

/** The events after which the key itself is gone (hdel/hexpired remove fields, the key's own `del` follows when it empties; overwritten/type_changed keep the key). */
export const KEY_REMOVAL_EVENTS: readonly RemovalEvent[] = ['expired', 'evicted', 'del', 'rename_from', 'move_from'];

export function isRemovalEvent(value: string): value is RemovalEvent {
  return (REMOVAL_EVENTS as readonly string[]).includes(value);
}

/** The `notify-keyspace-events` class letter that makes Redis publish each event (`A` stands for all of them). */
const EVENT_CLASS: Record<RemovalEvent, string> = {
  expired: 'x',
  evicted: 'e',
  del: 'g',
  rename_from: 'g',
  move_from: 'g',
  hdel: 'h',
  hexpired: 'h',
  // Redis 8.2's own classes for them (notify-keyspace-events `o` and `c`).
  overwritten: 'o',
  type_changed: 'c',
};

/** The flags keyloss asks operators to set: keyevent channels for expired, evicted and generic commands (del, rename, move). */
export const SUGGESTED_FLAGS = 'Exeg';

export interface NotificationFlags {
  flags: string;
  /** Keyevent notifications (`E`) are on for at least one removal event. */
  enabled: boolean;
  /** The removal events these flags publish on `__keyevent@<db>__:<event>`. */
  covered: RemovalEvent[];
  /** Removal events they leave out. */
  missing: RemovalEvent[];
}

/** Reads a `notify-keyspace-events` value (`Exeg`, `KEA`, `""`). */
export function parseNotifyFlags(flags: string): NotificationFlags {
  const keyevent = flags.includes('E');
  const all = flags.includes('A');
  const covered = keyevent ? REMOVAL_EVENTS.filter((event) => all || flags.includes(EVENT_CLASS[event])) : [];
  return { flags, enabled: covered.length > 0, covered, missing: REMOVAL_EVENTS.filter((event) => !covered.includes(event)) };
}

/** `__keyevent@3__:expired` → { db: 3, event: 'expired' }; null for any other channel. */
export function parseKeyeventChannel(channel: string): { db: number; event: RemovalEvent } | null {
  if (!channel.startsWith('__keyevent@')) return null;
  const close = channel.indexOf('__:', 11);
  if (close < 0) return null;
  const db = Number(channel.slice(11, close));
  const event = channel.slice(close + 3);
  if (!Number.isInteger(db) || !isRemovalEvent(event)) return null;
  return { db, event };
}

/** The channels to subscribe to: a pattern over every db, or the exact channels of one db. */
export function keyeventChannels(db: number | null): { pattern: boolean; channels: string[] } {
  return db === null
    ? { pattern: true, channels: REMOVAL_EVENTS.map((event) => `__keyevent@*__:${event}`) }
    : { pattern: false, channels: REMOVAL_EVENTS.map((event) => `__keyevent@${db}__:${event}`) };
}

const MAX_FAMILY_LENGTH = 64;
/** The family of keys with no `:` in their name. */
export const NO_FAMILY = '(no prefix)';
/** Where counts go once a minute has seen its cap of distinct families. */
export const OTHER_FAMILY = '(other)';

/**
 * A key's family: its name up to and including its last `:`, cut before a `{…}` hash tag (`cart:{u17}:items` → `cart:`),
 * so `session:17` and `session:18` count together. Keys without a `:` are NO_FAMILY.
 */
export function keyFamily(key: string): string {
  const brace = key.indexOf('{');
  const head = brace >= 0 && key.indexOf('}', brace) > brace ? key.slice(0, brace) : key;
  const colon = head.lastIndexOf(':');
  if (colon < 0) return NO_FAMILY;
  return head.length > MAX_FAMILY_LENGTH && colon >= MAX_FAMILY_LENGTH ? head.slice(0, MAX_FAMILY_LENGTH) : head.slice(0, colon + 1);
}

/** What a glob's families are found by: its literal head (every family starting with it) and that head's own family. */
export function patternFamilies(pattern: string): { head: string; own: string } {
  const glob = pattern.search(/[*?[\\]/);
  const head = glob < 0 ? pattern : pattern.slice(0, glob);
  return { head, own: head === '' ? '' : keyFamily(`${head}x`) };
}

/**
 * What to add when notifications are on but leave out events that remove keys (`Ex` publishes no `del`): null when the
 * flags publish every key removal (hash-field events are optional).
 */
export function howToAdd(flags: NotificationFlags): string | null {
  const missing = flags.missing.filter((event) => KEY_REMOVAL_EVENTS.includes(event));
  if (missing.length === 0) return null;
  const classes = [...new Set(missing.map((event) => EVENT_CLASS[event]))].join('');
  return `Keyspace notifications are on (${flags.flags}) but do not publish ${missing.join(', ')}: add ${classes} to notify-keyspace-events (Azure: Advanced settings → Keyspace notifications) to see those removals too; keyloss never changes it.`;
}

/** How to turn keyevent notifications on; keyloss never sets them itself. */
export const HOW_TO_ENABLE =
  `Turn keyspace notifications on to see single keys: Azure Cache for Redis (Standard, Premium): Advanced settings → Keyspace notifications = ${SUGGESTED_FLAGS}; ` +
  `Azure Managed Redis: the database's notifyKeyspaceEvents = ${SUGGESTED_FLAGS}; other Redis: notify-keyspace-events ${SUGGESTED_FLAGS} in redis.conf or CONFIG SET (keyloss never changes it).`;

/** Key names up to this many bytes (UTF-8) are kept verbatim wherever keyloss keeps one (watch samples, the record). */
export const MAX_KEPT_NAME_BYTES = 256;
/** A longer name keeps this many bytes of its head, then `…#` and the first 16 hex digits of its SHA-256. */
const KEPT_HEAD_BYTES = 200;

/** A name as kept, and for one cut to its head and hash: its length in bytes and its whole SHA-256. */
export interface KeptName {
  name: string;
  cut: { bytes: number; sha256: string } | null;
}

/**
 * How a key's name is kept, so that memory and the state Redis stay bounded whatever the names: verbatim up to
 * MAX_KEPT_NAME_BYTES, else its first KEPT_HEAD_BYTES (whole characters) then `…#<16 hex digits of its SHA-256>`, the same
 * for the same name (a question about the whole name finds it). A Bloom slice still takes the whole name.
 */
export function keptName(key: string): KeptName {
  // Three bytes at most per UTF-16 code unit: most names are answered without counting.
  if (key.length * 3 <= MAX_KEPT_NAME_BYTES) return { name: key, cut: null };
  const bytes = Buffer.byteLength(key);
  if (bytes <= MAX_KEPT_NAME_BYTES) return { name: key, cut: null };
  let head = key.slice(0, KEPT_HEAD_BYTES);
  while (Buffer.byteLength(head) > KEPT_HEAD_BYTES) head = head.slice(0, -1);
  // A lone high surrogate left at the end is no character.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  const sha256 = createHash('sha256').update(key).digest('hex');
  return { name: `${head}…#${sha256.slice(0, 16)}`, cut: { bytes, sha256 } };
}
