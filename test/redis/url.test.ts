import { describe, expect, it } from 'vitest';
import { redact } from '../../src/redact.ts';
import { describeEndpoint, parseAddress, parseRedisUrl } from '../../src/redis/url.ts';

describe('parseRedisUrl', () => {
  it('reads host, port, db and credentials', () => {
    expect(parseRedisUrl('redis://app:s3cret-pass@cache.local:6390/4')).toEqual({
      ok: true,
      endpoint: { host: 'cache.local', port: 6390, tls: false, db: 4, username: 'app', password: 's3cret-pass' },
    });
  });

  it('defaults to 6379, and to 6380 with TLS (Azure)', () => {
    const plain = parseRedisUrl('redis://127.0.0.1');
    const tls = parseRedisUrl('rediss://:key@mycache.redis.cache.windows.net');
    expect(plain.ok && plain.endpoint).toMatchObject({ port: 6379, tls: false, db: 0, username: null, password: null });
    expect(tls.ok && tls.endpoint).toMatchObject({ host: 'mycache.redis.cache.windows.net', port: 6380, tls: true, password: 'key' });
  });

  it('decodes percent-encoded passwords and registers both forms as secrets', () => {
    const parsed = parseRedisUrl('redis://:p%40ss%2Fw0rd@h:1');
    expect(parsed.ok && parsed.endpoint.password).toBe('p@ss/w0rd');
    expect(redact('login with p@ss/w0rd failed; raw p%40ss%2Fw0rd')).toBe('login with *** failed; raw ***');
  });

  it('registers an access-key-like user name as a secret, but not an ordinary one', () => {
    const key = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0';
    parseRedisUrl(`rediss://${key}:another-secret@h:6380`);
    parseRedisUrl('redis://orders-service:pw12345@h:6379');
    expect(redact(`user ${key}`)).toBe('user ***');
    expect(redact('user orders-service')).toBe('user orders-service');
  });

  it('reads host:port without a scheme as redis://, and Azure\'s TLS ports as rediss://', () => {
    expect(parseRedisUrl('127.0.0.1:7412')).toEqual({ ok: true, endpoint: { host: '127.0.0.1', port: 7412, tls: false, db: 0, username: null, password: null } });
    expect(parseRedisUrl('localhost:7412/3')).toEqual({ ok: true, endpoint: { host: 'localhost', port: 7412, tls: false, db: 3, username: null, password: null } });
    expect(parseRedisUrl('[::1]:7000')).toMatchObject({ ok: true, endpoint: { host: '::1', port: 7000, tls: false } });
    expect(parseRedisUrl('mycache.redis.cache.windows.net:6380')).toMatchObject({ ok: true, endpoint: { port: 6380, tls: true } });
    expect(parseRedisUrl('orders.westeurope.redis.azure.net:10000')).toMatchObject({ ok: true, endpoint: { port: 10000, tls: true } });
    expect(parseRedisUrl('orders.westeurope.redisenterprise.cache.azure.net:10000')).toMatchObject({ ok: true, endpoint: { tls: true } });
    // Azure's non-TLS port, and any other host: as written.
    expect(parseRedisUrl('mycache.redis.cache.windows.net:6379')).toMatchObject({ ok: true, endpoint: { port: 6379, tls: false } });
    expect(parseRedisUrl('cache.internal:6380')).toMatchObject({ ok: true, endpoint: { tls: false } });
    expect(parseRedisUrl('localhost:99999')).toEqual({ ok: false, reason: 'port 99999 is not a port number; ports go from 1 to 65535' });
    // The portal's connection string and full URLs are read as before.
    expect(parseRedisUrl('mycache.redis.cache.windows.net:6380,password=abc,ssl=True')).toMatchObject({ ok: true, endpoint: { tls: true, password: 'abc' } });
    expect(parseRedisUrl('rediss://:k@mycache.redis.cache.windows.net:6380')).toMatchObject({ ok: true, endpoint: { tls: true, password: 'k' } });
  });

  it('reads IPv6 hosts', () => {
    const parsed = parseRedisUrl('redis://[::1]:7000');
    expect(parsed.ok && parsed.endpoint.host).toBe('::1');
    expect(parsed.ok && describeEndpoint(parsed.endpoint)).toBe('[::1]:7000');
    expect(parseAddress('[::1]:7000')).toEqual({ host: '::1', port: 7000 });
  });

  it('refuses what is not a Redis URL, without echoing it', () => {
    for (const bad of ['http://h:1', 'cache:', 'cache:6379:1', 'redis://:pw@h:6379/x', 'redis://h:99999', 'not a url hunter2']) {
      const parsed = parseRedisUrl(bad);
      expect(parsed.ok, bad).toBe(false);
      if (!parsed.ok) expect(parsed.reason).not.toContain('hunter2');
    }
  });

  it('names endpoints as host:port', () => {
    expect(describeEndpoint({ host: 'cache.local', port: 6380 })).toBe('cache.local:6380');
    expect(parseAddress('10.0.0.5:15001')).toEqual({ host: '10.0.0.5', port: 15001 });
  });
});
