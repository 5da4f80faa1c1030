// The servers the newer-server tests run on start here and are what they say (installed by `.ci/servers`); a missing
// one fails this test with the command that installs it.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { parseInfo } from '../../src/redis/info.ts';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';

afterAll(stopAllRedis);

describe('the servers the tests start', () => {
  it.each([
    { server: 'redis' as const, name: undefined, version: /^\d+\./ },
    { server: 'redis-8' as const, name: undefined, version: /^8\./ },
    { server: 'valkey-8' as const, name: 'valkey', version: /^7\.2\.4$/ },
  ])('$server starts on a free port and names itself in INFO', async ({ server, name, version }) => {
    const node = await startRedis([], { server });
    const client = new Redis(node.port, '127.0.0.1');
    try {
      const info = parseInfo(String(await client.call('INFO', 'server')));
      expect(info.server.redis_version).toMatch(version);
      expect(info.server.server_name).toBe(name);
    } finally {
      client.disconnect();
    }
  });
});
