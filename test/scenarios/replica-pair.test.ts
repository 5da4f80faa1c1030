// The replica pair: a primary without persistence restarts, and its replica, which never restarted, full-resyncs to the
// empty data. Read from the replica, the diagnosis reads the primary (its own trusted topology) and names the primary's
// restart and the resync; read from the primary, it names the resync of its replica beside its own restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';
import { afterStartSecond, causeOf, diagnoseAt, infoField, sleep, stagingClient, writeKeys } from './support.ts';

let primary: RedisProcess;
let replica: RedisProcess;
let since: Date;
const at = (server: RedisProcess) => `127\\.0\\.0\\.1:${server.port}`;

beforeAll(async () => {
  primary = await startRedis(['--repl-diskless-sync-delay', '0']);
  replica = await startRedis(['--replicaof', '127.0.0.1', String(primary.port)]);
  const writer = stagingClient(primary.url);
  await writeKeys(writer, 'cart:', 0, 500, 64);
  await waitFor(async () => (await writer.wait(1, 1000)) >= 1, 'the replica to take the writes');
  writer.disconnect();
  await afterStartSecond(replica.url);
  since = await afterStartSecond(primary.url);
  // The restart in a later whole second than `since`, so uptime orders the two.
  await sleep(1_100);
  await primary.restart();
  const probe = stagingClient(replica.url);
  const primaryProbe = stagingClient(primary.url);
  await waitFor(
    async () => (await probe.info('replication')).includes('master_link_status:up') && (await probe.dbsize()) === 0 && (await infoField(primaryProbe, 'sync_full')) >= 1,
    'the replica to full-resync from the restarted primary',
  );
  probe.disconnect();
  primaryProbe.disconnect();
}, 60_000);

afterAll(() => stopAllRedis());

describe('a primary without persistence restarts and its replica full-resyncs to nothing', () => {
  it('read from the replica: instance failure, likely, naming the primary\'s restart time and the resync', async () => {
    const report = await diagnoseAt(replica.url, { key: 'cart:*', since });
    const failure = causeOf(report, 'instance-failure');
    const lines = failure.evidence.map((e) => e.summary).join('\n');
    expect(report.causes[0]?.id, JSON.stringify(report.causes.map((c) => [c.id, c.likelihood, c.score, c.evidence.map((e) => e.summary)]))).toBe('instance-failure');
    expect(failure.likelihood).toBe('likely');
    expect(report.verdict).toBe('explained');
    expect(lines).toMatch(new RegExp(`the primary ${at(primary)} of replica ${at(replica)} restarted at \\d\\d:\\d\\d:\\d\\d UTC \\(up (under 1 s|[\\d.]+ m?s)\\), after the keys were last seen`));
    expect(lines).toMatch(new RegExp(`the primary ${at(primary)} has persistence off`));
    expect(lines).toMatch(new RegExp(`replica ${at(replica)} full-resynced from it: the primary served \\d+ full resyncs? since its restart \\(sync_full\\)`));
    expect(lines).not.toMatch(/has been up .*, since before the keys were last seen$/m);
  });

  it('read from the primary: its restart, and the resync that left no copy on its replica', async () => {
    const report = await diagnoseAt(primary.url, { key: 'cart:*', since });
    expect(report.causes[0]?.id).toBe('instance-failure');
    expect(report.causes[0]?.likelihood).toBe('likely');
    expect(causeOf(report, 'instance-failure').evidence.map((e) => e.summary).join('\n')).toMatch(
      new RegExp(`${at(primary)} served \\d+ full resyncs? since it restarted \\(sync_full\\), to replica ${at(replica)}: a replica's copy is replaced`),
    );
  });
});

describe('a flush on the primary, read from its replica', () => {
  it('is flush, likely, and the primary\'s own counters name it beside the replica\'s', async () => {
    const source = await startRedis(['--repl-diskless-sync-delay', '0']);
    const copy = await startRedis(['--replicaof', '127.0.0.1', String(source.port)]);
    const writer = stagingClient(source.url);
    await writeKeys(writer, 'cart:', 0, 500, 64);
    await waitFor(async () => (await writer.wait(1, 1000)) >= 1, 'the replica to take the writes');
    await afterStartSecond(source.url);
    const lastSeen = await afterStartSecond(copy.url);
    await writer.flushdb();
    await waitFor(async () => (await writer.wait(1, 1000)) >= 1, 'the replica to take the flush');
    writer.disconnect();

    const report = await diagnoseAt(copy.url, { key: 'cart:*', since: lastSeen });
    const flush = causeOf(report, 'flush');
    expect(report.causes[0]?.id, JSON.stringify(report.causes.map((c) => [c.id, c.likelihood, c.score, c.evidence.map((e) => e.summary)]))).toBe('flush');
    expect(flush.likelihood).toBe('likely');
    const lines = flush.evidence.map((e) => e.summary).join('\n');
    expect(lines).toMatch(new RegExp(`FLUSHDB 1, FLUSHALL 0 calls on the primary ${at(source)} since it started \\(it started at .*\\): a flush there empties replica ${at(copy)} too`));
  });
});
