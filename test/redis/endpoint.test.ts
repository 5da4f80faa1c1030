// The endpoint model: what kind of endpoint answered, from its host name and its INFO as real servers answer it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeServer } from '../../src/domain/endpoint.ts';
import { recogniseEndpoint, serviceOfHost } from '../../src/redis/endpoint.ts';
import { parseInfo } from '../../src/redis/info.ts';
import { readLoad } from '../../src/redis/pacer.ts';
import { openTarget } from '../../src/redis/target.ts';
import { renderText } from '../../src/report/text.ts';
import { targetLine } from '../../src/slack/blocks/verdict.ts';
import { diagnoseAt } from '../scenarios/support.ts';
import { startAmrEndpoint } from '../support/amr-endpoint.ts';
import { startRedis, stopAllRedis, stopRedis } from '../support/redis-server.ts';

const fixture = (path: string) => parseInfo(readFileSync(join(import.meta.dirname, '../fixtures', path), 'utf8'));

describe('endpoint model', () => {
  it("a Redis Enterprise proxy's real INFO is recognised by its shape, on any host: a proxy with one database", () => {
    const profile = recogniseEndpoint('redis-18787.example.net', fixture('enterprise/redis-cloud-6.2.6.info.txt'), false);
    expect(profile).toMatchObject({ server: 'redis-enterprise', version: '6.2.6', service: null, clustering: 'proxy', proxy: true, oneDatabase: true });
    expect(profile.because.join('; ')).toMatch(/lru_clock:0, no master_replid/);
  });

  it('open-source Redis of every recorded version is not taken for a proxy', () => {
    for (const version of ['6.0.20', '7.0.15', '7.2.6', '7.4.1', '8.0.2']) {
      for (const role of ['primary', 'replica']) {
        const profile = recogniseEndpoint('127.0.0.1', fixture(`info/redis-${version}.${role}.txt`), false);
        expect(profile, `${version} ${role}`).toMatchObject({ server: 'redis', version, proxy: false, clustering: 'none', oneDatabase: false });
      }
    }
  });

  it('Valkey is named by server_name and valkey_version, not by its redis_version 7.2.4', () => {
    const info = fixture('info/valkey-8.0.1.primary.txt');
    expect(info.server.redis_version).toBe('7.2.4');
    const profile = recogniseEndpoint('127.0.0.1', info, false);
    expect(profile).toMatchObject({ server: 'valkey', version: '8.0.1', proxy: false });
    expect(describeServer(profile)).toBe('Valkey 8.0.1');
  });

  it('host names name the service; AMR and the Enterprise tiers are Redis Enterprise behind a proxy even where INFO does not show it', () => {
    expect(serviceOfHost('orders.westeurope.redis.azure.net')).toBe('azure-managed-redis');
    expect(serviceOfHost('orders.westeurope.redisenterprise.cache.azure.net')).toBe('azure-cache-enterprise');
    expect(serviceOfHost('orders.redis.cache.windows.net')).toBe('azure-cache-for-redis');
    expect(serviceOfHost('orders.redis.cache.chinacloudapi.cn')).toBe('azure-cache-for-redis');
    expect(serviceOfHost('redis.azure.net')).toBeNull();
    expect(serviceOfHost('127.0.0.1')).toBeNull();
    const redis = fixture('info/redis-7.4.1.primary.txt');
    expect(recogniseEndpoint('orders.westeurope.redis.azure.net', redis, false)).toMatchObject({ server: 'redis-enterprise', service: 'azure-managed-redis', proxy: true });
    expect(recogniseEndpoint('orders.redis.cache.windows.net', redis, false)).toMatchObject({ server: 'redis', service: 'azure-cache-for-redis', proxy: false });
    expect(describeServer(recogniseEndpoint('orders.westeurope.redis.azure.net', fixture('enterprise/redis-cloud-6.2.6.info.txt'), false))).toBe(
      'Azure Managed Redis: Redis Enterprise (redis_version 6.2.6), behind a proxy that routes keys to shards',
    );
  });

  it('cluster_enabled:1 is the OSS clustering policy: every shard reached on its own port, only db 0', () => {
    const profile = recogniseEndpoint('orders.westeurope.redis.azure.net', fixture('enterprise/redis-cloud-6.2.6.info.txt'), true);
    expect(profile).toMatchObject({ clustering: 'oss', oneDatabase: true, proxy: true });
    expect(recogniseEndpoint('127.0.0.1', fixture('info/redis-7.4.1.primary.txt'), true)).toMatchObject({ server: 'redis', clustering: 'oss', oneDatabase: true, proxy: false });
  });
});

describe('the report names the server that answered', () => {
  afterAll(() => stopAllRedis());

  it('a real Valkey 8 is named Valkey 8.0.1 in the JSON, the text and Slack, not Redis 7.2.4', async () => {
    const valkey = await startRedis([], { server: 'valkey-8' });
    const report = await diagnoseAt(valkey.url, { key: 'session:1', since: new Date(Date.now() - 60_000) });
    expect(report.endpoint).toMatchObject({ server: 'valkey', version: '8.0.1', name: 'Valkey 8.0.1', proxy: false });
    expect(renderText(report, { color: false })).toMatch(/^Valkey 8\.0\.1$/m);
    expect(targetLine(report)).toMatch(/ · Valkey 8\.0\.1$/);
  });

  it('a real Redis is named with its version', async () => {
    const redis = await startRedis();
    const report = await diagnoseAt(redis.url, { key: 'session:1', since: new Date(Date.now() - 60_000) });
    expect(report.endpoint).toMatchObject({ server: 'redis', clustering: 'none', proxy: false });
    expect(report.endpoint?.name).toBe(`Redis ${report.endpoint?.version}`);
    expect(report.endpoint?.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("the scan pacing's load reading", () => {
  it("a Redis Enterprise proxy's used_cpu_* (always 0.00) is no CPU reading; a real server's is", async () => {
    const amr = await startAmrEndpoint({ shards: 1 });
    const redis = await startRedis();
    try {
      for (const [url, cpu] of [[amr.url, null], [redis.url, 'number']] as const) {
        const opened = await openTarget(url);
        if (!opened.ok) throw new Error(opened.reason);
        const reading = await readLoad(await opened.target.gateway(opened.target.address));
        await opened.target.close();
        expect(cpu === null ? reading.cpuSeconds : typeof reading.cpuSeconds, url).toBe(cpu);
        expect(reading.commands, url).toBeGreaterThan(0);
      }
    } finally {
      await amr.stop();
      await stopRedis(redis);
    }
  });
});
