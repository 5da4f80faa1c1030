// keyloss does not disturb what it measures: on a cache at its maxmemory (allkeys-lru, nothing else writing), the
// memory of keyloss's own connection and replies must not show up as the cache evicting keys now.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiagnose } from '../support/keyloss-cli.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';

describe('a diagnosis of a full cache that nothing else writes to', () => {
  let server: RedisProcess;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedis(['--maxmemory', '8mb', '--maxmemory-policy', 'allkeys-lru']);
    admin = new Redis(server.port, '127.0.0.1');
    const value = 'v'.repeat(100);
    for (let batch = 0; !/evicted_keys:[1-9]/.test(String(await admin.call('INFO', 'stats'))); batch++) {
      const pipeline = admin.pipeline();
      for (let i = 0; i < 2_000; i++) pipeline.set(`session:${batch}:${i}:${'n'.repeat(20)}`, value);
      await pipeline.exec();
    }
    // One more write: the cache stands right at its limit, as a full production cache does.
    await admin.set('session:last', value);
  });
  afterAll(async () => {
    admin.disconnect();
    await stopRedis(server);
  });

  it.each(['session:*', 'session:gone'])('does not report its own footprint as keys being evicted now (%s)', async (key) => {
    const run = await runDiagnose(['--redis', server.url, '--key', key, '--json', '--rate-interval', '500']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { causes: Array<{ id: string; evidence: Array<{ check: string; summary: string }> }> };
    const eviction = report.causes.find((cause) => cause.id === 'eviction');
    const rates = eviction?.evidence.filter((line) => line.check === 'rates') ?? [];
    expect(rates.map((line) => line.summary).join('\n')).not.toMatch(/being evicted now/);
  });

  it('still reports the evictions a writer causes meanwhile', async () => {
    const writer = new Redis(server.port, '127.0.0.1');
    let writing = true;
    const writes = (async () => {
      for (let i = 0; writing; i++) await writer.set(`burst:${i}:${'n'.repeat(20)}`, 'v'.repeat(100));
    })();
    try {
      const run = await runDiagnose(['--redis', server.url, '--key', 'session:gone', '--json', '--rate-interval', '500']);
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as { causes: Array<{ id: string; evidence: Array<{ check: string; summary: string }> }> };
      const eviction = report.causes.find((cause) => cause.id === 'eviction');
      expect(eviction?.evidence.map((line) => line.summary).join('\n')).toMatch(/[\d,.]+ keys\/s being evicted now/);
    } finally {
      writing = false;
      await writes;
      writer.disconnect();
    }
  });
});

describe('the command kinds a diagnosis of an exact missing key sends', () => {
  // Each command kind a server runs for the first time costs it a latency histogram (24,688 bytes), which a full
  // cache pays for by evicting keys: the exact-key path sends as few kinds as its evidence needs.
  it('looks the key up with the PTTL the TTL sample sends anyway, and asks SLOWLOG only when a removing command ran', async () => {
    const server = await startRedis();
    const admin = new Redis(server.port, '127.0.0.1');
    try {
      const write = admin.pipeline();
      for (let i = 0; i < 200; i++) write.set(`session:${i}`, 'v');
      await write.exec();
      const kinds = async () => new Set([...String(await admin.call('INFO', 'commandstats')).matchAll(/^cmdstat_([^:]+):/gm)].map((m) => m[1]));
      const before = await kinds();
      const run = await runDiagnose(['--redis', server.url, '--key', 'session:gone', '--json', '--rate-interval', '0']);
      expect(run.code, run.stderr).toBe(0);
      const added = [...(await kinds())].filter((kind) => !before.has(kind)).sort();
      // SELECT 0 is the one-database rule's probe (src/redis/databases.ts): a server that refuses it has only db 0.
      expect(added).toEqual(['client|list', 'client|setname', 'config|get', 'pttl', 'scan', 'select']);
    } finally {
      admin.disconnect();
      await stopRedis(server);
    }
  });
});

