// INFO fields a server version lacks (6.0 has no server_time_usec and no rdb_last_load_keys_loaded) are said under what
// could not be checked, never silently dropped: a diagnosis against each recorded server's INFO (test/fixtures/info).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { investigate } from '../../src/investigate.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import type { Runbook } from '../../src/runbook/schema.ts';
import { startHostileRedis, type HostileServer } from '../support/hostile-redis.ts';

const folder = join(import.meta.dirname, '../fixtures/info');
let runbook: Runbook;
const servers: HostileServer[] = [];
beforeAll(async () => {
  runbook = await loadDefaultRunbook();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function unchecked(fixture: string): Promise<string> {
  const text = readFileSync(join(folder, `${fixture}.primary.txt`), 'utf8');
  const server = await startHostileRedis((command) => (command[0]?.toUpperCase() === 'INFO' ? { bulk: text } : undefined));
  servers.push(server);
  const result = await investigate({
    redisUrl: server.url,
    runbook,
    query: { key: 'session:17', isPattern: false, db: 0, since: new Date(Date.now() - 3600_000), tier: null, scope: null },
    options: { rateIntervalMs: 0 },
  });
  if (!result.ok) throw new Error(result.reason);
  return result.report.unchecked.join('\n');
}

describe('INFO fields a server version lacks', () => {
  it('are listed under what could not be checked on Redis 6.0.20, with what each would have shown', async () => {
    expect(await unchecked('redis-6.0.20')).toMatch(
      /127\.0\.0\.1:\d+ \(redis_version 6\.0\.20\) does not report server_time_usec \(the server's clock, which dates a restart to the second\) or rdb_last_load_keys_loaded \(how many keys the last start loaded from disk\): what they show could not be checked\./,
    );
  });

  it.each(['redis-7.0.15', 'redis-7.2.6', 'redis-7.4.1', 'redis-8.0.2', 'valkey-8.0.1'])('are not claimed missing where the server has them (%s)', async (fixture) => {
    expect(await unchecked(fixture)).not.toMatch(/does not report/);
  });
});
