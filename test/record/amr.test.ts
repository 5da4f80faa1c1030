// keyloss watch on an emulated Azure Managed Redis endpoint (test/support/amr-endpoint.ts): CONFIG is refused, so the
// notification settings come from ARM's databases/default notifyKeyspaceEvents (Microsoft's example body); key events
// from every shard arrive, through the Enterprise endpoint or on every shard under the OSS clustering policy.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Recorder } from '../../src/record/recorder.ts';
import { watch } from '../../src/record/watch.ts';
import { parseRedisUrl } from '../../src/redis/url.ts';
import { contextFor, startAzureRig, type AzureRig } from '../azure/support.ts';
import { startAmrEndpoint, type AmrEndpoint } from '../support/amr-endpoint.ts';
import { exampleBody, withIds } from '../support/azure-fixtures.ts';
import { SUBSCRIPTION } from '../support/fake-azure.ts';
import { causesText, diagnoseRecorded, fastRecorderOptions } from '../support/recorder.ts';
import { startRedis, stopRedis } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

const AMR = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-cache/providers/Microsoft.Cache/redisEnterprise/amr-1`;
const EXAMPLE = '/subscriptions/e7b5a9d2-6b6a-4d2f-9143-20d9a10f5b8f/resourceGroups/rg1/providers/Microsoft.Cache/redisEnterprise/cache1';

let rig: AzureRig;
let amr: AmrEndpoint | null = null;
beforeAll(async () => {
  rig = await startAzureRig();
});
afterEach(async () => {
  await amr?.stop();
  amr = null;
});
afterAll(() => rig.close());

/** Microsoft's redisEnterprise examples, pointed at our cache, with the database's notifyKeyspaceEvents set. */
function serveArm(notifyKeyspaceEvents: string): void {
  rig.fake.reset();
  rig.fake.resources.set(AMR, withIds(exampleBody('redis-enterprise/RedisEnterpriseGet.json'), { [EXAMPLE]: AMR }));
  const database = withIds(exampleBody('redis-enterprise/RedisEnterpriseDatabasesGet.json'), { [EXAMPLE]: AMR }) as { properties: Record<string, unknown> };
  rig.fake.resources.set(`${AMR}/databases/default`, { ...database, properties: { ...database.properties, notifyKeyspaceEvents } });
}

/** One key on each shard, so every shard has an event to send. */
function keyPerShard(endpoint: AmrEndpoint, prefix: string): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < endpoint.shards.length; i++) {
    const key = `${prefix}${i}`;
    if (endpoint.shardOf(key) === keys.length) keys.push(key);
  }
  return keys;
}

async function watchDeletes(endpoint: AmrEndpoint) {
  const parsed = parseRedisUrl(endpoint.url);
  if (!parsed.ok) throw new Error(parsed.reason);
  const app = new Redis(endpoint.port);
  const keys = keyPerShard(endpoint, 'cart:');
  const outcome = await watch(
    { endpoint: parsed.endpoint, key: 'cart:*', db: 0, durationMs: 1_500 },
    {
      capture: { sampleIntervalMs: 200, azure: contextFor(rig.fake, AMR) },
      onReady: () => {
        void (async () => {
          for (const key of keys) await app.set(key, 'x');
          for (const key of keys) await app.del(key);
        })();
      },
    },
  );
  await app.quit();
  return { outcome, keys };
}

describe('watch on Azure Managed Redis', () => {
  it("through the Enterprise endpoint: notifications read from ARM's notifyKeyspaceEvents where CONFIG is refused, every shard's deletes seen", async () => {
    serveArm('KEA');
    // What ARM's notifyKeyspaceEvents "KEA" makes every shard do.
    amr = await startAmrEndpoint({ shardArgs: ['--notify-keyspace-events', 'KEA'] });
    const { outcome, keys } = await watchDeletes(amr);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.notifications).toMatchObject({ enabled: true, flags: 'KEA', source: 'azure' });
    const del = outcome.result.events.find((event) => event.type === 'del');
    expect(del?.count).toBe(keys.length);
    expect([...(del?.sample ?? [])].sort()).toEqual([...keys].sort());
    expect(rig.fake.requests.some((r) => r.path.toLowerCase() === `${AMR}/databases/default`.toLowerCase())).toBe(true);
  });

  it('with the OSS clustering policy: subscribed on every shard, every shard’s deletes seen', async () => {
    serveArm('KEA');
    amr = await startAmrEndpoint({ clustering: 'oss', shardArgs: ['--notify-keyspace-events', 'KEA'] });
    const { outcome, keys } = await watchDeletes(amr);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.notifications).toMatchObject({ enabled: true, source: 'azure' });
    const del = outcome.result.events.find((event) => event.type === 'del');
    expect(del?.count).toBe(keys.length);
    expect([...(del?.sample ?? [])].sort()).toEqual([...keys].sort());
  });

  it('a shard that restarts behind the proxy keeps sending its events once it is back: the proxy subscribes again', async () => {
    serveArm('KEA');
    amr = await startAmrEndpoint({ shardArgs: ['--notify-keyspace-events', 'KEA'] });
    const endpoint = amr;
    const parsed = parseRedisUrl(endpoint.url);
    if (!parsed.ok) throw new Error(parsed.reason);
    const key = keyPerShard(endpoint, 'cart:')[1] ?? '';
    const app = new Redis(endpoint.port);
    const outcome = await watch(
      { endpoint: parsed.endpoint, key: 'cart:*', db: 0, durationMs: 3_000 },
      {
        capture: { sampleIntervalMs: 200, azure: contextFor(rig.fake, AMR) },
        onReady: () => {
          void (async () => {
            await endpoint.shards[1]?.restart();
            await new Promise((resolve) => setTimeout(resolve, 800));
            await app.set(key, 'x');
            await app.del(key);
          })();
        },
      },
    );
    await app.quit();
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.events.find((event) => event.type === 'del')?.sample).toEqual([key]);
  });

  it('where the endpoint answers CONFIG GET notify-keyspace-events (its short list), that answer is read, not ARM', async () => {
    serveArm('');
    amr = await startAmrEndpoint({ config: 'short-list', shardArgs: ['--notify-keyspace-events', 'KEA'] });
    const { outcome, keys } = await watchDeletes(amr);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.notifications).toMatchObject({ enabled: true, flags: 'AKE', source: 'config' });
    expect(outcome.result.events.find((event) => event.type === 'del')?.count).toBe(keys.length);
  });

  it("ARM saying notifications are off is believed where CONFIG is refused: watch says so", async () => {
    serveArm('');
    amr = await startAmrEndpoint();
    const { outcome } = await watchDeletes(amr);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.notifications).toMatchObject({ enabled: false, flags: '', source: 'azure' });
  });

  it('record through the Enterprise endpoint: every shard\'s deletes recorded, and the diagnosis confirms them without a word a proxy cannot give', async () => {
    serveArm('KEA');
    amr = await startAmrEndpoint({ shardArgs: ['--notify-keyspace-events', 'KEA'] });
    const stateServer = await startRedis();
    const state = new Redis(stateServer.port, { maxRetriesPerRequest: 1 });
    const parsed = parseRedisUrl(amr.url);
    if (!parsed.ok) throw new Error(parsed.reason);
    const recorder = new Recorder(state, [{ id: 'amr', endpoint: parsed.endpoint, azure: contextFor(rig.fake, AMR) }], fastRecorderOptions('kltest:', 'r1'));
    const app = new Redis(amr.port);
    try {
      const keys = keyPerShard(amr, 'basket:');
      for (const key of keys) await app.set(key, 'x');
      const since = new Date();
      await recorder.start();
      // Subscribed on every shard behind the proxy.
      await waitFor(async () => {
        const lists = await Promise.all(
          (amr?.shards ?? []).map(async (shard) => {
            const admin = new Redis(shard.port);
            try {
              return await admin.client('LIST');
            } finally {
              admin.disconnect();
            }
          }),
        );
        return lists.every((list) => /psub=[1-9]/.test(String(list)));
      }, 'the subscription on every shard');
      for (const key of keys) await app.del(key);
      await waitFor(async () => (await state.keys('kltest:*')).length > 0, 'the record to be written');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const report = await diagnoseRecorded(amr.url, 'amr', keys[1] ?? '', since, { client: state, prefix: 'kltest:' });
      const deletion = report.causes.find((c) => c.id === 'deletion');
      expect(deletion?.likelihood, causesText(report)).toBe('likely');
      expect(deletion?.confirmed, causesText(report)).toBe(true);
      expect(causesText(report)).not.toMatch(/never promoted|all zeros|has been up|since the node started/);
    } finally {
      await recorder.stop();
      await app.quit();
      state.disconnect();
      await stopRedis(stateServer);
    }
  });
});
