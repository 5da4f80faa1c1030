// Reads `/keyloss [cache] [key] [since <t>] [db <n>] [tier <t>] [scope partial|complete]` into runbook prefill answers:
// the keywords and every value's parser come from the answer table (src/core/answers.ts), as for every surface.
import { ANSWER_TABLE, SLOT_NAMES, slotOfKeyword, type SlotName } from '../core/answers.ts';
import { closest } from '../runbook/suggest.ts';

export const USAGE = '/keyloss [cache] [key] [since <time>] [db <n>] [tier <tier>] [scope partial|complete]';

export type CommandText =
  | { ok: true; help: true }
  | { ok: true; help: false; cache: string | null; prefill: Record<string, string> }
  | { ok: false; problem: string };

/** The slots command text names with a word before the value (since, db, tier, scope). */
const KEYWORD_SLOTS = SLOT_NAMES.filter((slot) => ANSWER_TABLE[slot].keyword !== null);

/** The words that introduce a value (since, db, tier, scope), for "did you mean" on a mistyped one. */
const KEYWORDS = KEYWORD_SLOTS.map((slot) => ANSWER_TABLE[slot].keyword ?? slot);

/** A word that could be a cache's name (a key has a separator or a glob: `session:17`, `cart:*`). */
const NAME_LIKE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Splits on spaces, keeping "double quoted" or 'single quoted' words (a key with spaces) together. */
export function splitWords(text: string): { ok: true; words: string[] } | { ok: false; problem: string } {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of text.matchAll(re)) words.push(m[1] ?? m[2] ?? m[3] ?? '');
  const quotes = (text.match(/"/g) ?? []).length;
  if (quotes % 2 === 1) return { ok: false, problem: 'a quote (") is not closed' };
  return { ok: true, words };
}

/**
 * `cacheNames` are the configured caches: a first word that names one is the cache, otherwise it is the key.
 * Values are validated with the runbook's own parsers so the problem names what is wrong.
 */
export function parseCommandText(text: string, cacheNames: readonly string[], now: Date): CommandText {
  const trimmed = text.trim();
  if (/^(help|-h|--help|\?)$/i.test(trimmed)) return { ok: true, help: true };
  const split = splitWords(trimmed);
  if (!split.ok) return split;
  // A connection string carries the access key: refuse it without repeating it.
  if (split.words.some((w) => /^rediss?:\/\//i.test(w))) {
    return {
      ok: false,
      problem: 'connection strings are never accepted in Slack (they carry access keys); name a configured cache instead',
    };
  }
  const positional: string[] = [];
  const named = new Map<SlotName, string>();
  const words = split.words;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const slot = slotOfKeyword(word);
    if (!slot) {
      positional.push(word);
      continue;
    }
    const keyword = ANSWER_TABLE[slot].keyword!;
    if (named.has(slot)) return { ok: false, problem: `"${keyword}" is given twice` };
    // `since` takes the words up to the next keyword ("since 2 hours ago"); the others take one word.
    const values: string[] = [];
    while (i + 1 < words.length && slotOfKeyword(words[i + 1]!) === undefined) {
      values.push(words[++i]!);
      if (slot !== 'since') break;
    }
    if (values.length === 0) return { ok: false, problem: `"${keyword}" needs a value` };
    named.set(slot, values.join(' '));
  }

  let cache: string | null = null;
  const first = positional[0];
  const knownCache = first === undefined ? undefined : cacheNames.find((n) => n.toLowerCase() === first.toLowerCase());
  if (knownCache !== undefined) {
    cache = knownCache;
    positional.shift();
  }
  // A first word a letter or two from a cache's name is a typo of it (`evcit`), not a key: say so before anything runs.
  const nearCache = knownCache === undefined && first !== undefined && NAME_LIKE.test(first) ? closest(first, cacheNames) : undefined;
  if (nearCache !== undefined) {
    return { ok: false, problem: `"${first}" is not a configured cache: did you mean "${nearCache}"? (For a key of that name, give the cache first.)` };
  }
  if (positional.length > 1) {
    const extra = positional.slice(1).join(' ');
    const keyword = positional.slice(1).map((word) => closest(word, KEYWORDS)).find((near) => near !== undefined);
    const hint = keyword !== undefined ? `; did you mean "${keyword}"?` : ' (quote a key that has spaces)';
    return {
      ok: false,
      problem:
        knownCache === undefined && cacheNames.length > 0
          ? `"${first}" is not a configured cache, and "${extra}" is left over${hint}`
          : `"${extra}" is left over after the key${hint}`,
    };
  }

  const prefill: Record<string, string> = {};
  if (cache !== null) prefill.cache = cache;
  const given: Array<[SlotName, string | undefined]> = [['key', positional[0]], ...KEYWORD_SLOTS.map((slot): [SlotName, string | undefined] => [slot, named.get(slot)])];
  for (const [slot, text] of given) {
    if (text === undefined) continue;
    const parsed = ANSWER_TABLE[slot].parse(text, now);
    if (!parsed.ok) return { ok: false, problem: parsed.message };
    prefill[slot] = parsed.value;
  }
  return { ok: true, help: false, cache, prefill };
}
