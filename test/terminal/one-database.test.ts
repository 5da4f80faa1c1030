// The walkthrough and the one rule for a database the cache does not have: refused at the db question and asked again
// at once (not after the questions that follow it), never asked where the cache has only db 0, and a --db flag the
// cache does not have is a bad flag (exit 2), as diagnose says it.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeyloss } from '../support/keyloss-cli.ts';
import { startCluster, type LocalCluster } from '../support/cluster.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';

const DB_QUESTION = 'Which database does the application use?';
const ENV = { KEYLOSS_CACHES: '/nonexistent/keyloss.caches.yaml', KEYLOSS_RATE_INTERVAL_MS: '50' };
const FLAGS = ['--key', 'session:17', '--tier', 'standard', '--since', '1h', '--scope', 'partial'];

let plain: RedisProcess;
let renamed: RedisProcess;
let cluster: LocalCluster;

beforeAll(async () => {
  [plain, renamed, cluster] = await Promise.all([startRedis(), startRedis(['--rename-command', 'SELECT', '']), startCluster()]);
  const app = new Redis(plain.url);
  await app.select(4);
  await app.set('session:17', 'in db 4');
  app.disconnect();
  const other = new Redis(renamed.url);
  await other.set('session:17', 'in db 0');
  other.disconnect();
  const shards = new Redis.Cluster([{ host: '127.0.0.1', port: cluster.nodes[0]!.port }]);
  await shards.set('session:17', 'in db 0');
  shards.disconnect();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await stopAllRedis();
});

function walk(args: string[], input: string) {
  return runKeyloss('walk', args, ENV, (child) => child.stdin?.end(input));
}

/** The prompts and refusals in order, without the help and options between them. */
function prompts(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /\?$|does not exist/.test(line));
}

describe('keyloss walk: the db question', () => {
  it('a db the server does not have is refused at the answer and asked again at once; the next one is taken', async () => {
    const run = await walk(['--redis', plain.url, '--key', 'session:17', '--tier', 'standard'], '99\n4\n1\n1\n');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const order = prompts(run.stdout);
    const refused = order.indexOf('db 99 does not exist on this server (16 databases: 0 to 15).');
    expect(refused, run.stdout).toBeGreaterThan(0);
    // Asked, refused, asked again: nothing in between, and since is asked once, after it.
    expect(order.slice(refused - 1, refused + 2)).toEqual([DB_QUESTION, order[refused], DB_QUESTION]);
    expect(order.filter((line) => line === 'When were the keys last known to be there?')).toHaveLength(1);
    expect(run.stdout.replace(/\s+/g, ' ')).toContain('The key is there');
  });

  for (const [what, url, why] of [
    ['a cluster', () => cluster.url, 'is a cluster'],
    ['a cache that refuses SELECT', () => renamed.url, `refuses SELECT ("ERR unknown command 'SELECT'")`],
  ] as const) {
    it(`${what}: the db is not asked; db 0 is said with the reason`, async () => {
      const run = await walk(['--redis', url(), ...FLAGS], '');
      expect(run.code, run.stdout + run.stderr).toBe(0);
      // Never asked (a question stands alone on its line); answered, with the reason under it.
      expect(run.stdout.split('\n')).not.toContain(DB_QUESTION);
      expect(run.stdout.replace(/\s+/g, ' ')).toContain(`✓ ${DB_QUESTION} 0 (the default) (the only database: this cache ${why}; "back" to change it) `);
      expect(run.stdout.replace(/\s+/g, ' ')).toContain('The key is there');
    });

    it(`${what}: --db 3 is a bad flag, one line, exit 2, before any question`, async () => {
      const run = await walk(['--redis', url(), ...FLAGS, '--db', '3'], '');
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`keyloss walk: --db: db 3 does not exist on this server (only db 0: it ${why})\n`);
      expect(run.stdout).toBe('');
    });
  }
});
