// Connection failures on real servers: readable reasons, bounded time, and never a password in any message.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { classifyConnectError } from '../../src/redis/connection.ts';
import { openTarget } from '../../src/redis/target.ts';
import { freePort, startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';

const PASSWORD = 'Tr0ub4dor-and-3-horses';
let secured: RedisProcess;
const printed: string[] = [];

beforeAll(async () => {
  secured = await startRedis(['--requirepass', PASSWORD]);
});
afterAll(async () => {
  secured.resume();
  await stopRedis(secured);
});

// Whatever ioredis or Node print while we connect must not hold the password either.
const spies: Array<{ mockRestore(): void }> = [];
beforeAll(() => {
  for (const method of ['log', 'warn', 'error', 'info', 'debug'] as const) {
    spies.push(vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' '))));
  }
});
afterAll(() => {
  for (const spy of spies) spy.mockRestore();
});
afterEach(() => {
  for (const line of printed) expect(line).not.toContain(PASSWORD);
});

function expectNoSecret(value: unknown): void {
  expect(JSON.stringify(value)).not.toContain(PASSWORD);
  expect(JSON.stringify(value)).not.toContain(encodeURIComponent(PASSWORD));
}

describe('openTarget', () => {
  it('connects with the right password and names its connection keyloss', async () => {
    const opened = await openTarget(`redis://:${PASSWORD}@127.0.0.1:${secured.port}`);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    const gateway = await opened.target.gateway(opened.target.address);
    expect(String(await gateway.call('CLIENT', 'INFO'))).toContain('name=keyloss');
    await opened.target.close();
  });

  it('reports a wrong password as an auth failure naming host:port, without the password', async () => {
    const wrong = `${PASSWORD}-wrong`;
    const opened = await openTarget(`redis://:${wrong}@127.0.0.1:${secured.port}`);
    expect(opened).toEqual({
      ok: false,
      kind: 'auth',
      endpoint: `127.0.0.1:${secured.port}`,
      reason: expect.stringMatching(/^WRONGPASS/),
    });
    expect(JSON.stringify(opened)).not.toContain(wrong);
  });

  it('reports a missing password as an auth failure', async () => {
    const opened = await openTarget(`redis://127.0.0.1:${secured.port}`);
    expect(opened).toMatchObject({ ok: false, kind: 'auth', reason: expect.stringMatching(/NOAUTH/) });
  });

  it('reports a closed port as connection refused', async () => {
    const port = await freePort();
    const opened = await openTarget(`redis://:${PASSWORD}@127.0.0.1:${port}`);
    expect(opened).toEqual({ ok: false, kind: 'unreachable', endpoint: `127.0.0.1:${port}`, reason: 'connection refused' });
    expectNoSecret(opened);
  });

  it('gives up on a hung server after the connect timeout', async () => {
    secured.pause();
    try {
      const opened = await openTarget(`redis://:${PASSWORD}@127.0.0.1:${secured.port}`, { connectTimeoutMs: 400, commandTimeoutMs: 300 });
      expect(opened).toMatchObject({ ok: false, kind: 'unreachable', reason: expect.stringMatching(/^timed out after \d+ ms$/) });
      expectNoSecret(opened);
    } finally {
      secured.resume();
    }
  });

  it('fails a command on a server that hangs after connecting, with a timeout and no secret', async () => {
    const opened = await openTarget(`redis://:${PASSWORD}@127.0.0.1:${secured.port}`, { commandTimeoutMs: 300 });
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    const gateway = await opened.target.gateway(opened.target.address);
    secured.pause();
    try {
      const error = await gateway.call('INFO').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(String((error as Error).message)).toMatch(/INFO failed on 127\.0\.0\.1:\d+: Command timed out/);
      expectNoSecret((error as Error).message);
    } finally {
      secured.resume();
      await opened.target.close();
    }
  });

  it('reports a TLS handshake against a plain server as unreachable, suggesting redis://, without the password', async () => {
    const opened = await openTarget(`rediss://:${PASSWORD}@127.0.0.1:${secured.port}`, { connectTimeoutMs: 800 });
    expect(opened).toMatchObject({ ok: false, kind: 'unreachable', reason: 'timed out after 800 ms; if this port does not speak TLS, use redis://' });
    expectNoSecret(opened);
  });

  it('refuses an invalid URL as a value, not an exception', async () => {
    expect(await openTarget('http://127.0.0.1:1')).toMatchObject({ ok: false, kind: 'invalid-url' });
  });
});

describe('classifyConnectError', () => {
  const azure = { host: 'orders.redis.cache.windows.net', port: 6379, tls: false };
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  it('says Azure keeps its non-TLS port off, and which URL to use instead', () => {
    expect(classifyConnectError(refused, 5_000, azure)).toEqual({
      kind: 'unreachable',
      reason: 'connection refused; Azure Cache for Redis keeps the non-TLS port 6379 off by default: use rediss://orders.redis.cache.windows.net:6380',
    });
    expect(classifyConnectError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }), 5_000, azure).reason).toMatch(
      /^timed out after 5000 ms; Azure Cache for Redis keeps the non-TLS port 6379 off by default/,
    );
  });
  it('leaves other hosts, ports and reasons as they are', () => {
    expect(classifyConnectError(refused, 5_000, { host: 'cache.internal', port: 6379, tls: false }).reason).toBe('connection refused');
    expect(classifyConnectError(refused, 5_000, { ...azure, port: 6380, tls: true }).reason).toBe('connection refused');
    expect(classifyConnectError(new Error('WRONGPASS invalid username-password pair'), 5_000, azure)).toEqual({
      kind: 'auth',
      reason: 'WRONGPASS invalid username-password pair',
    });
  });
});
