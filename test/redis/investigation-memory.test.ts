// The memory of one investigation is bounded, not only each reply: a hostile server answering every command with a
// large reply under the 32 MB cap gets at most MAX_INVESTIGATION_BYTES held, past which the checks fail with the
// reason. SCAN pages, read and let go, give their bytes back, so a long scan is not mistaken for memory held.
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_INVESTIGATION_BYTES, MAX_REPLY_BYTES, ReplyBudget } from '../../src/redis/connection.ts';
import { fixedPacing } from '../../src/redis/pacer.ts';
import { boundedScan } from '../../src/redis/scan.ts';
import { openTarget } from '../../src/redis/target.ts';
import { investigate } from '../../src/investigate.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import { encode, infoText, startHostileRedis, type HostileServer } from '../support/hostile-redis.ts';

const MB = 1_048_576;
const servers: HostileServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

const INFO = infoText({ Server: { redis_version: '7.2.0', uptime_in_seconds: 86_400 }, Replication: { role: 'master', connected_slaves: 0 } });

/** An INFO reply that is valid and `bytes` long: the real fields and one long padding field. */
function largeInfo(bytes: number): string {
  return `${INFO}# Padding\r\npad:${'x'.repeat(bytes - INFO.length - 20)}\r\n`;
}

/** A SCAN page with cursor `next` and `bytes` of distinct key names, raw RESP. */
function scanPage(page: number, bytes: number, next: string): Buffer {
  const keys: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const key = `session:${page}:${i}:${'k'.repeat(40)}`;
    keys.push(key);
    size += key.length + 8;
  }
  return encode({ array: [{ bulk: next }, { array: keys.map((key) => ({ bulk: key })) }] });
}

async function opened(url: string, budget: ReplyBudget) {
  const result = await openTarget(url, { replyBudget: budget, commandTimeoutMs: 30_000 });
  if (!result.ok) throw new Error(result.reason);
  return result.target;
}

describe('the replies one investigation holds', () => {
  it('count across commands: past the budget the next command fails with the reason', async () => {
    const reply = largeInfo(MB);
    const server = await startHostileRedis((command) => (command[0]?.toUpperCase() === 'INFO' ? { bulk: reply } : undefined));
    servers.push(server);
    const budget = new ReplyBudget(3.5 * MB);
    const target = await opened(server.url, budget);
    const gateway = await target.gateway(target.address);
    for (let i = 0; i < 3; i++) expect((await gateway.info()).length).toBe(reply.length);
    await expect(gateway.info()).rejects.toThrow("keyloss already holds 3.5 MB of this cache's replies for this investigation, its limit");
    await expect(gateway.info()).rejects.toThrow('its limit');
    // Every connection of the investigation shares the budget: a new one fails the same way.
    await expect(target.gateway(target.address, 1).then((other) => other.info())).rejects.toThrow('its limit');
    await target.close();
  });

  it('a scan reads many times its budget in pages and keeps only a bounded set of names', async () => {
    const pages = Array.from({ length: 12 }, (_, page) => scanPage(page, MB, page === 11 ? '0' : String(page + 1)));
    const server = await startHostileRedis((command) => {
      if (command[0]?.toUpperCase() !== 'SCAN') return undefined;
      return { raw: pages[Number(command[1])] ?? pages[0]! };
    });
    servers.push(server);
    const budget = new ReplyBudget(3.5 * MB);
    const target = await opened(server.url, budget);
    const scan = await boundedScan(await target.gateway(target.address), 'session:*', { pacing: fixedPacing(1, 500), keyBudget: 1e9, msBudget: 60_000, sampleLimit: 5 });
    expect(scan.complete).toBe(true);
    expect(scan.matched).toBeGreaterThan(12 * 15_000);
    expect(scan.sample).toHaveLength(5);
    // What the scan kept: at most 256 KB of names (counted beyond it, not remembered) and its sample.
    expect(budget.held).toBeLessThanOrEqual(0.3 * MB);
    await target.close();
  });

  it('a whole investigation against a server whose every reply is large: checks fail with the reason, the report comes', async () => {
    const size = 20 * MB;
    expect(size).toBeLessThan(MAX_REPLY_BYTES);
    const info = largeInfo(size);
    const clients = `id=7 addr=10.0.0.9:5000 name=app db=0 cmd=get pad=${'y'.repeat(size)}\n`;
    const slowlog = encode({ array: [{ array: [{ integer: 1 }, { integer: 1_700_000_000 }, { integer: 10 }, { array: [{ bulk: 'DEL' }, { bulk: 'z'.repeat(size) }] }] }] });
    const server = await startHostileRedis((command) => {
      const name = command[0]?.toUpperCase();
      if (name === 'INFO') return { bulk: info };
      if (name === 'CLIENT' && command[1]?.toUpperCase() === 'LIST') return { bulk: clients };
      if (name === 'SLOWLOG' && command[1]?.toUpperCase() === 'GET') return { raw: slowlog };
      if (name === 'CONFIG') return { array: [{ bulk: command[2] ?? '' }, { bulk: 'c'.repeat(size) }] };
      return undefined;
    });
    servers.push(server);
    const result = await investigate({
      redisUrl: server.url,
      runbook: await loadDefaultRunbook(),
      query: { key: 'session:*', isPattern: true, db: 0, since: new Date(Date.now() - 3600_000), tier: 'standard', scope: null },
      options: { rateIntervalMs: 50, commandTimeoutMs: 30_000 },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const failed = result.report.checks.filter((check) => check.status === 'failed');
    const limit = `keyloss already holds ${MAX_INVESTIGATION_BYTES / MB} MB of this cache's replies for this investigation, its limit`;
    expect(failed.filter((check) => check.error?.includes(limit)).length).toBeGreaterThan(0);
  }, 60_000);
});
