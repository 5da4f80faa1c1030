// Through an emulated Azure Managed Redis endpoint (test/support/amr-endpoint.ts: a proxy over real shards, INFO in
// Redis Enterprise's shape): each cause that can happen there is named when staged, and no report states evidence the
// endpoint cannot give.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/model.ts';
import { startAmrEndpoint, type AmrEndpoint } from '../support/amr-endpoint.ts';
import { causeOf, diagnoseAt, expectTopCause, sleep, stagingClient, writeKeys } from './support.ts';

let amr: AmrEndpoint | null = null;
afterEach(async () => {
  await amr?.stop();
  amr = null;
});
afterAll(async () => {
  await amr?.stop();
});

const lines = (report: Report) => report.causes.flatMap((c) => c.evidence.map((e) => e.summary)).join('\n');
/** Evidence an Enterprise proxy cannot give: a node's start, a node's counter epoch, a replication id it leaves out. */
const NOT_FROM_A_PROXY = /never promoted|all zeros|has been up|since the node started|since before the keys were last seen/;

describe('through an emulated Azure Managed Redis endpoint', () => {
  /** 300 keys without a TTL through the proxy, then one deleted: what every rule is read on. */
  async function deletedThroughTheProxy(): Promise<Report> {
    amr = await startAmrEndpoint();
    const app = stagingClient(amr.url);
    await writeKeys(app, 'user:', 0, 300, 64);
    const since = new Date();
    await app.del('user:42');
    await app.quit();
    const report = await diagnoseAt(amr.url, { key: 'user:42', since });
    expect(report.endpoint).toMatchObject({ server: 'redis-enterprise', clustering: 'proxy', proxy: true, oneDatabase: true });
    expect(lines(report)).not.toMatch(NOT_FROM_A_PROXY);
    return report;
  }

  it('rule 1: a field the endpoint does not return is unknown, never a value (no "never promoted" from a missing master_replid2)', async () => {
    const report = await deletedThroughTheProxy();
    const replication = causeOf(report, 'replication');
    expect(replication.likelihood).toBe('unknown');
    expect(replication.evidence.map((e) => e.summary).join('\n')).toMatch(/INFO gives no master_replid2 or second_repl_offset, as a Redis Enterprise proxy answers.*activity log/);
    expect(causeOf(report, 'eviction').evidence.map((e) => e.summary).join('\n')).toMatch(/INFO gives no usable maxmemory.*evictionPolicy in Azure/);
  });

  it("rule 2: a proxy's uptime and counter epoch are never a node's", async () => {
    const report = await deletedThroughTheProxy();
    expect(lines(report)).not.toMatch(/has been up|since the node started/);
    expectTopCause(report, 'deletion', 'likely', /DEL 1, UNLINK 0, HDEL 0, GETDEL 0 calls counted by the Redis Enterprise proxy for the whole database, since a start it does not give/);
  });

  it('rule 3: a cause the endpoint cannot show is unknown with what would show it, never unlikely', async () => {
    const report = await deletedThroughTheProxy();
    const failure = causeOf(report, 'instance-failure');
    expect(failure.likelihood).toBe('unknown');
    expect(failure.evidence[0]?.summary).toMatch(/answers through a Redis Enterprise proxy: its uptime \(.+\) is the proxy's, not a shard's.*Azure's activity log and metrics/);
  });

  it('a shard that restarted without persistence is not exonerated: instance failure stays open, pointing to Azure', async () => {
    amr = await startAmrEndpoint();
    const app = stagingClient(amr.url);
    await writeKeys(app, 'order:', 0, 600, 64);
    const since = new Date();
    await app.quit();
    await amr.shards[1]?.restart();
    const lost = Array.from({ length: 600 }, (_, i) => `order:${i}`).find((key) => amr?.shardOf(key) === 1) ?? '';

    const report = await diagnoseAt(amr.url, { key: lost, since });
    expect(report.verdict).toBe('inconclusive');
    expect(lines(report)).not.toMatch(NOT_FROM_A_PROXY);
    const failure = causeOf(report, 'instance-failure');
    expect(failure.likelihood).toBe('unknown');
    expect(failure.evidence[0]?.summary).toMatch(/whether a shard restarted or failed over since the keys were last seen cannot be read here; Azure's activity log/);
    expect(report.causes.filter((c) => c.likelihood === 'likely')).toEqual([]);
  });

  it('expiration: keys with short TTLs ran out through the proxy, their siblings carry TTLs', async () => {
    amr = await startAmrEndpoint();
    const app = stagingClient(amr.url);
    const since = new Date();
    await writeKeys(app, 'session:', 0, 100, 64, 200);
    await sleep(400);
    await app.exists(...Array.from({ length: 100 }, (_, i) => `session:${i}`));
    await writeKeys(app, 'session:', 100, 60, 64, 60_000);
    await app.quit();

    const report = await diagnoseAt(amr.url, { key: 'session:17', since });
    expect(lines(report)).not.toMatch(NOT_FROM_A_PROXY);
    expectTopCause(report, 'expiration', 'likely', /sampled session:\* keys .* carry a TTL/);
  });

  it('eviction: shards at their maxmemory evict, summed by the proxy', async () => {
    amr = await startAmrEndpoint({ shardArgs: ['--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-lru'] });
    const app = stagingClient(amr.url);
    const since = new Date();
    await writeKeys(app, 'cache:', 0, 15_000, 1_000);
    let missing = 0;
    while ((await app.exists(`cache:${missing}`)) === 1) missing += 1;
    await app.quit();

    const report = await diagnoseAt(amr.url, { key: `cache:${missing}`, since });
    expect(lines(report)).not.toMatch(NOT_FROM_A_PROXY);
    expect(report.causes[0]?.id, JSON.stringify(report.causes.map((c) => [c.id, c.likelihood]))).toBe('eviction');
    expect(['likely', 'possible']).toContain(report.causes[0]?.likelihood);
    expect(causeOf(report, 'eviction').evidence.map((e) => e.summary).join('\n')).toMatch(/evicted_keys [\d,]+/);
  });

  it('flush: FLUSHDB through the proxy emptied every shard', async () => {
    amr = await startAmrEndpoint();
    const app = stagingClient(amr.url);
    await writeKeys(app, 'basket:', 0, 500, 64);
    const since = new Date();
    await app.flushdb();
    await app.set('basket:new', '1');
    await app.quit();

    const report = await diagnoseAt(amr.url, { key: 'basket:*', since });
    expect(lines(report)).not.toMatch(NOT_FROM_A_PROXY);
    expectTopCause(report, 'flush', 'likely', /FLUSHDB [\d,]+, FLUSHALL 0 calls counted by the Redis Enterprise proxy/);
  });
});
