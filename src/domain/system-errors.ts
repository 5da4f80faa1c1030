// Node's system errors (ENOENT, ECONNREFUSED, …) in keyloss's words: a person reads "connection refused", not
// "connect ECONNREFUSED 127.0.0.1:1" or "ENOENT: no such file or directory, open '…'". The caller says what it tried.
const WORDS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EMFILE: 'too many open files',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EADDRINUSE: 'the address is already in use',
};

/** The words for a Node system error (one with a `code` Node's messages start or carry), or null for any other error. */
export function systemErrorWords(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  return WORDS[code] ?? null;
}
