// Targets as Azure users hold them: raw access keys in URLs, the portal's StackExchange.Redis connection string;
// the secret registered before anything prints, unparseable text never echoed, URL credentials masked whatever they hold.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { redact } from '../../src/redact.ts';
import { parseRedisUrl } from '../../src/redis/url.ts';
import { runDiagnose } from '../support/keyloss-cli.ts';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';

afterAll(() => stopAllRedis());

const AZURE_KEY = 'Xk3p9/Qw7+Zr1TyUb8Nc2Lm5Vd0Hs4Ja6Ef=';

describe('URLs with raw passwords', () => {
  it('an Azure access key with / + = pasted unencoded', () => {
    const parsed = parseRedisUrl(`rediss://:${AZURE_KEY}@mycache.redis.cache.windows.net:6380`);
    expect(parsed).toEqual({ ok: true, endpoint: { host: 'mycache.redis.cache.windows.net', port: 6380, tls: true, db: 0, username: null, password: AZURE_KEY } });
    expect(redact(`failed with ${AZURE_KEY}`)).not.toContain(AZURE_KEY);
  });
  it('a password holding @ : / % # ?, up to the last @', () => {
    const parsed = parseRedisUrl('redis://alice:p@ss:w/rd%40#?@cache.local:6390/2');
    expect(parsed).toEqual({ ok: true, endpoint: { host: 'cache.local', port: 6390, tls: false, db: 2, username: 'alice', password: 'p@ss:w/rd%40#?' } });
  });
  it('an encoded password is still decoded', () => {
    const parsed = parseRedisUrl(`rediss://:${encodeURIComponent(AZURE_KEY)}@h.example:6380`);
    expect(parsed.ok && parsed.endpoint.password).toBe(AZURE_KEY);
  });
  it('text that cannot be parsed has its secret registered and is never repeated', () => {
    const secret = 'Zq9/unparseable+Secret=';
    const parsed = parseRedisUrl(`rediss://:${secret}@`);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason).not.toContain(secret);
    expect(redact(`the answer was rediss://:${secret}@`)).not.toContain(secret);
  });
});

describe('the StackExchange.Redis connection string from the portal', () => {
  it('host:port,password=…,ssl=True,abortConnect=False with user= and defaultDatabase=', () => {
    const text = `mycache.redis.cache.windows.net:6380,password=${AZURE_KEY},ssl=True,abortConnect=False,user=app,defaultDatabase=3`;
    expect(parseRedisUrl(text)).toEqual({ ok: true, endpoint: { host: 'mycache.redis.cache.windows.net', port: 6380, tls: true, db: 3, username: 'app', password: AZURE_KEY } });
    expect(redact(`connecting with ${text}`)).not.toContain(AZURE_KEY);
    expect(redact('x,password=an0therSecret,ssl=False')).toBe('x,password=***,ssl=False');
  });
  it('without a port: 6380 with ssl=True, 6379 without', () => {
    expect(parseRedisUrl('c.example,password=abcd1234,ssl=True')).toMatchObject({ ok: true, endpoint: { port: 6380, tls: true } });
    expect(parseRedisUrl('c.example,password=abcd1234')).toMatchObject({ ok: true, endpoint: { port: 6379, tls: false } });
  });
});

describe('URL credentials are masked whatever a password holds', () => {
  it('every character but whitespace', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).filter((pw) => !/\s/.test(pw)), (password) => {
        expect(redact(`redis://user:${password}@host:6379`)).toBe('redis://user:***@host:6379');
      }),
      { numRuns: 300 },
    );
  });
});

describe('keyloss diagnose', () => {
  it('takes a raw Azure-style key in --redis, signs in with it, and prints it nowhere', async () => {
    const redis = await startRedis(['--requirepass', AZURE_KEY]);
    const url = `redis://:${AZURE_KEY}@127.0.0.1:${redis.port}`;
    const run = await runDiagnose(['--redis', url, '--key', 'session:1', '--json', '--rate-interval', '100']);
    expect(run.stderr).not.toMatch(/not a URL/);
    expect(run.code).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toContain(AZURE_KEY);
    const connectionString = `127.0.0.1:${redis.port},password=${AZURE_KEY},ssl=False,abortConnect=False`;
    const viaString = await runDiagnose(['--redis', connectionString, '--key', 'session:1', '--json', '--rate-interval', '100']);
    expect(viaString.code).toBe(0);
    expect(`${viaString.stdout}${viaString.stderr}`).not.toContain(AZURE_KEY);
  }, 60_000);
});
