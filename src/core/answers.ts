// One answer table: each slot the runbook asks about is declared once — how a typed answer is read and normalised,
// the `diagnose`/`walk` flags that give it ahead, the word that introduces it in `/keyloss` command text, and the
// caches file's field that answers it for a named cache. Every surface and the caches file read answers through it.
import { isGlobPattern, type Query } from '../domain/query.ts';
import { parseRedisUrl } from '../redis/url.ts';
import {
  parseDbIndex,
  parseFieldName,
  parseIsoTime,
  parseKeyPattern,
  parseScope,
  parseSince,
  parseTarget,
  parseTier,
  type AnswerParse,
  type Parsed,
} from '../runbook/formats.ts';

export const SLOT_NAMES = ['cache', 'tier', 'key', 'field', 'db', 'since', 'scope'] as const;
export type SlotName = (typeof SLOT_NAMES)[number];

/** A command-line flag: its name, the value it takes (null: a switch) and its line in the usage. */
export interface FlagSpec {
  name: string;
  value: string | null;
  help: string;
  /** Given more than once, every value counts (`record --cache a --cache b`); otherwise the last one does. */
  multiple?: true;
}

export interface AnswerSlot {
  /** The `diagnose` and `walk` flags that answer it ahead. */
  flags: readonly FlagSpec[];
  /** The word before its value in `/keyloss` command text; null where the slot is positional there (cache, key). */
  keyword: string | null;
  /** The caches file's field that answers it for a named cache; null where the file has none. */
  cachesField: 'tier' | 'db' | null;
  /** A typed answer as a session stores it, normalised; or one sentence saying what is wrong and what is accepted. */
  parse(text: string, now: Date): AnswerParse;
}

export const ANSWER_TABLE: Record<SlotName, AnswerSlot> = {
  cache: {
    flags: [
      { name: '--redis', value: '<url>', help: 'the cache: redis://[user:pass@]host:port[/db], rediss://… (TLS), host:port, or a connection string from the portal' },
      { name: '--cache', value: '<name>', help: 'the cache by its name in the caches file ($KEYLOSS_CACHES), which gives its URL, sign-in, tier, db and Azure resource' },
    ],
    keyword: null,
    cachesField: null,
    parse: (text) => {
      const r = parseTarget(text);
      return r.ok ? { ok: true, value: r.target.kind === 'url' ? r.target.url : r.target.name } : r;
    },
  },
  tier: {
    flags: [{ name: '--tier', value: '<t>', help: 'the cache\'s tier: basic, standard, premium, enterprise, enterprise-flash (Azure Cache for Redis), memory-optimized, balanced, compute-optimized, flash-optimized (Azure Managed Redis), in any case, or its SKU (Balanced_B5)' }],
    keyword: 'tier',
    cachesField: 'tier',
    parse: (text) => {
      const r = parseTier(text);
      return r.ok ? { ok: true, value: r.tier } : r;
    },
  },
  key: {
    flags: [{ name: '--key', value: '<k>', help: 'the key that went missing: exact (session:17) or a glob (session:*)' }],
    keyword: null,
    cachesField: null,
    parse: (text) => {
      const r = parseKeyPattern(text);
      return r.ok ? { ok: true, value: r.key } : r;
    },
  },
  field: {
    flags: [{ name: '--field', value: '<f>', help: 'the hash field that went missing from --key, an exact key that is still there (Redis 7.4+ expires single fields)' }],
    keyword: 'field',
    cachesField: null,
    parse: (text) => {
      const r = parseFieldName(text);
      return r.ok ? { ok: true, value: r.field } : r;
    },
  },
  db: {
    flags: [{ name: '--db', value: '<n>', help: 'the database the application uses: 0 to 10,000' }],
    keyword: 'db',
    cachesField: 'db',
    parse: (text) => {
      const r = parseDbIndex(text);
      return r.ok ? { ok: true, value: String(r.db) } : r;
    },
  },
  since: {
    flags: [{ name: '--since', value: '<t>', help: 'when the keys were last seen: ISO-8601, a time of day in UTC (05:00) or a duration ago (90s, 15m, 2h, 1d)' }],
    keyword: 'since',
    cachesField: null,
    parse: (text, now) => {
      const r = parseSince(text, now);
      return r.ok ? { ok: true, value: r.date.toISOString() } : r;
    },
  },
  scope: {
    flags: [{ name: '--scope', value: '<s>', help: 'how much is missing: partial (some keys) or complete (most or all keys)' }],
    keyword: 'scope',
    cachesField: null,
    parse: (text) => {
      const r = parseScope(text);
      return r.ok ? { ok: true, value: r.scope } : r;
    },
  },
};

/** The slot a flag answers (`--db` → db), or undefined. */
export function slotOfFlag(flag: string): SlotName | undefined {
  return SLOT_NAMES.find((slot) => ANSWER_TABLE[slot].flags.some((spec) => spec.name === flag));
}

/** The slot a command-text word introduces (`since` → since, in any case), or undefined. */
export function slotOfKeyword(word: string): SlotName | undefined {
  const lower = word.toLowerCase();
  return SLOT_NAMES.find((slot) => ANSWER_TABLE[slot].keyword === lower);
}

export function isSlotName(name: string): name is SlotName {
  return (SLOT_NAMES as readonly string[]).includes(name);
}

/** The answers a cache of the caches file gives by its fields (the slots' `cachesField`: tier, db), where it has them. */
export function answersFromCache(cache: { tier: string | null; db: number | null }): Record<string, string> {
  const answers: Record<string, string> = {};
  for (const slot of SLOT_NAMES) {
    const field = ANSWER_TABLE[slot].cachesField;
    const value = field ? cache[field] : null;
    if (value !== null && value !== undefined) answers[slot] = String(value);
  }
  return answers;
}

export type AnswersResult = { ok: true; answers: Record<string, string> } | { ok: false; slot: SlotName; message: string };

/** Answers given ahead (slot → typed text), each read and normalised by its slot; the first problem names the slot. */
export function normaliseAnswers(raw: Record<string, string>, now: Date): AnswersResult {
  const answers: Record<string, string> = {};
  for (const [slot, text] of Object.entries(raw)) {
    if (!isSlotName(slot)) {
      answers[slot] = text;
      continue;
    }
    const parsed = ANSWER_TABLE[slot].parse(text, now);
    if (!parsed.ok) return { ok: false, slot, message: parsed.message };
    answers[slot] = parsed.value;
  }
  return { ok: true, answers };
}

/**
 * What a one-shot start (the command text, an alert) leaves to the checks, as `keyloss diagnose` does: the tier is
 * unknown unless Azure or the caches file knows it, the scope is inferred from the evidence.
 */
export const INFERRED_SLOTS = ['tier', 'scope'] as const satisfies readonly SlotName[];

/** A start whose answers give the key and since needs nothing else from a person. */
export function isOneShot(prefill: Record<string, string>): boolean {
  return prefill.key !== undefined && prefill.since !== undefined;
}

export type QueryFromAnswers = { ok: true; query: Query } | { ok: false; missing: string[] };

/**
 * A session's answers as the Query the checks and the diagnosis read. `key` and `since` are required (the engine
 * stores `since` as an ISO time); db defaults to 0; tier and scope are null when skipped or not asked. An answer its
 * slot does not accept counts as missing: it is never silently read as something else.
 */
export function queryFromAnswers(answers: Record<string, string>): QueryFromAnswers {
  const missing: string[] = [];
  const key = parseKeyPattern(answers.key ?? '');
  if (!key.ok) missing.push('key');
  const since = answers.since ? parseIsoTime(answers.since) : null;
  if (since === null) missing.push('since');
  const db = answers.db ? parseDbIndex(answers.db) : { ok: true as const, db: 0 };
  if (!db.ok) missing.push('db');
  const tier = answers.tier ? parseTier(answers.tier) : { ok: true as const, tier: null };
  if (!tier.ok) missing.push('tier');
  const scope = answers.scope ? parseScope(answers.scope) : { ok: true as const, scope: null };
  if (!scope.ok) missing.push('scope');
  const field = answers.field ? parseFieldName(answers.field) : null;
  if (field && !field.ok) missing.push('field');
  if (!key.ok || since === null || !db.ok || !tier.ok || !scope.ok || (field && !field.ok)) return { ok: false, missing };
  const query: Query = { key: key.key, isPattern: isGlobPattern(key.key), db: db.db, since, tier: tier.tier, scope: scope.scope };
  // A field belongs to one hash: it is asked only of an exact key (diagnose refuses --field with a glob; the runbook
  // asks it only once an exact key is found to be a hash), so a glob keeps its meaning, every key of the family.
  if (field?.ok && !query.isPattern) query.field = field.field;
  return { ok: true, query };
}

/** How the checks run, beside the answers: the same flags on every command that runs them (`diagnose`, `walk`). */
export const RUN_OPTIONS = {
  entra: {
    name: '--entra',
    value: null,
    help: 'sign in to a cache given as a URL with a Microsoft Entra token (az login, or the managed identity) instead of a password; needs rediss://',
  },
  rateInterval: {
    name: '--rate-interval',
    value: '<ms>',
    help: 'least time between the rates check\'s two INFO samples, which also span the other checks (default $KEYLOSS_RATE_INTERVAL_MS, else 250; 0: only the other checks\' time)',
  },
  state: {
    name: '--state',
    value: '<url>',
    help: 'keyloss\'s state Redis, to read the cache\'s record (keyloss record); default $STATE_REDIS_URL',
  },
} as const satisfies Record<string, FlagSpec>;

export const MAX_RATE_INTERVAL_MS = 60_000;

/** `--rate-interval`: whole milliseconds, 0 … 60,000. */
export function parseRateInterval(text: string): Parsed<{ ms: number }> {
  const trimmed = text.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isInteger(ms) || ms > MAX_RATE_INTERVAL_MS) {
    const shown = trimmed.length > 40 ? `${trimmed.slice(0, 39)}…` : trimmed;
    return { ok: false, message: `"${shown}" is not a time in milliseconds; use a whole number from 0 to ${MAX_RATE_INTERVAL_MS.toLocaleString('en-US')}` };
  }
  return { ok: true, ms };
}

/** `--state`: the state Redis's URL, read by the one URL parser (which registers its password as a secret). */
export function parseStateUrl(text: string): Parsed<{ url: string }> {
  const parsed = parseRedisUrl(text.trim());
  return parsed.ok ? { ok: true, url: text.trim() } : { ok: false, message: parsed.reason };
}
