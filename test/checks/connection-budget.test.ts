// A connection budget per node: at most two connections whatever the number of dbs (one for db 0, one that
// SELECTs every other db in turn), at most 64 dbs searched, and a maxclients refusal said as such.
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_DBS_SEARCHED } from '../../src/checks/presence.ts';
import { investigate } from '../../src/investigate.ts';
import { openGateway } from '../../src/redis/connection.ts';
import { renderText } from '../../src/report/text.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import { infoText, startHostileRedis, type HostileServer } from '../support/hostile-redis.ts';
import { startRedis, stopAllRedis } from '../support/redis-server.ts';
import { stagingClient } from './support.ts';

const servers: HostileServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await stopAllRedis();
});

const query = (key: string) => ({ key, isPattern: key.includes('*'), db: 0, since: new Date(Date.now() - 3600_000), tier: 'standard' as const, scope: null });

describe('a server with 2,000 dbs', () => {
  it('is searched on at most two connections, in at most 64 dbs, the rest reported in one line', async () => {
    const keyspace = Object.fromEntries(Array.from({ length: 2000 }, (_, db) => [`db${db}`, `keys=${db === 1500 ? 50 : 1},expires=0,avg_ttl=0`]));
    const info = infoText({ Server: { redis_version: '7.2.0', uptime_in_seconds: 86_400 }, Replication: { role: 'master' }, Keyspace: keyspace });
    const server = await startHostileRedis((command, connection) => {
      const name = command[0]?.toUpperCase();
      if (name === 'INFO') return { bulk: info };
      // The session keys live in db 1500 only.
      if (name === 'SCAN') return { array: [{ bulk: '0' }, { array: connection.db === 1500 ? [{ bulk: 'session:1' }] : [] }] };
      return undefined;
    });
    servers.push(server);
    const result = await investigate({ redisUrl: server.url, runbook: await loadDefaultRunbook(), query: query('session:*'), checks: ['keyspace.presence'] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(server.accepted).toBeLessThanOrEqual(2);
    expect(server.maxOpen).toBeLessThanOrEqual(2);
    const scanned = new Set(server.commands.filter((c) => c.command[0] === 'SCAN').map((c) => c.connection));
    expect(scanned.size).toBeLessThanOrEqual(2);
    expect(result.report.key.matches).toEqual([{ db: 1500, count: 1, sampled: false }]);
    const text = renderText(result.report, { color: false }).replace(/\s+/g, ' ');
    expect(text).toContain(`${(2000 - MAX_DBS_SEARCHED).toLocaleString('en')} dbs could not be searched (not searched: keyloss searches at most ${MAX_DBS_SEARCHED} dbs`);
  });

  it('an exact key on a real Redis with 16 dbs: every db looked at, on two connections', async () => {
    const redis = await startRedis();
    const staging = stagingClient(redis.port);
    for (let db = 0; db < 16; db++) {
      await staging.select(db);
      await staging.set(db === 9 ? 'order:7' : `other:${db}`, 'v');
    }
    await staging.select(0);
    const clientsBefore = String(await staging.client('LIST')).trim().split('\n').length;
    const dialled: number[] = [];
    const watch = setInterval(() => {
      staging.client('LIST').then((list) => dialled.push(String(list).trim().split('\n').length - clientsBefore), () => undefined);
    }, 5);
    const result = await investigate({ redisUrl: redis.url, runbook: await loadDefaultRunbook(), query: query('order:7'), checks: ['keyspace.presence'] });
    clearInterval(watch);
    await staging.quit();
    expect(result.ok && result.report.key.matches).toEqual([{ db: 9, count: 1, sampled: false }]);
    expect(Math.max(0, ...dialled)).toBeLessThanOrEqual(2);
  });
});

describe('a server at maxclients', () => {
  it('is said to be full, never blamed on the scheme', async () => {
    const server = await startHostileRedis(undefined, {
      onConnect: (socket) => {
        socket.end('-ERR max number of clients reached\r\n');
        return true;
      },
    });
    servers.push(server);
    for (const password of [null, 'a-password']) {
      const opened = await openGateway({ host: '127.0.0.1', port: server.port, tls: false, db: 0, username: null, password });
      expect(opened.ok).toBe(false);
      if (opened.ok) continue;
      expect(opened.reason).toMatch(/max number of clients reached/);
      expect(opened.reason).not.toMatch(/rediss|TLS/);
    }
  });
});
