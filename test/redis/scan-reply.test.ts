// SCAN pages stay small on the server: a page is memory the cache counts against maxmemory while it holds it, so on
// a full cache a large one makes it evict keys for keyloss's sake. COUNT follows the share of keys that matched.
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedPacing } from '../../src/redis/pacer.ts';
import { openTarget } from '../../src/redis/target.ts';
import { boundedScan, replyBoundedCount, SCAN_REPLY_BYTES } from '../../src/redis/scan.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';

describe('replyBoundedCount', () => {
  it('keeps the expected page under SCAN_REPLY_BYTES whatever the scan has seen', () => {
    fc.assert(
      fc.property(fc.nat(10_000_000), fc.nat(10_000_000), fc.integer({ min: 8, max: 4_096 }), (visited, rawMatches, bytesEach) => {
        const matches = Math.min(visited, rawMatches);
        const count = replyBoundedCount(visited, matches, matches * bytesEach);
        expect(count).toBeGreaterThanOrEqual(1);
        // count × share × bytes a match ≤ SCAN_REPLY_BYTES, with share = (matches + 1) / (visited + 1), exactly in integers.
        const page = BigInt(count) * BigInt(matches + 1) * BigInt(matches > 0 ? bytesEach : 40);
        if (count > 1) expect(page <= BigInt(SCAN_REPLY_BYTES) * BigInt(visited + 1)).toBe(true);
      }),
      // Found by a run: in floating point this page came to 12,288.000000000002 bytes.
      { examples: [[4_711_625, 23, 9]] },
    );
  });

  it('lets a scan that matches little ask for many keys a page', () => {
    expect(replyBoundedCount(100_000, 0, 0)).toBeGreaterThan(5_000);
    expect(replyBoundedCount(0, 0, 0)).toBeLessThan(400);
  });
});

describe('a scan on a real server', () => {
  let server: RedisProcess;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedis(['--slowlog-log-slower-than', '0', '--slowlog-max-len', '10000']);
    admin = new Redis(server.port, '127.0.0.1');
    const pipeline = admin.pipeline();
    for (let i = 0; i < 30_000; i++) pipeline.set(`page:${i}:${'n'.repeat(24)}`, 'v');
    for (let i = 0; i < 30_000; i++) pipeline.set(`other:${i}`, 'v');
    await pipeline.exec();
  });
  afterAll(async () => {
    admin.disconnect();
    await stopRedis(server);
  });

  it.each(['page:*', 'other:1*'])('never asks for a page over the reply bound, even when the pacing allows 5,000 keys (%s)', async (match) => {
    await admin.call('SLOWLOG', 'RESET');
    const target = await openTarget(server.url);
    if (!target.ok) throw new Error(target.reason);
    const scan = await boundedScan(await target.target.gateway(target.target.address), match, { pacing: fixedPacing(1, 5_000), keyBudget: 1e9, msBudget: 60_000 });
    await target.target.close();
    expect(scan.complete).toBe(true);
    expect(scan.matched).toBe(match === 'page:*' ? 30_000 : 11_111);
    // Each SCAN keyloss sent, replayed with the same cursor and COUNT: the bytes of its page as the server wrote it.
    const entries = (await admin.call('SLOWLOG', 'GET', '-1')) as Array<[number, number, number, string[]]>;
    const scans = entries.map((entry) => entry[3]).filter((args) => args[0]?.toUpperCase() === 'SCAN');
    expect(scans.length).toBeGreaterThan(1);
    for (const args of scans) {
      const [cursor, keys] = (await admin.call('SCAN', args[1]!, 'MATCH', match, 'COUNT', args[5]!)) as [string, string[]];
      const bytes = keys.reduce((sum, key) => sum + key.length + String(key.length).length + 5, cursor.length + 16);
      // SCAN may return a little more than COUNT (a bucket is returned whole); the first page assumes every key matches.
      expect(bytes).toBeLessThanOrEqual(SCAN_REPLY_BYTES * 1.5);
    }
  });
});
