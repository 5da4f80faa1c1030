// How the app talks to Slack's Web API: every request bounded in time, retried with a stated backoff, and a Slack that
// cannot be reached said in one line with the address and the reason (and once more when that changes), not once per retry.
import { webApi } from '@slack/bolt';
import { redact, redactJson } from '../redact.ts';

export const SLACK_API_URL = 'https://slack.com/api/';

/** The WebClient's retries (p-retry options): 1 s, 2 s, 4 s … at most 60 s between attempts, without jitter so the line can say it. */
export const RETRY = { retries: 10, factor: 2, minTimeout: 1_000, maxTimeout: 60_000, randomize: false } as const;
/** Socket Mode keeps asking for a connection URL far longer: the app is useless without one. */
export const SOCKET_RETRY = { ...RETRY, retries: 100 } as const;
export const BACKOFF = 'retrying with backoff (1 s, 2 s, 4 s … at most 60 s apart)';

const CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
};

/** Why a request to Slack failed, as a short phrase: the system error under undici's "fetch failed", never its message alone. */
export function transportReason(error: unknown, timeoutMs: number): string {
  let deepest = error;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    deepest = e;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${formatSeconds(timeoutMs)}`;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (CODES[code]) return `${CODES[code]} (${code})`;
      if (code.includes('CERT') || code.startsWith('ERR_TLS')) return `TLS certificate problem (${code})`;
      if (!code.startsWith('UND_ERR')) return code;
    }
  }
  // undici's own message is "fetch failed"; what failed is in its cause.
  return redact(deepest instanceof Error ? deepest.message : String(deepest));
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

export interface SlackTransport {
  /** The fetch every WebClient of the app uses. */
  fetch: typeof fetch;
  /** WebClient options: this fetch, the timeout and the retries. */
  clientOptions(retryConfig?: typeof RETRY | typeof SOCKET_RETRY): { slackApiUrl: string; fetch: typeof fetch; timeout: number; retryConfig: typeof RETRY | typeof SOCKET_RETRY };
  /** Whether the last request reached Slack. */
  reachable(): boolean;
  /** Slack was found unreachable by a request already reported (the start line): count it, do not say it again. */
  noteDown(reason: string): void;
}

/** A form value or a JSON text redacted; JSON (blocks, metadata) is parsed so that an escaped secret is found too. */
function redactText(text: string): string {
  const start = text.trimStart()[0];
  if (start === '{' || start === '[') {
    try {
      return JSON.stringify(redactJson(JSON.parse(text)));
    } catch {
      // Not JSON after all: redacted as text.
    }
  }
  return redact(text);
}

/**
 * The one redaction point of every call to Slack: every WebClient method (chat.*, views.*, files.*) and respond() send
 * their body through this fetch, so no configured secret or URL credential reaches Slack whichever path built it.
 * The form's `token` is the call's own credential and stays; uploaded bytes (a Buffer or Blob) are not text.
 */
export function redactRequest(init: RequestInit | undefined): RequestInit | undefined {
  const body = init?.body;
  if (typeof body === 'string') {
    const type = new Headers(init?.headers).get('content-type') ?? '';
    if (!type.includes('application/x-www-form-urlencoded')) return { ...init, body: redactText(body) };
    const form = new URLSearchParams(body);
    const out = new URLSearchParams();
    for (const [name, value] of form) out.append(name, name === 'token' ? value : redactText(value));
    return { ...init, body: out.toString() };
  }
  if (body instanceof FormData) {
    const out = new FormData();
    for (const [name, value] of body) {
      if (typeof value === 'string') out.append(name, name === 'token' ? value : redactText(value));
      else out.append(name, value, value.name);
    }
    return { ...init, body: out };
  }
  return init;
}

/**
 * `write` gets one line when Slack stops answering (address, reason, backoff), one when the reason changes and one when it
 * answers again; the failures between are counted, not printed.
 */
export function createSlackTransport(options: { apiUrl: string | null; timeoutMs: number; write: (line: string) => void; now?: () => number }): SlackTransport {
  const apiUrl = options.apiUrl ?? SLACK_API_URL;
  const now = options.now ?? Date.now;
  // The address may carry credentials (https://user:secret@host/api/): every line is redacted.
  const write = (line: string) => options.write(redact(line));
  let down: { reason: string; since: number; failures: number } | null = null;
  const failed = (reason: string) => {
    if (down && down.reason === reason) {
      down.failures += 1;
      return;
    }
    write(`keyloss: Slack's API at ${apiUrl} cannot be reached: ${reason}; ${BACKOFF}${down ? ` (${down.failures} failed so far)` : ''}`);
    down = { reason, since: down?.since ?? now(), failures: (down?.failures ?? 0) + 1 };
  };
  const answered = () => {
    if (!down) return;
    write(`keyloss: Slack's API at ${apiUrl} answers again, after ${down.failures} failed request(s) over ${formatSeconds(Math.max(0, now() - down.since))}`);
    down = null;
  };
  const wrapped: typeof fetch = async (input, init) => {
    try {
      const response = await globalThis.fetch(input, redactRequest(init));
      if (response.status >= 500) failed(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
      else answered();
      return response;
    } catch (error) {
      failed(transportReason(error, options.timeoutMs));
      throw error;
    }
  };
  return {
    fetch: wrapped,
    clientOptions: (retryConfig = RETRY) => ({ slackApiUrl: apiUrl, fetch: wrapped, timeout: options.timeoutMs, retryConfig }),
    reachable: () => down === null,
    noteDown: (reason) => {
      down = { reason, since: now(), failures: 1 };
    },
  };
}

/**
 * What `auth.test` says at start, as the one line that opens the log: the workspace and the bot, or the address and
 * why not. One attempt; the app's own clients keep retrying, and `transport` will not repeat the same reason.
 */
export async function reachSlack(botToken: string, transport: SlackTransport, apiUrl: string | null): Promise<string> {
  const timeout = transport.clientOptions().timeout;
  const client = new webApi.WebClient(botToken, {
    slackApiUrl: apiUrl ?? SLACK_API_URL,
    timeout,
    retryConfig: { retries: 0 },
    logger: silentLogger(),
  });
  const where = apiUrl ?? SLACK_API_URL;
  try {
    const result = await client.auth.test();
    const workspace = result.team ? `workspace "${result.team}"${result.team_id ? ` (${result.team_id})` : ''}` : `team ${result.team_id ?? 'unknown'}`;
    const bot = result.user ? `@${result.user}${result.user_id ? ` (${result.user_id})` : ''}` : (result.user_id ?? 'unknown');
    return `keyloss: reached Slack at ${where}: ${workspace}, bot ${bot}`;
  } catch (error) {
    const code = (error as { code?: unknown; data?: { error?: unknown } }).data?.error;
    if (typeof code === 'string') {
      const hint = ['invalid_auth', 'not_authed', 'token_revoked', 'account_inactive', 'token_expired'].includes(code) ? ': check SLACK_BOT_TOKEN' : '';
      return `keyloss: Slack at ${where} refused the bot token (${code})${hint}`;
    }
    const reason = transportReason((error as { original?: unknown }).original ?? error, timeout);
    transport.noteDown(reason);
    return `keyloss: could not reach Slack at ${where}: ${reason}; the app keeps ${BACKOFF}`;
  }
}

function silentLogger(): webApi.Logger {
  const nothing = (): void => undefined;
  return { debug: nothing, info: nothing, warn: nothing, error: nothing, setLevel: nothing, getLevel: () => webApi.LogLevel.ERROR, setName: nothing };
}
