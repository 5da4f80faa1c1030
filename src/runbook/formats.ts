// Parsers for the free-text answer formats a runbook question may declare; `keyloss diagnose` reuses them for its flags.
import { SCOPES, TIERS, tierOfName, type Scope, type Tier } from '../domain/query.ts';
import { isBareAddress, parseRedisUrl } from '../redis/url.ts';
import type { TextFormat } from './schema.ts';

export type Parsed<T> = ({ ok: true } & T) | { ok: false; message: string };

/** The outcome of reading a free-text answer: the normalised value a session stores, or a sentence for the user. */
export type AnswerParse = { ok: true; value: string } | { ok: false; message: string };

/** Clock skew tolerated before a time counts as "in the future". */
const FUTURE_SKEW_MS = 60_000;
/** How far back a diagnosis can reason: Redis counters and Azure metrics retention make older windows meaningless. */
const MAX_LOOKBACK_MS = 30 * 24 * 3600_000;
export const MAX_DB_INDEX = 10_000;
export const MAX_KEY_LENGTH = 1024;
/** A cache's name in the caches file, and as typed to pick it: letters, digits, `.`, `_`, `-`; 63 at most. */
export const CACHE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** The user's text as it appears inside a message: trimmed, one line, short. */
function quote(text: string): string {
  const oneLine = text.trim().replace(/[\u0000-\u001f\u007f]+/g, ' ');
  const short = oneLine.length > 40 ? `${oneLine.slice(0, 39)}…` : oneLine;
  return `“${short}”`;
}

// ---- since ----

const SINCE_HINT = 'Use an ISO time like 2026-11-26T05:00Z, a time of day in UTC like 05:00, or a duration like 15m, 2h, 1d.';

const TIME_OF_DAY = /^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(?:\s*(?:z|utc))?$/i;

/** 05:00 (UTC) is today's 05:00, or yesterday's when today's has not come yet. */
export function parseTimeOfDay(text: string, now: Date): Date | null {
  const m = TIME_OF_DAY.exec(text.trim());
  if (!m) return null;
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), Number(m[1]), Number(m[2]), Number(m[3] ?? 0)));
  return at.getTime() > now.getTime() + FUTURE_SKEW_MS ? new Date(at.getTime() - 86_400_000) : at;
}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Maps every spelling of a unit to its one-letter form. */
const UNIT_WORDS: Record<string, string> = {
  s: 's', sec: 's', secs: 's', second: 's', seconds: 's',
  m: 'm', min: 'm', mins: 'm', minute: 'm', minutes: 'm',
  h: 'h', hr: 'h', hrs: 'h', hour: 'h', hours: 'h',
  d: 'd', day: 'd', days: 'd',
  w: 'w', wk: 'w', week: 'w', weeks: 'w',
};

const DURATION_PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/gy;

/** `90s`, `1h30m`, `1h 30m`, `30 minutes`, `2 hours ago` → milliseconds; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const body = text.trim().toLowerCase().replace(/\s+ago$/, '').trim();
  if (body === '') return null;
  let total = 0;
  let at = 0;
  while (at < body.length) {
    DURATION_PART.lastIndex = at;
    const part = DURATION_PART.exec(body);
    if (!part) return null;
    const unit = UNIT_WORDS[part[2] ?? ''];
    if (!unit) return null;
    total += Number(part[1]) * (UNIT_MS[unit] ?? 0);
    at = DURATION_PART.lastIndex;
    while (body[at] === ' ' || body[at] === ',') at++;
    if (body.startsWith('and ', at)) at += 4;
  }
  return Math.round(total);
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** An ISO-8601 date or date-time; UTC when it names no zone. Null when it is not one or names an impossible time. */
export function parseIsoTime(text: string): Date | null {
  const m = ISO_TIME.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((part) => Number(part ?? 0)) as [
    number, number, number, number, number, number,
  ];
  const millis = Math.round(Number(`0.${m[7] ?? '0'}`) * 1000);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 2026-02-31 over into March; an impossible day is a typo, not a date.
  if (new Date(utc).getUTCDate() !== day) return null;
  let offsetMs = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const zoneHours = Number(digits.slice(0, 2));
    const zoneMinutes = Number(digits.slice(2) || 0);
    if (zoneHours > 14 || zoneMinutes > 59) return null;
    offsetMs = sign * (zoneHours * 60 + zoneMinutes) * 60_000;
  }
  return new Date(utc - offsetMs);
}

/** When the keys were last known to be present: an ISO time or a duration before `now`, within the last 30 days. */
export function parseSince(text: string, now: Date): Parsed<{ date: Date }> {
  if (text.trim() === '') return { ok: false, message: `No time given. ${SINCE_HINT}` };
  const durationMs = parseDuration(text);
  const date = durationMs !== null ? new Date(now.getTime() - durationMs) : (parseTimeOfDay(text, now) ?? parseIsoTime(text));
  if (date === null || Number.isNaN(date.getTime())) {
    if (/^\s*-\s*\d/.test(text) && parseDuration(text.trim().slice(1)) !== null) {
      return { ok: false, message: `${quote(text)} has a sign: a duration already counts back from now, so write ${text.trim().slice(1).trim()}.` };
    }
    return { ok: false, message: `${quote(text)} is not a time. ${SINCE_HINT}` };
  }
  if (date.getTime() > now.getTime() + FUTURE_SKEW_MS) {
    return { ok: false, message: `${quote(text)} is in the future. Give the time the keys were last seen, or a duration ago like 15m.` };
  }
  if (now.getTime() - date.getTime() > MAX_LOOKBACK_MS) {
    return {
      ok: false,
      message: `${quote(text)} is more than 30 days ago; Redis counters and Azure metrics cannot reach that far back. Give a time within the last 30 days.`,
    };
  }
  return { ok: true, date };
}

// ---- db index ----

/** The logical database: a whole number 0 … 10,000 (`db3` is accepted too). */
export function parseDbIndex(text: string): Parsed<{ db: number }> {
  if (text.trim() === '') return { ok: false, message: `No database number given. Use a whole number from 0 to ${MAX_DB_INDEX.toLocaleString('en-US')} (most caches have 0–15).` };
  const m = /^(?:db\s*)?(\d{1,6})$/i.exec(text.trim());
  const db = m ? Number(m[1]) : Number.NaN;
  if (!Number.isInteger(db) || db > MAX_DB_INDEX) {
    return {
      ok: false,
      message: `${quote(text)} is not a database number. Use a whole number from 0 to ${MAX_DB_INDEX.toLocaleString('en-US')} (most caches have 0–15).`,
    };
  }
  return { ok: true, db };
}

// ---- key pattern ----

/** The key that went missing, exact or a glob: one line, not empty, at most 1,024 characters. */
export function parseKeyPattern(text: string): Parsed<{ key: string }> {
  // Surrounding whitespace is almost always a copy-paste artefact, not part of the key.
  const key = text.trim();
  if (key === '') {
    return { ok: false, message: 'The key is empty. Give the key that went missing, like session:17, or a pattern like session:*.' };
  }
  if (key.length > MAX_KEY_LENGTH) {
    return {
      ok: false,
      message: `That key is ${key.length.toLocaleString('en-US')} characters long; give at most ${MAX_KEY_LENGTH.toLocaleString('en-US')} (a pattern like session:* covers many keys).`,
    };
  }
  if (/[\u0000-\u001f\u007f]/.test(key)) {
    return { ok: false, message: 'The key contains a line break or another control character. Give it on one line, like session:17.' };
  }
  return { ok: true, key };
}

/** A hash field's name as given: one line, at most MAX_KEY_LENGTH characters (surrounding whitespace trimmed). */
export function parseFieldName(text: string): Parsed<{ field: string }> {
  const field = text.trim();
  if (field === '') return { ok: false, message: 'The field is empty. Give the hash field that went missing, like token.' };
  if (field.length > MAX_KEY_LENGTH) {
    return { ok: false, message: `That field is ${field.length.toLocaleString('en-US')} characters long; give at most ${MAX_KEY_LENGTH.toLocaleString('en-US')}.` };
  }
  if (/[\u0000-\u001f\u007f]/.test(field)) {
    return { ok: false, message: 'The field contains a line break or another control character. Give it on one line, like token.' };
  }
  return { ok: true, field };
}

// ---- target ----

export type TargetAnswer =
  | { kind: 'url'; url: string; host: string; port: number; tls: boolean }
  | { kind: 'name'; name: string };

const TARGET_HINT =
  'Give a redis:// or rediss:// URL with a host, like rediss://my-cache.redis.cache.windows.net:6380, a host:port like 127.0.0.1:6379, or the name of a configured cache.';

/**
 * A cache to diagnose: a redis:// / rediss:// URL, or the name of a cache from the caches file.
 * Messages never repeat the text: it may carry a password.
 */
export function parseTarget(text: string): Parsed<{ target: TargetAnswer }> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: `No cache given. ${TARGET_HINT}` };
  if (CACHE_NAME.test(trimmed)) return { ok: true, target: { kind: 'name', name: trimmed } };
  // The StackExchange.Redis connection string from the Azure portal is a target too (host:port,password=…,ssl=True).
  // Any scheme:// goes to the URL parser, which says what is wrong with it ("unsupported scheme "http:"").
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) && !/^[^\s,=]+(:\d+)?,/.test(trimmed) && !isBareAddress(trimmed)) {
    return { ok: false, message: `That is neither a redis:// or rediss:// URL, a host:port, nor a cache name (letters, digits, . _ -, up to 63). ${TARGET_HINT}` };
  }
  // The one URL parser; it registers the password as a secret and its reasons never repeat the URL.
  const parsed = parseRedisUrl(trimmed);
  // Its reason says what is accepted; flags and prompts show it as it is (`--redis: port 99999 is not a port number…`).
  if (!parsed.ok) return { ok: false, message: parsed.reason };
  const { host, port, tls } = parsed.endpoint;
  return { ok: true, target: { kind: 'url', url: trimmed, host, port, tls } };
}

// ---- tier and scope ----

/** The cache's tier as the portal writes it (`Premium`, `Memory Optimized`), in any case, or its ARM SKU (`Balanced_B5`). */
export function parseTier(text: string): Parsed<{ tier: Tier }> {
  const tier = tierOfName(text);
  return tier
    ? { ok: true, tier }
    : { ok: false, message: `${quote(text)} is not a tier; use ${TIERS.join(', ')} (or the SKU Azure shows, such as Balanced_B5).` };
}

/** How much is missing: `partial` (some keys) or `complete` (most or all), in any case. */
export function parseScope(text: string): Parsed<{ scope: Scope }> {
  const value = text.trim().toLowerCase();
  const scope = SCOPES.find((s) => s === value);
  return scope ? { ok: true, scope } : { ok: false, message: `${quote(text)} is not a scope; use partial (some keys) or complete (most or all keys).` };
}

// ---- free text ----

export function parseFreeText(text: string): Parsed<{ text: string }> {
  const value = text.trim();
  if (value === '') return { ok: false, message: 'The answer is empty. Type a few words, or skip if the question allows it.' };
  if (value.length > 2000) return { ok: false, message: `That answer is ${value.length} characters long; keep it under 2,000.` };
  return { ok: true, text: value };
}

/** Reads a free-text answer in the question's format; the value is what the session stores. */
export function parseAnswer(format: TextFormat, text: string, now: Date): AnswerParse {
  switch (format) {
    case 'since': {
      const r = parseSince(text, now);
      return r.ok ? { ok: true, value: r.date.toISOString() } : r;
    }
    case 'db-index': {
      const r = parseDbIndex(text);
      return r.ok ? { ok: true, value: String(r.db) } : r;
    }
    case 'key-pattern': {
      const r = parseKeyPattern(text);
      return r.ok ? { ok: true, value: r.key } : r;
    }
    case 'field-name': {
      const r = parseFieldName(text);
      return r.ok ? { ok: true, value: r.field } : r;
    }
    case 'target': {
      const r = parseTarget(text);
      if (!r.ok) return r;
      return { ok: true, value: r.target.kind === 'url' ? r.target.url : r.target.name };
    }
    case 'tier': {
      const r = parseTier(text);
      return r.ok ? { ok: true, value: r.tier } : r;
    }
    case 'text': {
      const r = parseFreeText(text);
      return r.ok ? { ok: true, value: r.text } : r;
    }
  }
}
