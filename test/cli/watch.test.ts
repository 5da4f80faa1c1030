// `keyloss watch` as a script runs it: the contract's JSON, exit codes, Ctrl-C still prints.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWatchArgs } from '../../src/cli/watch.ts';
import { runKeyloss } from '../support/keyloss-cli.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';

let server: RedisProcess;
beforeAll(async () => {
  server = await startRedis(['--notify-keyspace-events', 'Exeg']);
});
afterAll(stopAllRedis);

describe('keyloss watch (contract)', () => {
  it('prints the contract JSON after the time box, and ends early on SIGINT with what it saw', async () => {
    const app = new Redis(server.port);
    await app.set('session:1', 'x');
    const run = await runKeyloss('watch', ['--redis', server.url, '--key', 'session:*', '--for', '30s', '--json'], {}, (child) => {
      // Once it is subscribed (its connection shows psub= in CLIENT LIST), remove a key, then press Ctrl-C.
      const poll = setInterval(async () => {
        const clients = String(await app.client('LIST'));
        if (!/name=keyloss-record .*psub=[1-9]/.test(clients)) return;
        clearInterval(poll);
        await app.del('session:1');
        setTimeout(() => child.kill('SIGINT'), 600);
      }, 100);
    });
    await app.quit();
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.target).toEqual({ host: '127.0.0.1', port: server.port, tls: false });
    expect(json.window.seconds).toBeLessThan(30);
    expect(json.ended).toBe('interrupted');
    expect(json.notifications).toMatchObject({ enabled: true, flags: expect.any(String), source: 'config' });
    expect(json.events).toEqual([{ type: 'del', count: 1, matching: 1, sample: ['session:1'] }]);
    expect(json.timeline[0]).toMatchObject({ at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), expired: expect.any(Number), evicted: expect.any(Number), del: expect.any(Number) });
    expect(json.counters).toMatchObject({ expired_keys: 0, evicted_keys: 0, del: 1, unlink: 0, flushdb: 0, flushall: 0 });
    expect(Array.isArray(json.clients)).toBe(true);
    expect(json.summary).toMatch(/1 session:\* keys deleted/);
  });

  it('refuses a watch longer than 10 minutes, an unknown flag and two targets, naming the flag', () => {
    expect(parseWatchArgs(['--for', '11m'])).toMatchObject({ ok: false, message: expect.stringMatching(/^--for/) });
    expect(parseWatchArgs(['--nope'])).toMatchObject({ ok: false, message: expect.stringMatching(/--nope is not a flag/) });
    expect(parseWatchArgs(['--redis', 'redis://x', '--cache', 'orders'])).toMatchObject({ ok: false });
    expect(parseWatchArgs([])).toMatchObject({ ok: true, args: { durationMs: 30_000, key: null, db: null } });
  });

  it('exits 3 when the cache cannot be reached, without printing its password', async () => {    const down = await runKeyloss('watch', ['--redis', 'redis://:s3cret-pass@127.0.0.1:1', '--for', '1s']);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/127\.0\.0\.1:1/);
    expect(down.stderr + down.stdout).not.toContain('s3cret-pass');
  });
});
