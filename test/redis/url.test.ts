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

  it('reads IPv6 hosts', () => {
    const parsed = parseRedisUrl('redis://[::1]:7000');
    expect(parsed.ok && parsed.endpoint.host).toBe('::1');
    expect(parsed.ok && describeEndpoint(parsed.endpoint)).toBe('[::1]:7000');
    expect(parseAddress('[::1]:7000')).toEqual({ host: '::1', port: 7000 });
  });

  it('refuses what is not a Redis URL, without echoing it', () => {
    for (const bad of ['http://h:1', 'cache:6379', 'redis://:pw@h:6379/x', 'redis://h:99999', 'not a url hunter2']) {
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
