// Keeps secrets out of every output: known secret values, URL credentials and bearer tokens are masked.
import { systemErrorWords } from './domain/system-errors.ts';

const secrets = new Set<string>();

/** Remembers a secret value (a password, access key or token) so that `redact` masks it wherever it appears. */
export function registerSecret(value: string | undefined | null): void {
  // Very short values would mask ordinary words; real secrets are longer.
  if (value && value.length >= 4) secrets.add(value);
}

// User info runs to the last "@" before a space: a raw password may hold / : @ # ? and anything else.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*)(:\S*)?@/gi;
// StackExchange.Redis connection strings: password=… up to the next comma.
const CONNECTION_STRING_PASSWORD = /\b(password|pwd)\s*=\s*[^,\s]+/gi;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g;
const SLACK_TOKEN = /\bx(?:ox[abposr]|app)-[A-Za-z0-9-]{8,}/g;
const AUTH_ARGS = /\b(AUTH|HELLO\s+\d+\s+AUTH)(\s+\S+){1,2}/gi;

/** Masks every registered secret, credentials in URLs, bearer tokens, Slack tokens and AUTH arguments. */
export function redact(text: string): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('***');
  }
  return out
    .replace(URL_CREDENTIALS, (_m, scheme: string, user: string, pass?: string) =>
      pass ? `${scheme}${user ? `${user}:` : ':'}***@` : `${scheme}***@`,
    )
    .replace(CONNECTION_STRING_PASSWORD, '$1=***')
    .replace(BEARER, '$1***')
    .replace(SLACK_TOKEN, 'x***')
    .replace(AUTH_ARGS, '$1 ***');
}

/**
 * Remembers the password in a URL (`https://user:secret@host/`, `rediss://:secret@host`), raw and percent-decoded.
 * The user name is not registered (it may be an ordinary word); URL_CREDENTIALS masks it wherever the URL is printed.
 */
export function registerUrlCredentials(url: string | undefined | null): void {
  if (!url) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return;
  }
  registerSecret(parsed.password);
  try {
    registerSecret(decodeURIComponent(parsed.password));
  } catch {
    // A malformed escape: the raw form is registered.
  }
}

/** Every string in a JSON value redacted, keys and structure kept: for bodies sent to Slack. */
export function redactJson(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(redactJson);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactJson(v)]));
  return value;
}

/** The one way a log line leaves the process: redacted, then written (stderr unless told). */
export function logLine(line: string, write: (text: string) => void = (text) => process.stderr.write(text)): void {
  write(`${redact(line)}\n`);
}

/** A readable, redacted message for any thrown value; a system error in keyloss's words (src/domain/system-errors.ts). */
export function describeError(error: unknown): string {
  const words = systemErrorWords(error);
  if (words !== null) return words;
  if (error instanceof Error) return redact(error.message || error.name);
  return redact(String(error));
}
