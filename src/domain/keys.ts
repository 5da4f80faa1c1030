// Key names and patterns: exact keys from the query, glob escaping, and the siblings of a missing key (pure).
const GLOB_SPECIAL = /[*?[\]\\]/g;

export function escapeGlob(text: string): string {
  return text.replace(GLOB_SPECIAL, (ch) => `\\${ch}`);
}

/** The exact key an engineer typed, with glob escapes (`a\*b`) removed: the name to send to EXISTS. */
export function literalKey(key: string): string {
  return key.replace(/\\([*?[\]\\])/g, '$1');
}

/**
 * The siblings of a missing exact key, as a SCAN pattern: the last segment after `:`, `.`, `-` or `_` becomes `*`
 * (`session:17` → `session:*`). Null when the key has no such separator, or ends with one.
 */
export function siblingPattern(key: string): string | null {
  const literal = literalKey(key);
  const at = Math.max(literal.lastIndexOf(':'), literal.lastIndexOf('.'), literal.lastIndexOf('-'), literal.lastIndexOf('_'));
  if (at <= 0 || at === literal.length - 1) return null;
  return `${escapeGlob(literal.slice(0, at + 1))}*`;
}

/** Commands that remove keys or hash fields by name, as INFO commandstats, CLIENT LIST `cmd=` and SLOWLOG name them. */
export const DELETING_COMMANDS = ['del', 'unlink', 'getdel', 'hdel'] as const;

/** Commands that empty a database, or all of them. */
export const FLUSHING_COMMANDS = ['flushdb', 'flushall'] as const;

/** Commands that remove keys or fields, now or by setting an expiry. */
export const REMOVING_COMMANDS = [...DELETING_COMMANDS, ...FLUSHING_COMMANDS, 'expire', 'pexpire', 'expireat', 'pexpireat'] as const;

const isOneOf = (commands: readonly string[]) => (name: string): boolean => commands.includes(name.toLowerCase());

/** Any case: DEL, del and Del are the same command to Redis. */
export const isRemovingCommand = isOneOf(REMOVING_COMMANDS);
export const isDeletingCommand = isOneOf(DELETING_COMMANDS);
export const isFlushingCommand = isOneOf(FLUSHING_COMMANDS);
