// One database: where SELECT is refused (Azure Managed Redis does; here a renamed command and an ACL) or the cache is a
// cluster, a db other than 0 is refused before any check with one line (exit 2), wrong-database is ruled out as not
// applicable with the reason, and a db the checks could not select is a failed check, never "not found there".
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneLine, runDiagnose as keyloss } from '../support/keyloss-cli.ts';
import { startCluster, type LocalCluster } from '../support/cluster.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { open, runSome } from '../checks/support.ts';

let renamed: RedisProcess;
let acl: RedisProcess;
let onlySelect0: RedisProcess;
let cluster: LocalCluster;

beforeAll(async () => {
  [renamed, acl, onlySelect0, cluster] = await Promise.all([
    startRedis(['--rename-command', 'SELECT', '']),
    startRedis(),
    startRedis(),
    startCluster(),
  ]);
  for (const server of [renamed, acl, onlySelect0]) {
    const staging = new Redis(server.url);
    await staging.set('session:17', 'here');
    if (server === acl) await staging.call('ACL', 'SETUSER', 'default', 'on', 'nopass', '~*', '&*', '+@all', '-select');
    // SELECT 0 allowed, every other db refused: the refusal only shows when a check selects the app's db.
    if (server === onlySelect0) await staging.call('ACL', 'SETUSER', 'default', 'on', 'nopass', '~*', '&*', '+@all', '-select', '+select|0');
    staging.disconnect();
  }
  const staging = new Redis.Cluster([{ host: '127.0.0.1', port: cluster.nodes[0]!.port }]);
  await staging.set('session:17', 'here');
  staging.disconnect();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await stopAllRedis();
});

interface Cause {
  id: string;
  likelihood: string;
  evidence: Array<{ check: string; summary: string }>;
}

function wrongDatabase(stdout: string): Cause {
  const report = JSON.parse(stdout) as { causes: Cause[] };
  return report.causes.find((cause) => cause.id === 'wrong-database')!;
}

describe('a cache with one database', () => {
  const cases = [
    ['SELECT renamed away', () => renamed.url, `only db 0: it refuses SELECT ("ERR unknown command 'SELECT'")`],
    ['an ACL without SELECT', () => acl.url, `only db 0: it refuses SELECT ("NOPERM this user has no permissions to run the 'select' command")`],
    ['a cluster', () => cluster.url, 'only db 0: it is a cluster'],
  ] as const;

  for (const [what, url, why] of cases) {
    it(`${what}: --db 3 is refused with one line (exit 2), before any check`, async () => {
      const run = await keyloss(['--redis', url(), '--key', 'session:17', '--db', '3', '--json']);
      expect(oneLine(run, 2)).toBe(`keyloss diagnose: --db: db 3 does not exist on this server (${why})`);
      expect(run.stdout).toBe('');
    });

    it(`${what}: in db 0, wrong-database is ruled out as not applicable, with the reason`, async () => {
      const run = await keyloss(['--redis', url(), '--key', 'session:18', '--json']);
      expect(run.code, run.stderr).toBe(0);
      const cause = wrongDatabase(run.stdout);
      expect(cause.likelihood).toBe('ruled-out');
      expect(cause.evidence[0]?.summary).toBe(`not applicable: this cache has only db 0 (${why.slice('only db 0: '.length)}), so there is no other database to write to`);
      // The key that is there is found there.
      const found = await keyloss(['--redis', url(), '--key', 'session:17', '--json']);
      expect(JSON.parse(found.stdout)).toMatchObject({ verdict: 'no-loss', key: { present: true } });
    });
  }

  it('the same rule for a db in the URL (redis://…/3) or the caches file, named by where it came from', async () => {
    const run = await keyloss(['--redis', `${renamed.url}/3`, '--key', 'session:17']);
    expect(oneLine(run, 2)).toBe(`keyloss diagnose: --redis: db 3 does not exist on this server (only db 0: it refuses SELECT ("ERR unknown command 'SELECT'"))`);
    const file = join(mkdtempSync(join(tmpdir(), 'keyloss-onedb-')), 'keyloss.caches.yaml');
    writeFileSync(file, `caches:\n  sharded:\n    url: ${cluster.url}\n    db: 2\n`);
    const named = await keyloss(['--cache', 'sharded', '--key', 'session:17'], { KEYLOSS_CACHES: file });
    expect(oneLine(named, 2)).toBe('keyloss diagnose: --cache sharded (its db in the caches file): db 2 does not exist on this server (only db 0: it is a cluster)');
  });

  it('a 16-db server that refuses SELECT 3 to this user: presence fails with the refusal, never "not in db 3"', async () => {
    const target = await open(onlySelect0.url);
    try {
      const results = await runSome(target, ['keyspace.presence'], 'session:17', { query: { db: 3 } });
      const presence = results['keyspace.presence'];
      expect(presence?.status).toBe('failed');
      expect(presence?.status === 'failed' ? presence.error : '').toMatch(/^db 3 could not be searched: SELECT is not available on 127\.0\.0\.1:\d+: NOPERM/);
    } finally {
      await target.close();
    }
  });
});
