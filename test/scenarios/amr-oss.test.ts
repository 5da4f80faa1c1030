// Azure Managed Redis with the OSS clustering policy, emulated (test/support/amr-endpoint.ts): the endpoint and every
// shard on its own port of the same host. keyloss follows them from CLUSTER NODES, dials nothing else, and judges
// each shard on its own evidence.
import { afterEach, describe, expect, it } from 'vitest';
import { recordDials, type DialRecorder } from '../support/dials.ts';
import { startAmrEndpoint, type AmrEndpoint } from '../support/amr-endpoint.ts';
import { causeOf, diagnoseAt, stagingClient, writeKeys } from './support.ts';

let amr: AmrEndpoint | null = null;
let dials: DialRecorder | null = null;
afterEach(async () => {
  dials?.restore();
  dials = null;
  await amr?.stop();
  amr = null;
});

describe('AMR, OSS clustering policy', () => {
  it('the endpoint port and the shards on other ports of the same host are followed, and nothing else is dialled', async () => {
    amr = await startAmrEndpoint({ clustering: 'oss' });
    const app = stagingClient(amr.url);
    await writeKeys(app, 'order:', 0, 900, 64);
    const since = new Date();
    await app.quit();
    // One shard loses its keys where the client cannot see why (a restart without persistence behind its proxy).
    await amr.shards[2]?.restart();
    const lost = Array.from({ length: 900 }, (_, i) => `order:${i}`).find((key) => amr?.shardOf(key) === 2) ?? '';

    dials = recordDials();
    const report = await diagnoseAt(amr.url, { key: lost, since });
    // The emulator runs in this process too: its own links to the redis-server shards behind it are not keyloss's.
    const behind = new Set(amr.shards.map((shard) => shard.port));
    const dialled = new Set(dials.dials.filter((d) => !behind.has(d.port)).map((d) => `${d.host}:${d.port}`));
    expect([...dialled].sort()).toEqual(amr.shardPorts.map((port) => `127.0.0.1:${port}`).sort());
    expect(report.endpoint).toMatchObject({ server: 'redis-enterprise', clustering: 'oss', proxy: true, oneDatabase: true });
    const all = report.causes.flatMap((c) => c.evidence.map((e) => e.summary)).join('\n');
    // Per-shard evidence: the shard that owns the key, compared with the others.
    expect(all).toMatch(new RegExp(`127\\.0\\.0\\.1:${amr.shardPorts[2]}.* holds 0 keys in db 0 while the other 2 shards hold`));
    expect(all).not.toMatch(/never promoted|all zeros|has been up|since the node started/);
    // Behind the shards' proxies a restart and a flush of that shard look alike: both stay open, pointing to Azure.
    expect(causeOf(report, 'instance-failure').likelihood).toBe('possible');
    expect(causeOf(report, 'flush').likelihood).toBe('possible');
    expect(causeOf(report, 'instance-failure').evidence[0]?.summary).toMatch(/a flush of that shard or a restart of it without persistence leaves it; which one cannot be read behind a Redis Enterprise endpoint: Azure's activity log/);
    expect(all).toMatch(/counted by the shards' Redis Enterprise endpoints, since a start they do not give/);
    expect(report.verdict).toBe('inconclusive');
    expect(report.unchecked.join('\n')).not.toMatch(/could not be read/);
  });
});
