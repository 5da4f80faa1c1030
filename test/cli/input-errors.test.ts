// What an engineer typed, wrong, at 3 a.m.: every connection and argument error is one sentence about the input, with
// what is accepted, never a library's internals; a db the server does not have is said as such (exit 2).
import { createServer, type Server } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSince } from '../../src/runbook/formats.ts';
import { oneLine, runDiagnose as keyloss, runKeyloss } from '../support/keyloss-cli.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';

let redis: RedisProcess;
let http: Server;
let httpPort: number;

beforeAll(async () => {
  redis = await startRedis();
  const app = new Redis(redis.url);
  await app.select(4);
  await app.set('session:17', 'in db 4');
  await app.quit();
  http = createServer((_req, res) => res.writeHead(400).end('Bad Request'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  httpPort = typeof address === 'object' && address ? address.port : 0;
});

afterAll(async () => {
  http?.close();
  await stopAllRedis();
});

describe('keyloss diagnose: errors about the input', () => {
  it('a db the server does not have: exit 2, the number of databases it has, never "SELECT is not available"', async () => {
    const run = await keyloss(['--redis', redis.url, '--key', 'session:17', '--db', '99']);
    expect(oneLine(run, 2)).toBe('keyloss diagnose: --db: db 99 does not exist on this server (16 databases: 0 to 15)');
    expect(run.stdout).toBe('');
    // A db that exists is searched as before.
    const ok = await keyloss(['--redis', redis.url, '--key', 'session:17', '--db', '4', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).key.present).toBe(true);
  });

  it('a port where an HTTP server listens: a sentence about the port, not an ioredis internal', async () => {
    const line = oneLine(await keyloss(['--redis', `redis://127.0.0.1:${httpPort}`, '--key', 'a']), 3);
    expect(line).toMatch(new RegExp(`^keyloss diagnose: The cache at 127\\.0\\.0\\.1:${httpPort} could not be reached: .*is this the port of a Redis server`));
    expect(line).not.toMatch(/Stream isn't writeable|enableOfflineQueue|Protocol error/);
  });

  it('--redis takes host:port as redis-cli names a cache: 127.0.0.1:<port>, localhost:<port>/<db>', async () => {
    for (const address of [`127.0.0.1:${redis.port}`, `localhost:${redis.port}`]) {
      const run = await keyloss(['--redis', address, '--key', 'session:17', '--db', '4', '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ target: { port: redis.port, db: 4, tls: false }, key: { present: true } });
    }
    const withDb = await keyloss(['--redis', `localhost:${redis.port}/4`, '--key', 'session:17', '--json']);
    expect(JSON.parse(withDb.stdout)).toMatchObject({ target: { db: 4 }, key: { present: true } });
  });

  it('a port out of range is named as such, not "not a URL"', async () => {
    expect(oneLine(await keyloss(['--redis', 'redis://127.0.0.1:99999', '--key', 'a']), 2)).toBe(
      'keyloss diagnose: --redis: port 99999 is not a port number; ports go from 1 to 65535',
    );
  });

  it('values starting with "-" reach their parser: the answer says what is wrong with the value, not that it is missing', async () => {
    expect(oneLine(await keyloss(['--key', 'a', '--since', '-5m']), 2)).toBe('keyloss diagnose: --since: “-5m” has a sign: a duration already counts back from now, so write 5m.');
    expect(oneLine(await keyloss(['--key', 'a', '--db', '-1']), 2)).toMatch(/^keyloss diagnose: --db: “-1” is not a database number\. Use a whole number from 0/);
    expect(oneLine(await keyloss(['--key', 'a', '--rate-interval', '-1']), 2)).toMatch(/^keyloss diagnose: --rate-interval: "-1" is not a time in milliseconds/);
    // A flag with no value at all still says so.
    expect(oneLine(await keyloss(['--key', 'a', '--since']), 2)).toMatch(/--since needs a value/);
  });

  it('--since takes a time of day, in UTC, today (yesterday when that time has not come yet)', async () => {
    const now = new Date('2026-12-01T10:30:00Z');
    expect(parseSince('05:00', now)).toEqual({ ok: true, date: new Date('2026-12-01T05:00:00Z') });
    expect(parseSince('05:00:30 UTC', now)).toEqual({ ok: true, date: new Date('2026-12-01T05:00:30Z') });
    expect(parseSince('23:15', now)).toEqual({ ok: true, date: new Date('2026-11-30T23:15:00Z') });
    expect(parseSince('25:00', now).ok).toBe(false);
    const run = await keyloss(['--redis', redis.url, '--key', 'session:17', '--since', '00:00', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).query.since).toMatch(/T00:00:00\.000Z$/);
  });
});

describe('keyloss walk: the same input errors', () => {
  it('asks the db again when the server does not have it', async () => {
    const run = await runKeyloss('walk', ['--redis', redis.url, '--key', 'session:17', '--tier', 'standard', '--since', '1h', '--scope', 'partial'], {
      KEYLOSS_CACHES: '/nonexistent/keyloss.caches.yaml',
      KEYLOSS_RATE_INTERVAL_MS: '50',
    }, (child) => child.stdin?.end('99\n4\n2\n1\n'));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const out = run.stdout.replace(/\s+/g, ' ');
    expect(out).toContain('db 99 does not exist on this server (16 databases: 0 to 15).');
    expect(out).not.toContain('SELECT is not available');
    // Asked twice: 99, then 4, where the key is.
    expect(run.stdout.split('\n').filter((l) => l === 'Which database does the application use?')).toHaveLength(2);
    expect(out).toContain('The key is there');
  });
});
