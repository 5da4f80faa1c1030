// Hash-field expiration (Redis 7.4+: HEXPIRE) as expiration evidence, without a record: a field missing from a key that
// is there (`field` in the query, `--field` on diagnose), read from HEXISTS, the key's other fields' TTLs (HTTL) and
// INFO expired_subkeys; and whole hashes emptied by it. Runs on Redis 8.0.2 and Valkey 8.0.1 (built/installed by
// .ci/servers); where a server is missing the test fails with the reason, it does not skip.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Query } from '../../src/domain/query.ts';
import { investigate } from '../../src/investigate.ts';
import { assertAllowed, CommandRefused } from '../../src/redis/gateway.ts';
import { renderText } from '../../src/report/text.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import type { Runbook } from '../../src/runbook/schema.ts';
import { runDiagnose, runKeyloss } from '../support/keyloss-cli.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

let runbook: Runbook;
let redis8: RedisProcess;
let valkey: RedisProcess;
let since: Date;

beforeAll(async () => {
  runbook = await loadDefaultRunbook();
  [redis8, valkey] = await Promise.all([startRedis([], { server: 'redis-8' }), startRedis([], { server: 'valkey-8' })]);
  const app = new Redis(redis8.port);
  await waitFor(async () => /uptime_in_seconds:[1-9]/.test(await app.info('server')), 'a second of uptime');
  since = new Date();
  // cart:17 keeps user and items; its token expires. 300 sess:* hashes are emptied by field expiry.
  await app.hset('cart:17', 'user', 'u', 'items', '3', 'token', 't');
  await app.call('HPEXPIRE', 'cart:17', '100', 'FIELDS', '1', 'token');
  await app.call('HEXPIRE', 'cart:17', '3600', 'FIELDS', '1', 'items');
  const fill = app.pipeline();
  for (let i = 0; i < 300; i++) fill.hset(`sess:${i}`, 'user', 'u', 'token', 't');
  for (let i = 0; i < 300; i++) fill.call('HPEXPIRE', `sess:${i}`, '100', 'FIELDS', '2', 'user', 'token');
  await fill.exec();
  await waitFor(async () => Number(await app.hexists('cart:17', 'token')) === 0 && (await app.dbsize()) === 1, 'the fields to expire');
  const other = new Redis(valkey.port);
  await other.hset('cart:17', 'user', 'u');
  other.disconnect();
  app.disconnect();
}, 60_000);

afterAll(async () => {
  await stopAllRedis();
});

async function diagnose(url: string, key: string, field?: string) {
  const query: Query = { key, isPattern: key.includes('*'), db: 0, since, tier: null, scope: null, ...(field ? { field } : {}) };
  const result = await investigate({ redisUrl: url, runbook, query, options: { rateIntervalMs: 50 } });
  if (!result.ok) throw new Error(result.reason);
  const report = result.report;
  return { report, text: renderText(report, { color: false }).replace(/\s+/g, ' '), cause: (id: string) => report.causes.find((c) => c.id === id)! };
}

describe('a field missing from a key that is there', () => {
  it('is a loss explained by field expiration: the other fields carry field TTLs, expired_subkeys counts it, eviction is ruled out', async () => {
    const { report, text, cause } = await diagnose(redis8.url, 'cart:17', 'token');
    expect(report.verdict, text).not.toBe('no-loss');
    expect(report.causes[0]?.id, text).toBe('expiration');
    expect(['likely', 'possible'], text).toContain(cause('expiration').likelihood);
    const lines = cause('expiration').evidence.map((e) => e.summary).join('\n');
    expect(lines).toMatch(/1 of the 2 other fields of cart:17 carry a field TTL/);
    expect(lines).toMatch(/expired_subkeys [\d,]+ .*hash fields expired/);
    expect(cause('eviction').likelihood).toBe('ruled-out');
  });

  it('reads hash fields expiring now (expired_subkeys rising between the rates samples) as expiration', async () => {
    const app = new Redis(redis8.port);
    const fill = app.pipeline();
    for (let i = 0; i < 2_000; i++) fill.hset(`live:${i}`, 'a', '1', 'b', '2');
    for (let i = 0; i < 2_000; i++) fill.call('HPEXPIRE', `live:${i}`, String(300 + i), 'FIELDS', '1', 'a');
    await fill.exec();
    app.disconnect();
    const query: Query = { key: 'cart:17', isPattern: false, db: 0, since, tier: null, scope: null, field: 'token' };
    const result = await investigate({ redisUrl: redis8.url, runbook, query, options: { rateIntervalMs: 1_000 } });
    if (!result.ok) throw new Error(result.reason);
    const expiration = result.report.causes.find((c) => c.id === 'expiration')!;
    expect(expiration.evidence.map((e) => e.summary).join('\n')).toMatch(/[\d,.]+ hash fields\/s expiring now \(expired_subkeys/);
  });

  it('is no loss when the field is there', async () => {
    const { report } = await diagnose(redis8.url, 'cart:17', 'user');
    expect(report.verdict).toBe('no-loss');
  });

  it('fails the field-TTL check with the server\'s reason on a server without HTTL (Valkey 8.0.1), and the rest still runs', async () => {
    const { report, text } = await diagnose(valkey.url, 'cart:17', 'token');
    expect(report.verdict).not.toBe('no-loss');
    const check = report.checks.find((c) => c.id === 'keyspace.field-ttl');
    expect(check?.status, text).toBe('failed');
    expect(check?.error).toMatch(/HTTL is not available on 127\.0\.0\.1:\d+: ERR unknown command/);
    expect(report.unchecked.join('\n')).toMatch(/hash-field TTL sample check failed: HTTL is not available/);
    expect(report.checks.find((c) => c.id === 'memory')?.status).toBe('ok');
  });

  it('is asked with --field on diagnose, which needs an exact key', async () => {
    const run = await runDiagnose(['--redis', redis8.url, '--key', 'cart:17', '--field', 'token', '--since', since.toISOString(), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.verdict).not.toBe('no-loss');
    expect(report.causes[0].id).toBe('expiration');
    const glob = await runDiagnose(['--redis', redis8.url, '--key', 'cart:*', '--field', 'token']);
    expect(glob.code).toBe(2);
    expect(glob.stderr).toMatch(/--field needs an exact --key/);
  });
});

describe('the walkthrough (and Slack, the same runbook)', () => {
  it('asks whether a field of the hash is missing when the key is there, and checks the field named', async () => {
    const args = ['--redis', redis8.url, '--key', 'cart:17', '--since', since.toISOString(), '--tier', 'basic', '--db', '0', '--scope', 'partial', '--rate-interval', '50'];
    const run = await runKeyloss('walk', args, {}, (child) => child.stdin?.end('token\n'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/The key is there\. Is a field of the hash missing\?/);
    const after = run.stdout.slice(run.stdout.indexOf('Is a field of the hash missing?')).replace(/\s+/g, ' ');
    expect(after).toMatch(/Checking what removed the field/);
    expect(after).toMatch(/1 of the 2 other fields of cart:17 carry a field TTL/);
  });

  it('does not ask it of a key that is no hash', async () => {
    const app = new Redis(redis8.port);
    await app.set('plain:17', 'v');
    app.disconnect();
    const args = ['--redis', redis8.url, '--key', 'plain:17', '--since', since.toISOString(), '--tier', 'basic', '--db', '0', '--scope', 'partial', '--rate-interval', '50'];
    const run = await runKeyloss('walk', args, {}, (child) => child.stdin?.end(''));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/Is a field of the hash missing/);
    expect(run.stdout).toMatch(/The key is there/);
  });
});

describe('hashes emptied by field expiry, without a record', () => {
  it('read as expiration from expired_subkeys, not "unlikely" for want of key TTLs', async () => {
    const { report, text, cause } = await diagnose(redis8.url, 'sess:*');
    expect(['likely', 'possible'], text).toContain(cause('expiration').likelihood);
    expect(report.causes[0]?.id, text).toBe('expiration');
    expect(cause('expiration').evidence.map((e) => e.summary).join('\n')).toMatch(/expired_subkeys [\d,]+ .*a hash whose last field expires is removed/);
  });
});

describe('the read-only allowlist', () => {
  it('lets the field reads through (HEXISTS, HTTL, HPEXPIRETIME) and refuses the field writes', () => {
    for (const command of ['HEXISTS', 'HTTL', 'HPEXPIRETIME']) expect(() => assertAllowed(command, ['k', 'FIELDS', 1, 'f'])).not.toThrow();
    for (const command of ['HEXPIRE', 'HPEXPIRE', 'HPERSIST', 'HGETDEL', 'HGETEX', 'HSETEX']) expect(() => assertAllowed(command, ['k'])).toThrow(CommandRefused);
  });
});

