// Signing in to the diagnosed cache with Microsoft Entra: the token's object id as user name, the token as password.
import { describe, expect, it } from 'vitest';
import type { TokenCredential } from '@azure/core-auth';
import { loginEndpoint, objectIdOf, REDIS_TOKEN_SCOPE } from '../../src/azure/redis-login.ts';
import { redact } from '../../src/redact.ts';
import { entraToken } from '../support/entra.ts';

const OID = '5f2b3c1d-9a8e-4b7c-8d6e-0123456789ab';

function credential(answer: () => Promise<{ token: string } | null>, scopes: string[] = []): () => TokenCredential {
  return () => ({
    getToken: async (scope) => {
      scopes.push(...[scope].flat());
      const got = await answer();
      return got ? { token: got.token, expiresOnTimestamp: Date.now() + 3_600_000 } : null;
    },
  });
}

describe('objectIdOf', () => {
  it('reads the oid claim of a JWT', () => {
    expect(objectIdOf(entraToken({ oid: OID }))).toBe(OID);
  });
  it('is null for a token that is not a JWT, has no oid, or an oid that is not an id', () => {
    expect(objectIdOf('opaque-token')).toBeNull();
    expect(objectIdOf(entraToken({ sub: 'x' }))).toBeNull();
    expect(objectIdOf(entraToken({ oid: 'x y <z>' }))).toBeNull();
    expect(objectIdOf('a.!!!.c')).toBeNull();
  });
});

describe('loginEndpoint', () => {
  it('key: the URL as it is, without asking Entra for anything', async () => {
    const scopes: string[] = [];
    const login = await loginEndpoint('rediss://:accesskey@cache.redis.cache.windows.net:6380', 'key', credential(async () => null, scopes));
    expect(login).toMatchObject({ ok: true, endpoint: { host: 'cache.redis.cache.windows.net', port: 6380, tls: true, password: 'accesskey' } });
    expect(scopes).toEqual([]);
  });

  it('entra: asks for the Redis scope, signs in as the object id with the token as password, and masks the token', async () => {
    const token = entraToken({ oid: OID });
    const scopes: string[] = [];
    const login = await loginEndpoint('rediss://cache.redis.cache.windows.net:6380/2', 'entra', credential(async () => ({ token }), scopes));
    expect(scopes).toEqual([REDIS_TOKEN_SCOPE]);
    expect(login).toEqual({
      ok: true,
      endpoint: { host: 'cache.redis.cache.windows.net', port: 6380, tls: true, db: 2, username: OID, password: token },
    });
    expect(redact(`AUTH ${OID} ${token}`)).not.toContain(token);
  });

  it('entra over plain redis:// is refused before any token is fetched: a token never travels unencrypted', async () => {
    const scopes: string[] = [];
    const login = await loginEndpoint('redis://cache.redis.cache.windows.net:6379', 'entra', credential(async () => ({ token: entraToken({ oid: OID }) }), scopes));
    expect(login).toMatchObject({ ok: false, kind: 'invalid-url', reason: expect.stringMatching(/needs TLS: use rediss:\/\//) });
    expect(scopes).toEqual([]);
  });

  it('entra with a password in the URL asks the person to pick one', async () => {
    const login = await loginEndpoint('rediss://:key@cache:6380', 'entra', credential(async () => ({ token: entraToken({ oid: OID }) })));
    expect(login).toMatchObject({ ok: false, kind: 'invalid-url', reason: expect.stringMatching(/use one or the other/) });
  });

  it('no credential (no az login, no managed identity): an auth failure naming host:port, in one sentence per credential tried', async () => {
    const failing = credential(async () => {
      throw new Error(
        'ChainedTokenCredential authentication failed.\nCredentialUnavailableError: EnvironmentCredential is unavailable. No underlying credential could be used.\nCredentialUnavailableError: Azure CLI could not be found. Please visit https://aka.ms/azure-cli.',
      );
    });
    const login = await loginEndpoint('rediss://cache:6380', 'entra', failing);
    expect(login).toEqual({
      ok: false,
      kind: 'auth',
      endpoint: 'cache:6380',
      reason: 'no Microsoft Entra token for Azure Cache for Redis: EnvironmentCredential is unavailable; Azure CLI could not be found',
    });
  });

  it('a token without an object id is an auth failure that says what is missing', async () => {
    const login = await loginEndpoint('rediss://cache:6380', 'entra', credential(async () => ({ token: 'opaque-token-without-claims' })));
    expect(login).toMatchObject({ ok: false, kind: 'auth', endpoint: 'cache:6380', reason: expect.stringMatching(/no object id \(oid claim\)/) });
  });
});
