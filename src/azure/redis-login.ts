// How keyloss signs in to the diagnosed cache: the credentials in its URL (an access key), or Microsoft Entra ID,
// where the user name is the identity's object id and the password a token for Azure Cache for Redis.
import type { TokenCredential } from '@azure/core-auth';
import { describeError, registerSecret } from '../redact.ts';
import { describeEndpoint, parseRedisUrl, type RedisEndpoint } from '../redis/url.ts';
import { summarizeCredentialFailure } from './credential.ts';

export const REDIS_AUTHS = ['key', 'entra'] as const;
/** `key`: whatever the URL carries (an access key, an ACL user, nothing). `entra`: a Microsoft Entra token. */
export type RedisAuth = (typeof REDIS_AUTHS)[number];

/** The scope Azure Cache for Redis and Azure Managed Redis accept Entra tokens for. */
export const REDIS_TOKEN_SCOPE = 'https://redis.azure.com/.default';

export type LoginEndpoint =
  | { ok: true; endpoint: RedisEndpoint }
  | { ok: false; kind: 'auth'; endpoint: string; reason: string }
  | { ok: false; kind: 'invalid-url'; endpoint: null; reason: string };

/** The endpoint to connect to, credentials included; for `entra`, a token is fetched from `credential()`. */
export async function loginEndpoint(url: string, auth: RedisAuth, credential: () => TokenCredential): Promise<LoginEndpoint> {
  const parsed = parseRedisUrl(url);
  if (!parsed.ok) return { ok: false, kind: 'invalid-url', endpoint: null, reason: parsed.reason };
  const endpoint = parsed.endpoint;
  if (auth === 'key') return { ok: true, endpoint };
  if (!endpoint.tls) {
    return { ok: false, kind: 'invalid-url', endpoint: null, reason: 'Microsoft Entra sign-in sends a token, so it needs TLS: use rediss:// (Azure: port 6380, Azure Managed Redis: 10000)' };
  }
  if (endpoint.password !== null) {
    return { ok: false, kind: 'invalid-url', endpoint: null, reason: 'the URL carries a password and Microsoft Entra sign-in was asked for: use one or the other' };
  }
  const where = describeEndpoint(endpoint);
  let token: string;
  try {
    const got = await credential().getToken(REDIS_TOKEN_SCOPE);
    if (!got) return { ok: false, kind: 'auth', endpoint: where, reason: 'Microsoft Entra gave no token for Azure Cache for Redis' };
    token = got.token;
  } catch (error) {
    return { ok: false, kind: 'auth', endpoint: where, reason: `no Microsoft Entra token for Azure Cache for Redis: ${summarizeCredentialFailure(describeError(error))}` };
  }
  registerSecret(token);
  const objectId = objectIdOf(token);
  if (objectId === null) {
    return { ok: false, kind: 'auth', endpoint: where, reason: 'the Microsoft Entra token names no object id (oid claim), which Azure expects as the Redis user name' };
  }
  return { ok: true, endpoint: { ...endpoint, username: objectId, password: token } };
}

/** The `oid` claim of a JWT access token: the identity's object id. Null when the token is not a JWT or has none. */
export function objectIdOf(token: string): string | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const oid = typeof claims === 'object' && claims !== null ? (claims as { oid?: unknown }).oid : undefined;
    return typeof oid === 'string' && /^[0-9a-f-]{8,64}$/i.test(oid) ? oid : null;
  } catch {
    return null;
  }
}
