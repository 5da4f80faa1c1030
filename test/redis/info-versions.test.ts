// The INFO parser on what real servers answered (test/fixtures/info: 6.0 to 8.0 and Valkey 8, a primary and its
// replica each): the fields the checks read are there, typed, where the server has them, and absent where it has not.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInfo, roleOf, wasPromoted } from '../../src/redis/info.ts';

const folder = join(import.meta.dirname, '../fixtures/info');
const read = (name: string, side: 'primary' | 'replica') => parseInfo(readFileSync(join(folder, `${name}.${side}.txt`), 'utf8'));

interface Server {
  name: string;
  redisVersion: string;
  /** Fields added after 6.0 (errorstats, rdb_last_load_keys_loaded, server_time_usec) and GETDEL (6.2). */
  since62: boolean;
  /** client_output_buffer_limit_disconnections: 7.4 and Valkey 8, not 7.2. */
  bufferDrops: boolean;
  /** HEXPIRE: INFO expired_subkeys and keyspace subexpiry (7.4+; not Valkey 8.0). */
  fieldExpiry: boolean;
  valkey?: string;
}

const servers: Server[] = [
  { name: 'redis-6.0.20', redisVersion: '6.0.20', since62: false, bufferDrops: false, fieldExpiry: false },
  { name: 'redis-7.0.15', redisVersion: '7.0.15', since62: true, bufferDrops: false, fieldExpiry: false },
  { name: 'redis-7.2.6', redisVersion: '7.2.6', since62: true, bufferDrops: false, fieldExpiry: false },
  { name: 'redis-7.4.1', redisVersion: '7.4.1', since62: true, bufferDrops: true, fieldExpiry: true },
  { name: 'redis-8.0.2', redisVersion: '8.0.2', since62: true, bufferDrops: true, fieldExpiry: true },
  { name: 'valkey-8.0.1', redisVersion: '7.2.4', since62: true, bufferDrops: true, fieldExpiry: false, valkey: '8.0.1' },
];

describe.each(servers)('INFO all from $name', (server) => {
  const primary = read(server.name, 'primary');
  const replica = read(server.name, 'replica');

  it('names the server as it names itself', () => {
    expect(primary.server.redis_version).toBe(server.redisVersion);
    expect(primary.server.server_name).toBe(server.valkey ? 'valkey' : undefined);
    expect(primary.server.valkey_version).toBe(server.valkey);
    expect(primary.server.run_id).toMatch(/^[0-9a-f]{40}$/);
    expect(primary.server.uptime_in_seconds).toEqual(expect.any(Number));
  });

  it('reads the primary and its replica from both sides', () => {
    expect(roleOf(primary)).toBe('primary');
    expect(wasPromoted(primary)).toBe(false);
    expect(primary.replicas).toEqual([expect.objectContaining({ ip: '127.0.0.1', state: 'online', offset: expect.any(Number) })]);
    expect(roleOf(replica)).toBe('replica');
    expect(replica.replication.master_link_status).toBe('up');
    expect(replica.replication.master_port).toEqual(expect.any(Number));
    const counts = (entries: typeof primary.keyspace) => entries.map(({ db, keys, expires }) => ({ db, keys, expires }));
    expect(counts(replica.keyspace)).toEqual(counts(primary.keyspace));
  });

  it('reads the keyspace and the removals the workload made', () => {
    const db0 = primary.keyspace.find((entry) => entry.db === 0);
    // 5 session keys with TTLs, the order keys left after DEL, UNLINK and (from 6.2) GETDEL, two hashes.
    expect(db0).toMatchObject({ keys: server.since62 ? 9 : 10, expires: 5 });
    expect(db0?.avgTtl).toBeGreaterThan(0);
    expect(primary.keyspace.find((entry) => entry.db === 3)).toMatchObject({ keys: 3, expires: 0 });
    expect(primary.keyspace.some((entry) => entry.db === 5)).toBe(false);
    expect(primary.stats.expired_keys).toBeGreaterThanOrEqual(1);
    expect(primary.commandstats.del?.calls).toBe(1);
    expect(primary.commandstats.unlink?.calls).toBe(1);
    expect(primary.commandstats.flushdb?.calls).toBe(1);
    expect(primary.commandstats.getdel?.calls).toBe(server.since62 ? 1 : undefined);
  });

  it('leaves a field the server does not have undefined, never zero', () => {
    const has = (value: unknown) => value !== undefined;
    expect(has(primary.persistence.rdb_last_load_keys_loaded)).toBe(server.since62);
    expect(has(primary.server.server_time_usec)).toBe(server.since62);
    expect(has(primary.stats.client_output_buffer_limit_disconnections)).toBe(server.bufferDrops);
    expect(has(primary.stats.expired_subkeys)).toBe(server.fieldExpiry);
    if (server.fieldExpiry) {
      expect(primary.stats.expired_subkeys).toBe(2);
      expect(primary.keyspace.find((entry) => entry.db === 0)?.subexpiry).toBe(1);
    } else {
      expect(primary.keyspace.every((entry) => entry.subexpiry === undefined)).toBe(true);
    }
    // Errorstats exist from 6.2 on, and only for errors that happened: HEXPIRE was an unknown command here.
    expect(Object.keys(primary.errorstats).length > 0).toBe(server.since62 && !server.fieldExpiry);
  });
});
