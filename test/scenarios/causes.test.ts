// One scenario per cause, on real redis-server processes; data staged through direct connections.
import { afterAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';
import { afterStartSecond, causeOf, diagnoseAt, expectTopCause, infoField, sleep, stagingClient, writeKeys } from './support.ts';

afterAll(() => stopAllRedis());

describe('scenarios', () => {
  it('expiration: keys with short TTLs ran out, their siblings carry TTLs', async () => {
    const redis = await startRedis();
    const since = await afterStartSecond(redis.url);
    const app = stagingClient(redis.url);
    await writeKeys(app, 'session:', 0, 100, 64, 200);
    await sleep(400);
    // Reading them makes Redis expire any the active cycle has not reached yet.
    await app.exists(...Array.from({ length: 100 }, (_, i) => `session:${i}`));
    await writeKeys(app, 'session:', 100, 50, 64, 60_000);
    await app.quit();

    const report = await diagnoseAt(redis.url, { key: 'session:17', since });
    expect(report.verdict).toBe('explained');
    expectTopCause(report, 'expiration', 'likely', /50 of 50 sampled session:\* keys \(siblings of session:17\) carry a TTL \((median|all) \d+ s/);
    expect(causeOf(report, 'expiration').evidence.map((e) => e.summary).join('\n')).toMatch(/expired_keys 100 since the node started/);
    expect(causeOf(report, 'eviction').likelihood).toBe('ruled-out');
  });

  it('eviction: allkeys-lru with a few MB, filled past it', async () => {
    const redis = await startRedis(['--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-lru']);
    const since = await afterStartSecond(redis.url);
    const app = stagingClient(redis.url);
    await writeKeys(app, 'cache:', 0, 6_000, 1_000);
    const evicted = await infoField(app, 'evicted_keys');
    expect(evicted).toBeGreaterThan(0);
    let missing = 0;
    while ((await app.exists(`cache:${missing}`)) === 1) missing += 1;
    await app.quit();

    const report = await diagnoseAt(redis.url, { key: `cache:${missing}`, since });
    expect(report.verdict).toBe('explained');
    // The diagnosis's own replies count against maxmemory on a full cache, so evictions may go on while it reads.
    expectTopCause(report, 'eviction', 'likely', /evicted_keys [\d,]+ since the node started .*; used_memory [\d.]+ MB of 3\.0 MB \(\d+ %\); policy allkeys-lru/);
    const reported = /evicted_keys ([\d,]+)/.exec(report.causes[0]?.evidence[0]?.summary ?? '')?.[1] ?? '0';
    expect(Number(reported.replace(/,/g, ''))).toBeGreaterThanOrEqual(evicted);
    expect(causeOf(report, 'expiration').likelihood).toBe('unlikely');
  });

  it('volatile-lru: keys that never had a TTL are not blamed on eviction, even with evictions', async () => {
    const redis = await startRedis(['--maxmemory', '3mb', '--maxmemory-policy', 'volatile-lru']);
    const since = await afterStartSecond(redis.url);
    const app = stagingClient(redis.url);
    await writeKeys(app, 'session:', 0, 1_000, 1_000);
    await writeKeys(app, 'cache:', 0, 4_000, 1_000, 3_600_000);
    expect(await infoField(app, 'evicted_keys')).toBeGreaterThan(0);
    await app.del('session:17');
    await app.quit();

    const report = await diagnoseAt(redis.url, { key: 'session:17', since });
    const eviction = causeOf(report, 'eviction');
    expect(eviction.likelihood).not.toBe('likely');
    expect(eviction.evidence[0]?.summary).toMatch(/policy volatile-lru evicts only keys with a TTL, and none of the \d+ sampled session:\* keys/);
    expect(report.causes[0]?.id).toBe('deletion');
  });

  it('replication: a replica promoted while the primary kept taking writes lacks the later keys', async () => {
    // No delay before the first full sync (the default waits 5 s for more replicas).
    const primary = await startRedis(['--repl-diskless-sync-delay', '0']);
    const replica = await startRedis(['--replicaof', '127.0.0.1', String(primary.port)]);
    const writer = stagingClient(primary.url);
    await writeKeys(writer, 'order:', 0, 100, 64);
    for (let tries = 0; (await writer.wait(1, 1000)) < 1 && tries < 50; tries += 1);
    const since = new Date();
    const replicaAdmin = stagingClient(replica.url);
    await replicaAdmin.call('REPLICAOF', 'NO', 'ONE');
    await replicaAdmin.quit();
    await writeKeys(writer, 'order:', 100, 100, 64);
    await writer.quit();

    const report = await diagnoseAt(replica.url, { key: 'order:150', since });
    expect(report.verdict).toBe('explained');
    expectTopCause(report, 'replication', 'likely', new RegExp(`127\\.0\\.0\\.1:${replica.port} was a replica promoted to primary at offset [\\d,]+ \\(master_replid2 set\\)`));
  });

  it('deletion: DEL and UNLINK of keys without a TTL, nothing evicted; SLOWLOG and CLIENT LIST name who', async () => {
    const redis = await startRedis(['--slowlog-log-slower-than', '0', '--slowlog-max-len', '1000']);
    const app = stagingClient(redis.url);
    await writeKeys(app, 'user:', 0, 200, 64);
    const since = new Date();
    const job = stagingClient(redis.url);
    await job.client('SETNAME', 'cleanup-job');
    await job.del('user:42', 'user:43');
    await job.unlink('user:44');
    await app.quit();

    const report = await diagnoseAt(redis.url, { key: 'user:42', since });
    await job.quit();
    expect(report.verdict).toBe('explained');
    expectTopCause(report, 'deletion', 'likely', /SLOWLOG on 127\.0\.0\.1:\d+: DEL user:42 at/);
    const lines = causeOf(report, 'deletion').evidence.map((e) => e.summary).join('\n');
    expect(lines).toMatch(/DEL 1, UNLINK 1, HDEL 0, GETDEL 0 calls/);
    expect(lines).toMatch(/cleanup-job/);
  });

  it('flush: FLUSHDB emptied the database', async () => {
    const redis = await startRedis();
    const app = stagingClient(redis.url);
    await writeKeys(app, 'session:', 0, 500, 64);
    const since = await afterStartSecond(redis.url);
    await app.flushdb();
    await app.set('session:new', '1');
    await app.quit();

    const report = await diagnoseAt(redis.url, { key: 'session:*', since });
    expect(report.verdict).toBe('explained');
    expect(report.query.scope).toBe('partial');
    expectTopCause(report, 'flush', 'likely', /FLUSHDB 1, FLUSHALL 0 calls since the node started/);
    expect(causeOf(report, 'flush').evidence.map((e) => e.summary).join('\n')).toMatch(/db 0 holds 1 key: emptied/);
    expect(causeOf(report, 'instance-failure').likelihood).toBe('unlikely');
  });

  it('wrong database: the keys live in db 3, the application reads db 0', async () => {
    const redis = await startRedis();
    const writer = stagingClient(redis.url, 3);
    await writeKeys(writer, 'session:', 0, 12, 64);
    const since = new Date();

    const report = await diagnoseAt(redis.url, { key: 'session:*', db: 0, since });
    await writer.quit();
    expect(report.verdict).toBe('explained');
    expect(report.query.scope).toBe('complete');
    expect(report.key).toMatchObject({ pattern: 'session:*', present: false, matches: [{ db: 3, count: 12, sampled: false }] });
    expectTopCause(report, 'wrong-database', 'likely', /no key matches session:\* in db 0, but keys match in db 3 \(12 keys\)/);
    expect(causeOf(report, 'wrong-database').evidence.map((e) => e.summary).join('\n')).toMatch(/1 of \d+ clients? uses db 3/);
  });

  it('instance failure: a restart without persistence left the keyspace empty', async () => {
    const redis = await startRedis();
    const app = stagingClient(redis.url);
    await writeKeys(app, 'session:', 0, 500, 64);
    await app.quit();
    const since = new Date();
    // uptime_in_seconds has whole seconds (up to a second off either way), and the diagnosis counts a restart as
    // after `since` only when it is over a second later: leave more than two seconds.
    await sleep(2_100);
    await redis.restart();

    const report = await diagnoseAt(redis.url, { key: 'session:17', since });
    expect(report.verdict).toBe('explained');
    expectTopCause(report, 'instance-failure', 'likely', /restarted at \d\d:\d\d:\d\d UTC \(up \d+ ms|s\), after the keys were last seen/);
    const lines = causeOf(report, 'instance-failure').evidence.map((e) => e.summary).join('\n');
    expect(lines).toMatch(/persistence off/);
    expect(lines).toMatch(/db 0 holds 0 keys after the restart/);
    expect(causeOf(report, 'eviction').evidence.map((e) => e.summary).join('\n')).toMatch(/counters miss anything earlier|maxmemory 0/);
  });

  it('control: the exact key is there, nothing was lost', async () => {
    const redis = await startRedis();
    const app = stagingClient(redis.url);
    await writeKeys(app, 'session:', 0, 50, 64);
    await app.quit();
    const report = await diagnoseAt(redis.url, { key: 'session:17', since: new Date() });
    expect(report.verdict).toBe('no-loss');
    expect(report.key.present).toBe(true);
    expect(report.headline).toMatch(/^session:17 exists in db 0/);
    for (const cause of report.causes) expect(cause.likelihood).not.toBe('likely');
  });

  it('two causes at once: expiration and eviction both likely, the one that explains the key first', async () => {
    const redis = await startRedis(['--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-lru']);
    const since = await afterStartSecond(redis.url);
    const app = stagingClient(redis.url);
    await writeKeys(app, 'session:', 0, 1_000, 500, 500);
    await writeKeys(app, 'blob:', 0, 5_000, 1_000);
    expect(await infoField(app, 'evicted_keys')).toBeGreaterThan(0);
    await sleep(700);
    await app.exists(...Array.from({ length: 1_000 }, (_, i) => `session:${i}`));
    // Fresh siblings whose whole TTL (3 s) is shorter than the time since session:17 was last seen (at least 4.5 s by
    // then): such a key cannot outlive the window. The TTL outlasts a slow start of the diagnosis on a loaded machine.
    await sleep(Math.max(0, since.getTime() + 4_500 - Date.now()));
    await writeKeys(app, 'session:', 1_000, 50, 500, 3_000);
    await app.quit();

    const report = await diagnoseAt(redis.url, { key: 'session:17', since });
    expect(report.verdict).toBe('explained');
    expectTopCause(report, 'expiration', 'likely', /every sampled TTL is shorter than the [\d.]+ m?s since the keys were last seen/);
    expect(report.causes[1]?.id).toBe('eviction');
    expect(report.causes[1]?.likelihood).toBe('likely');
    expect(report.headline).toMatch(/Also likely: Keys evicted/);
  });
});

