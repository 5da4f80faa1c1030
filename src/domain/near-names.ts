// Near names: when nothing matches the asked key or pattern, a name that differs only in case, in a separator
// (`:` `_` `-` `.`) or by a leading segment is most likely what the application writes (pure).
import { globMatches } from './glob.ts';
import { escapeGlob, literalKey, siblingPattern } from './keys.ts';

export type NameDifference = 'case' | 'separator' | 'prefix';

export interface NearCandidate {
  /** The near key, or the near pattern (a glob) for a family of keys. */
  name: string;
  isPattern: boolean;
  differs: NameDifference[];
  /** How many of the sampled names it matched. */
  seen: number;
  /** For an exact key and a near family: the key as that family writes it (`order:17` for `ORDER:17`). */
  key?: string;
}

const SEPARATOR = /[:_.-]/;
const fold = (text: string): string => text.toLowerCase().replace(/[:_.-]/g, ':');

/** How `near` differs from `asked` (same length, aligned), beyond a prefix. */
function differences(asked: string, near: string, prefix: boolean): NameDifference[] {
  const out: NameDifference[] = [];
  const a = [...asked];
  const b = [...near];
  if (a.some((ch, i) => ch !== b[i] && ch.toLowerCase() === b[i]?.toLowerCase())) out.push('case');
  if (a.some((ch, i) => ch !== b[i] && SEPARATOR.test(ch) && SEPARATOR.test(b[i] ?? ''))) out.push('separator');
  if (prefix) out.push('prefix');
  return out;
}

/** `order:` for `order:*`: the literal part of a pattern that is a prefix and a trailing `*`, else null. */
function literalPrefix(pattern: string): string | null {
  if (!pattern.endsWith('*')) return null;
  const head = pattern.slice(0, -1);
  if (/(^|[^\\])[*?[]/.test(head)) return null;
  return literalKey(head);
}

/** Where `core` sits in `name` up to case and separators: at 0, after a leading segment of `name`, or after one of `core`'s. */
function align(core: string, name: string, exact: boolean): { at: number; asked: string; near: string; prefix: boolean } | null {
  const fits = (candidate: string, of: string): boolean => (exact ? fold(candidate) === fold(of) : fold(candidate).startsWith(fold(of)));
  if (fits(name, core)) return { at: 0, asked: core, near: name.slice(0, core.length), prefix: false };
  // The application adds a prefix ("app:order:17" for "order:17").
  for (let i = 1; i < name.length; i += 1) {
    if (SEPARATOR.test(name[i - 1] ?? '') && fits(name.slice(i), core)) return { at: i, asked: core, near: name.slice(i, i + core.length), prefix: true };
  }
  // The engineer added one ("app:order:17" asked, "order:17" written).
  for (let j = 1; j < core.length; j += 1) {
    if (SEPARATOR.test(core[j - 1] ?? '') && fits(name, core.slice(j))) return { at: 0, asked: core.slice(j), near: name.slice(0, core.length - j), prefix: true };
  }
  return null;
}

/**
 * The near name the sampled names point at, or null. For an exact key (`ORDER:17`): the near family of its siblings
 * (`order:*`) with the key as that family writes it (`order:17`), else a sampled name equal to it up to case, separators
 * or a leading segment. For a prefix pattern (`ORDER:*`): the near prefix most sampled names share. A name that matches
 * what was asked is never near.
 */
export function nearName(asked: string, isPattern: boolean, names: readonly string[]): NearCandidate | null {
  const family = isPattern ? asked : siblingPattern(asked);
  const prefix = family === null ? null : literalPrefix(family);
  if (family !== null && prefix !== null && prefix !== '') {
    const tally = new Map<string, NearCandidate>();
    const nearPrefixes = new Map<string, string>();
    for (const name of names) {
      if (globMatches(family, name)) continue;
      const at = align(prefix, name, false);
      if (!at) continue;
      const nearPrefix = name.slice(0, at.at + at.near.length);
      const pattern = `${escapeGlob(nearPrefix)}*`;
      nearPrefixes.set(pattern, nearPrefix);
      count(tally, pattern, true, differences(at.asked, at.near, at.prefix));
    }
    const top = best(tally);
    if (top) {
      if (isPattern) return top;
      // The key as the near family writes it: its prefix, then the asked key's last segment.
      const key = `${nearPrefixes.get(top.name) ?? ''}${literalKey(asked).slice(prefix.length)}`;
      return { ...top, key };
    }
  }
  if (isPattern) return null;
  const key = literalKey(asked);
  const tally = new Map<string, NearCandidate>();
  for (const name of names) {
    if (name === key) continue;
    const at = align(key, name, true);
    if (at) count(tally, name, false, differences(at.asked, at.near, at.prefix));
  }
  return best(tally);
}

function count(tally: Map<string, NearCandidate>, name: string, isPattern: boolean, differs: NameDifference[]): void {
  if (differs.length === 0) return;
  const entry = tally.get(name) ?? { name, isPattern, differs, seen: 0 };
  entry.seen += 1;
  tally.set(name, entry);
}

function best(tally: ReadonlyMap<string, NearCandidate>): NearCandidate | null {
  let top: NearCandidate | null = null;
  for (const entry of tally.values()) if (top === null || entry.seen > top.seen) top = entry;
  return top;
}
