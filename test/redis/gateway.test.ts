// The read-only gateway against Redis's own command table: everything not allowlisted is refused before it is sent.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertAllowed, CommandRefused, CommandUnavailable } from '../../src/redis/gateway.ts';
import { openTarget, type RedisTarget } from '../../src/redis/target.ts';
import { startRedis, stopRedis, type RedisProcess } from '../support/redis-server.ts';

let server: RedisProcess;
let direct: Redis;
let target: RedisTarget;

beforeAll(async () => {
  server = await startRedis();
  // RESP2 and no client info: the test's own connection sends no HELLO or CLIENT SETINFO to blur the accounting.
  direct = new Redis(server.port, { protocol: 2, disableClientInfo: true });
  const opened = await openTarget(server.url);
  if (!opened.ok) throw new Error(opened.reason);
  target = opened.target;
});

afterAll(async () => {
  await target.close();
  direct.disconnect();
  await stopRedis(server);
});

type CommandInfo = [string, number, string[], ...unknown[]];

function isAllowed(command: string, sub?: string): boolean {
  try {
    assertAllowed(command, sub === undefined ? [] : [sub]);
    return true;
  } catch (error) {
    if (error instanceof CommandRefused) return false;
    throw error;
  }
}

describe('Gateway', () => {
  it('refuses every command and subcommand of the server that is not on the allowlist, without sending it', async () => {
    // COMMAND LIST names subcommands too (`client|kill`); they come with their container's COMMAND INFO.
    const names = ((await direct.call('COMMAND', 'LIST')) as string[]).filter((name) => !name.includes('|'));
    const infos = (await direct.call('COMMAND', 'INFO', ...names)) as CommandInfo[];
    const invocations: Array<{ command: string; sub?: string; flags: string[] }> = [];
    for (const info of infos) {
      const [name, , flags] = info;
      invocations.push({ command: name, flags });
      for (const sub of (info[9] as CommandInfo[] | undefined) ?? []) {
        invocations.push({ command: name, sub: sub[0].split('|')[1] as string, flags: sub[2] });
      }
    }
    expect(invocations.length).toBeGreaterThan(300);
    const gateway = await target.gateway(target.address);
    const sentBefore = target.commandsSent;
    const refused: string[] = [];
    for (const { command, sub, flags } of invocations) {
      if (isAllowed(command, sub)) {
        // What we let through never writes.
        expect(flags, `${command} ${sub ?? ''}`).not.toContain('write');
        continue;
      }
      const args = sub === undefined ? [] : [sub];
      await expect(gateway.call(command, ...args), `${command} ${sub ?? ''}`).rejects.toBeInstanceOf(CommandRefused);
      refused.push(sub === undefined ? command : `${command}|${sub}`);
    }
    expect(target.commandsSent).toBe(sentBefore);
    for (const dangerous of ['keys', 'flushall', 'flushdb', 'del', 'set', 'debug', 'shutdown', 'replicaof', 'slaveof', 'eval', 'multi', 'monitor', 'publish', 'spublish', 'migrate', 'bgsave', 'config|set', 'client|kill', 'acl|setuser', 'cluster|failover', 'script|flush', 'function|delete', 'module|load']) {
      expect(refused).toContain(dangerous);
    }

    // The server's own accounting: none of them arrived.
    const stats = String(await direct.call('INFO', 'commandstats'));
    const arrived = new Set([...stats.matchAll(/^cmdstat_([^:]+):/gm)].map((m) => m[1]));
    const sentByTheTestItself = new Set(['command|list', 'command|info', 'info']);
    for (const name of refused) if (!sentByTheTestItself.has(name)) expect(arrived.has(name), name).toBe(false);
  });

  it('lets the subscribe family through (keyevent capture), and nothing else of pub/sub that sends', () => {
    for (const command of ['SUBSCRIBE', 'PSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE']) expect(isAllowed(command), command).toBe(true);
    for (const command of ['PUBLISH', 'SPUBLISH', 'MONITOR']) expect(isAllowed(command), command).toBe(false);
  });

  it('refuses a command name smuggling a subcommand, and an empty one', async () => {
    const gateway = await target.gateway(target.address);
    await expect(gateway.call('CONFIG SET', 'save', '')).rejects.toBeInstanceOf(CommandRefused);
    await expect(gateway.call('')).rejects.toBeInstanceOf(CommandRefused);
    await expect(gateway.call('client', 'kill', 'id', 1)).rejects.toThrow('CLIENT KILL is not a read-only command');
  });

  it('turns a command the server does not offer into CommandUnavailable naming it and the node', async () => {
    // CONFIG renamed away: the way Azure Cache for Redis answers it ("ERR unknown command").
    const azureLike = await startRedis(['--rename-command', 'CONFIG', '']);
    const opened = await openTarget(azureLike.url);
    try {
      if (!opened.ok) throw new Error(opened.reason);
      const gateway = await opened.target.gateway(opened.target.address);
      const error = await gateway.call('CONFIG', 'GET', 'save').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandUnavailable);
      expect((error as Error).message).toMatch(new RegExp(`^CONFIG GET is not available on 127\\.0\\.0\\.1:${azureLike.port}: ERR unknown command`));
    } finally {
      if (opened.ok) await opened.target.close();
      await stopRedis(azureLike);
    }
  });

  it('gives each db its own connection, so SELECT never moves another check', async () => {
    await direct.select(5);
    await direct.set('only-in-5', '1');
    const db5 = await target.gateway(target.address, 5);
    const db0 = await target.gateway(target.address, 0);
    expect(await db5.call('EXISTS', 'only-in-5')).toBe(1);
    expect(await db0.call('EXISTS', 'only-in-5')).toBe(0);
    expect(await target.gateway(target.address, 5)).toBe(db5);
    await expect(target.gateway(target.address, 99)).rejects.toBeInstanceOf(CommandUnavailable);
    await direct.select(0);
  });
});

describe('the source tree', () => {
  it('opens Redis connections only in src/redis/connection.ts', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    walk('src/redis');
    walk('src/checks');
    walk('src/record');
    // Types (the recorder's state Redis client) are not connections.
    const importers = files.filter((file) => /^import (?!type )[^;]*from 'ioredis'/m.test(readFileSync(file, 'utf8')));
    expect(importers).toEqual(['src/redis/connection.ts']);
  });
});
