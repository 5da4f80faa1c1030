// Azure credentials: one token fetch shared by every Azure check, every token registered as a secret.
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { registerSecret } from '../redact.ts';

/**
 * The credential of a process that was not given one: DefaultAzureCredential (a managed identity in Azure, `az login`
 * on a laptop). Commands build it once at start (src/azure/context.ts azureAccess) and pass it down; tests inject theirs.
 * @azure/identity is loaded on the first token asked for, so a process that never reaches Azure does not load it.
 */
export function defaultAzureCredential(): TokenCredential {
  let inner: Promise<TokenCredential> | null = null;
  return {
    async getToken(scopes, options) {
      inner ??= import('@azure/identity').then(({ DefaultAzureCredential }) => new DefaultAzureCredential());
      return (await inner).getToken(scopes, options);
    },
  };
}

// Refresh a little before expiry so a long investigation never sends an expired token.
const EXPIRY_MARGIN_MS = 2 * 60_000;
// A credential that just failed (no az login, no managed identity) fails the same way for a while;
// without this, each check would walk DefaultAzureCredential's whole chain again.
const FAILURE_MEMORY_MS = 30_000;

/** Wraps a credential so concurrent callers share one fetch per scope set, and masks every token it hands out. */
export function sharedTokenCredential(inner: TokenCredential): TokenCredential {
  const cache = new Map<string, { promise: Promise<AccessToken | null>; until: number }>();
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      const key = [scopes].flat().sort().join(' ');
      const now = Date.now();
      let entry = cache.get(key);
      if (!entry || entry.until <= now) {
        // The caller's abort signal is not passed on: the fetch is shared, and one caller giving up must not fail the others.
        const promise = inner.getToken(scopes, { tenantId: options?.tenantId, claims: options?.claims }).then(
          (token) => {
            if (token) {
              registerSecret(token.token);
              cache.set(key, { promise, until: token.expiresOnTimestamp - EXPIRY_MARGIN_MS });
            }
            return token;
          },
          (error: unknown) => {
            cache.set(key, { promise, until: Date.now() + FAILURE_MEMORY_MS });
            throw error;
          },
        );
        entry = { promise, until: Number.POSITIVE_INFINITY };
        cache.set(key, entry);
      }
      return abortable(entry.promise, options?.abortSignal);
    },
  };
}

function abortable<T>(promise: Promise<T>, signal: GetTokenOptions['abortSignal']): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new Error('the Azure token request was cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('the Azure token request was cancelled'));
    signal.addEventListener('abort', onAbort);
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * DefaultAzureCredential fails with one line per credential it tried; keep the first sentence of each,
 * so the reason says at a glance that there is no `az login` and no managed identity here.
 */
export function summarizeCredentialFailure(message: string): string {
  const tried = message
    .split('\n')
    .map((line) => line.replace(/^\s*(CredentialUnavailableError|AuthenticationError|AggregateAuthenticationError):\s*/, '').trim())
    .filter((line) => line && !/^ChainedTokenCredential authentication failed/.test(line))
    .map((line) => (/^(.{8,}?)[.!](\s|$)/.exec(line)?.[1] ?? line).slice(0, 100));
  const text = tried.length ? tried.join('; ') : message.trim();
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
