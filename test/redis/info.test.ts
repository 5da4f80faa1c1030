import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInfo, roleOf, wasPromoted } from '../../src/redis/info.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';

describe('parseInfo on a real redis-server', () => {
  let server: RedisProcess;
  let direct: Redis;
  beforeAll(async () => {
    server = await startRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'volatile-lru']);
    direct = new Redis(server.port, { protocol: 2, disableClientInfo: true });
    await direct.set('a', '1', 'EX', 100);
    await direct.set('b', '1');
    await direct.del('b');
    await direct.select(2);
    await direct.set('c', '1');
    await direct.call('NOSUCHCOMMAND').catch(() => undefined);
  });
  afterAll(async () => {
    direct.disconnect();
    await stopRedis(server);
  });

  it('types every section the checks read', async () => {
    const info = parseInfo(String(await direct.call('INFO', 'all')));
    expect(info.server.redis_version).toMatch(/^\d+\.\d+/);
    expect(info.server.tcp_port).toBe(server.port);
    expect(typeof info.server.uptime_in_seconds).toBe('number');
    expect(info.memory.maxmemory).toBe(64 * 1024 * 1024);
    expect(info.memory.maxmemory_policy).toBe('volatile-lru');
    expect(info.persistence.aof_enabled).toBe(0);
    expect(info.stats.evicted_keys).toBe(0);
    expect(info.replication.role).toBe('master');
    // All zeros stays text: it is an id, not the number 0.
    expect(info.replication.master_replid2).toBe('0'.repeat(40));
    expect(info.replication.second_repl_offset).toBe(-1);
    expect(wasPromoted(info)).toBe(false);
    expect(roleOf(info)).toBe('primary');
    expect(info.commandstats.del).toMatchObject({ calls: 1, rejectedCalls: 0, failedCalls: 0 });
    expect(info.commandstats.set?.calls).toBe(3);
    expect(info.errorstats.ERR?.count).toBe(1);
    expect(info.keyspace).toEqual([
      { db: 0, keys: 1, expires: 1, avgTtl: expect.any(Number) },
      { db: 2, keys: 1, expires: 0, avgTtl: 0 },
    ]);
    expect(info.cluster.cluster_enabled).toBe(0);
    // Unknown fields and unmodelled sections are kept, numbers as numbers.
    expect(info.memory.used_memory_human).toMatch(/[KMG]$/);
    expect(typeof info.other.cpu?.used_cpu_sys).toBe('number');
  });
});

describe('parseInfo on other servers', () => {
  it('reads an Enterprise-like INFO that lacks maxmemory, the policy, replids and load counters', () => {
    const text = readFileSync(join(import.meta.dirname, 'fixtures/info-enterprise.txt'), 'utf8').replace(/\n/g, '\r\n');
    const info = parseInfo(text);
    expect(info.server.redis_version).toBe('7.2.4');
    expect(info.server.uptime_in_seconds).toBe(864213);
    expect(info.memory.used_memory).toBe(73400320);
    expect(info.memory.maxmemory).toBeUndefined();
    expect(info.memory.maxmemory_policy).toBeUndefined();
    expect(info.persistence.rdb_last_load_keys_loaded).toBeUndefined();
    expect(info.replication.master_replid2).toBeUndefined();
    expect(wasPromoted(info)).toBe(false);
    expect(info.commandstats.del).toEqual({ calls: 2911, usec: 0, usecPerCall: 0 });
    expect(info.keyspace).toEqual([{ db: 0, keys: 120431, expires: 118002, avgTtl: 0 }]);
    expect(info.replicas).toEqual([]);
  });

  it('parses replica lines, a promoted primary, a replica link and a 7.4 keyspace line', () => {
    const info = parseInfo(
      [
        '# Replication',
        'role:master',
        'connected_slaves:2',
        'slave0:ip=10.0.0.5,port=6380,state=online,offset=5000,lag=1',
        'slave1:ip=10.0.0.6,port=6380,state=wait_bgsave,offset=0',
        'master_replid:8a1b2c3d4e5f60718293a4b5c6d7e8f901234567',
        'master_replid2:1234567890123456789012345678901234567890',
        'master_repl_offset:5120',
        'second_repl_offset:4097',
        '# Keyspace',
        'db0:keys=10,expires=4,avg_ttl=5000,subexpiry=1',
      ].join('\n'),
    );
    expect(info.replicas).toEqual([
      { ip: '10.0.0.5', port: 6380, state: 'online', offset: 5000, lag: 1 },
      { ip: '10.0.0.6', port: 6380, state: 'wait_bgsave', offset: 0, lag: null },
    ]);
    expect(info.replication.master_replid2).toBe('1234567890123456789012345678901234567890');
    expect(wasPromoted(info)).toBe(true);
    expect(info.keyspace[0]).toEqual({ db: 0, keys: 10, expires: 4, avgTtl: 5000, subexpiry: 1 });
    const replica = parseInfo('# Replication\r\nrole:slave\r\nmaster_link_status:down\r\nmaster_link_down_since_seconds:42\r\n');
    expect(roleOf(replica)).toBe('replica');
    expect(replica.replication.master_link_down_since_seconds).toBe(42);
  });

  it('drops a malformed known field instead of failing, and places fields of header-less INFO by name', () => {
    const info = parseInfo('uptime_in_seconds:12\nused_memory:abc\nrole:master\nexpired_keys:7\n');
    expect(info.server.uptime_in_seconds).toBe(12);
    expect(info.memory.used_memory).toBeUndefined();
    expect(info.replication.role).toBe('master');
    expect(info.stats.expired_keys).toBe(7);
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        parseInfo(text);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('used_memory', 'role', 'db0', 'cmdstat_del', 'slave0', 'x'), fc.string({ maxLength: 30 }))), (pairs) => {
        parseInfo(pairs.map(([k, v]) => `${k}:${v}`).join('\n'));
      }),
    );
  });
});
