// Turns what Azure answered (401, 403, 404, 429, timeouts, bad shapes) into one readable sentence, and retries a short throttle once.
import type { z } from 'zod';
import { describeError } from '../redact.ts';

/** What a call was doing, for the sentence: "reading metrics of cache-1", role "Monitoring Reader". */
export interface AzureCall {
  what: string;
  /** The built-in role that grants this read. */
  role: 'Monitoring Reader' | 'Reader';
  /** Endpoint host the call went to (no path, no query). */
  host: string;
  resourceId: string;
}

export class AzureThrottled extends Error {
  constructor(readonly retryAfterSeconds: number | null) {
    super(`throttled by Azure, retry after ${retryAfterSeconds ?? 'a few'} s`);
    this.name = 'AzureThrottled';
  }
}

/** Azure answered, but not in the documented shape. */
export class AzureShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AzureShapeError';
  }
}

interface RestLike {
  name: string;
  message: string;
  statusCode?: number;
  code?: string;
  response?: { headers?: { get(name: string): string | undefined } };
}

function asRestLike(error: unknown): RestLike | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as Partial<RestLike>;
  return typeof e.name === 'string' && typeof e.message === 'string' ? (e as RestLike) : null;
}

export function statusOf(error: unknown): number | null {
  const e = asRestLike(error);
  return e && typeof e.statusCode === 'number' ? e.statusCode : null;
}

/** Milliseconds from Retry-After (seconds or an HTTP date) or retry-after-ms / x-ms-retry-after-ms; null when absent. */
export function retryAfterMs(error: unknown, now = Date.now()): number | null {
  const headers = asRestLike(error)?.response?.headers;
  if (!headers) return null;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = Number(headers.get(name));
    if (headers.get(name) && Number.isFinite(ms) && ms >= 0) return ms;
  }
  const value = headers.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}

/**
 * Runs an Azure call; on 429 waits out a Retry-After no longer than `maxWaitMs` and tries once more,
 * otherwise fails with AzureThrottled naming the wait.
 */
export async function withThrottleRetry<T>(call: () => Promise<T>, options: { signal: AbortSignal; maxWaitMs: number }): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (statusOf(error) !== 429) throw error;
    const waitMs = retryAfterMs(error);
    if (waitMs === null || waitMs > options.maxWaitMs) throw new AzureThrottled(waitMs === null ? null : Math.ceil(waitMs / 1000));
    await sleep(waitMs, options.signal);
    try {
      return await call();
    } catch (again) {
      if (statusOf(again) !== 429) throw again;
      const next = retryAfterMs(again);
      throw new AzureThrottled(next === null ? null : Math.ceil(next / 1000));
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason ?? new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** One redacted sentence: what failed, where, and what to do about it. */
export function explainAzureError(error: unknown, call: AzureCall, signal?: AbortSignal): string {
  const where = `at ${call.host}`;
  if (error instanceof AzureThrottled) return `${call.what} ${where}: ${error.message}`;
  if (error instanceof AzureShapeError) return `${call.what} ${where}: ${describeError(error)}`;
  const e = asRestLike(error);
  if (signal?.aborted || e?.name === 'AbortError') return `${call.what} ${where} timed out (no answer within the check's budget)`;
  const status = statusOf(error);
  const detail = firstLine(describeError(error));
  switch (status) {
    case 401:
      return `${call.what} ${where}: Azure did not accept the credential (401): sign in again (az login) or check the managed identity; ${detail}`;
    case 403:
      return `${call.what} ${where}: access denied (403): give this identity the "${call.role}" role on the cache or its resource group; ${detail}`;
    case 404:
      return `${call.what} ${where}: resource not found (404): check the resource id ${call.resourceId} and the subscription; ${detail}`;
    case 429:
      return `${call.what} ${where}: ${new AzureThrottled(null).message}`;
    case null:
      break;
    default:
      if (e?.code === 'PARSE_ERROR') return `${call.what} ${where}: Azure's answer was not valid JSON (HTTP ${status})`;
      return `${call.what} ${where} failed with HTTP ${status}: ${detail}`;
  }
  if (e?.code === 'PARSE_ERROR') return `${call.what} ${where}: Azure's answer was not valid JSON`;
  if (e?.code && /^E[A-Z]+/.test(e.code)) return `${call.what}: could not reach ${call.host} (${e.code}): ${detail}`;
  return `${call.what} ${where} failed: ${detail}`;
}

/** Names where a parsed answer departs from the expected shape, for AzureShapeError. */
export function shapeProblem(what: string, error: z.ZodError): AzureShapeError {
  const first = error.issues[0];
  const path = first?.path.length ? first.path.join('.') : '(root)';
  return new AzureShapeError(`Azure's answer to ${what} had an unexpected shape at ${path}: ${first?.message ?? 'invalid'}`);
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim()) ?? text;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
