// What a Slack message (an alert someone pasted or a bot posted) says about an incident: an Azure cache resource id,
// a configured cache's name, a key or pattern, a time. Read from its text, its blocks and its attachments.
import { findCache, findCacheByResourceId, type CacheConfig } from '../config/caches.ts';
import { parseKeyPattern } from '../runbook/formats.ts';

export interface MessageClues {
  cache: CacheConfig | null;
  /** Prefill answers found: key, since. */
  prefill: Record<string, string>;
}

const RESOURCE_ID = /\/subscriptions\/[^/\s"'<>|]+\/resourceGroups\/[^/\s"'<>|]+\/providers\/Microsoft\.Cache\/(?:redis|redisEnterprise)\/[A-Za-z0-9-]+/gi;
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b/g;
/** `key: session:17`, `key=cart:*`, `pattern: orders:*`. */
const KEY = /\b(?:key|pattern)\s*[:=]\s*[`'"]?([^\s`'"<>,;|]+)/i;

/** Every string in the message's text, blocks and attachments, in order; bounded so a huge message costs little. */
export function messageStrings(message: { text?: unknown; blocks?: unknown; attachments?: unknown }): string[] {
  const out: string[] = [];
  let budget = 40_000;
  const walk = (value: unknown, depth: number): void => {
    if (budget <= 0 || depth > 12) return;
    if (typeof value === 'string') {
      const piece = value.slice(0, budget);
      budget -= piece.length;
      out.push(piece);
    } else if (Array.isArray(value)) {
      for (const v of value) walk(v, depth + 1);
    } else if (value && typeof value === 'object') {
      // An attachment field reads as "Title: value".
      const { title, value: fieldValue } = value as { title?: unknown; value?: unknown };
      if (typeof title === 'string' && typeof fieldValue === 'string') {
        walk(`${title}: ${fieldValue}`, depth + 1);
      }
      for (const [k, v] of Object.entries(value)) {
        // Ids, urls and styles carry nothing a person wrote.
        if (!/^(type|block_id|action_id|style|image_url|url|color|id)$/.test(k)) walk(v, depth + 1);
      }
    }
  };
  walk([message.text, message.blocks, message.attachments], 0);
  return out;
}

export function readMessageClues(strings: readonly string[], caches: readonly CacheConfig[], now: Date): MessageClues {
  const text = strings.join('\n');
  let cache: CacheConfig | null = null;
  for (const id of text.match(RESOURCE_ID) ?? []) {
    cache = findCacheByResourceId(caches, id) ?? null;
    if (cache) break;
  }
  if (!cache) {
    const words = new Set(text.toLowerCase().split(/[^a-z0-9._-]+/));
    cache = caches.find((c) => words.has(c.name.toLowerCase())) ?? null;
  }
  const prefill: Record<string, string> = {};
  const key = KEY.exec(text)?.[1];
  if (key && !(cache && findCache([cache], key))) {
    const parsed = parseKeyPattern(key);
    if (parsed.ok) prefill.key = parsed.key;
  }
  // The earliest time the message names, when it is in the past: when things were last known to be fine.
  const times = (text.match(ISO_TIME) ?? [])
    .map((t) => Date.parse(/Z|[+-]\d{2}:?\d{2}$/.test(t) ? t.replace(' ', 'T') : `${t.replace(' ', 'T')}Z`))
    .filter((t) => Number.isFinite(t) && t <= now.getTime());
  if (times.length > 0) prefill.since = new Date(Math.min(...times)).toISOString();
  return { cache, prefill };
}
