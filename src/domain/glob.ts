// Redis glob matching (the rules of SCAN MATCH / KEYS), for matching keys (SLOWLOG, keyevents, the record) against the query.

/** True when `key` matches the Redis glob `pattern` (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\` escapes). */
export function globMatches(pattern: string, key: string): boolean {
  return matchFrom(pattern, 0, key, 0);
}

function matchFrom(pattern: string, p: number, key: string, k: number): boolean {
  while (p < pattern.length) {
    const ch = pattern[p];
    if (ch === '*') {
      while (pattern[p + 1] === '*') p += 1;
      if (p + 1 === pattern.length) return true;
      for (let i = k; i <= key.length; i += 1) if (matchFrom(pattern, p + 1, key, i)) return true;
      return false;
    }
    if (k >= key.length) return false;
    if (ch === '?') {
      p += 1;
      k += 1;
      continue;
    }
    if (ch === '[') {
      const end = classEnd(pattern, p);
      if (end < 0) {
        // An unclosed '[' is a literal, as in Redis.
        if (key[k] !== '[') return false;
        p += 1;
        k += 1;
        continue;
      }
      if (!classMatches(pattern.slice(p + 1, end), key[k] as string)) return false;
      p = end + 1;
      k += 1;
      continue;
    }
    if (ch === '\\' && p + 1 < pattern.length) p += 1;
    if (pattern[p] !== key[k]) return false;
    p += 1;
    k += 1;
  }
  return k === key.length;
}

function classEnd(pattern: string, open: number): number {
  for (let i = open + 1; i < pattern.length; i += 1) {
    if (pattern[i] === '\\') i += 1;
    else if (pattern[i] === ']' && i > open + 1) return i;
  }
  return -1;
}

function classMatches(body: string, ch: string): boolean {
  let negate = false;
  let i = 0;
  if (body[0] === '^') {
    negate = true;
    i = 1;
  }
  let hit = false;
  while (i < body.length) {
    let c = body[i] as string;
    if (c === '\\' && i + 1 < body.length) {
      i += 1;
      c = body[i] as string;
    }
    if (body[i + 1] === '-' && i + 2 < body.length) {
      let hi = body[i + 2] as string;
      let lo = c;
      if (lo > hi) [lo, hi] = [hi, lo];
      if (ch >= lo && ch <= hi) hit = true;
      i += 3;
      continue;
    }
    if (c === ch) hit = true;
    i += 1;
  }
  return negate ? !hit : hit;
}
