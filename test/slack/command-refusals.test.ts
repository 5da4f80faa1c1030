// What /keyloss refuses, through the real Bolt receiver with signed requests: a mistyped cache name gets "did you mean",
// in the ephemeral ack; a db the cache does not have is said to the person who gave it, before anything is posted or run.
// Slack never asks for a db (the command text gives it, else the caches file); a cache with only db 0 rules out the
// wrong database as not applicable.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../support/cluster.ts';
import { startRedis, stopAllRedis, type RedisProcess } from '../support/redis-server.ts';
import { startSlackApp, type InProcessApp } from '../support/slack-app.ts';
import { blockText, CHANNEL } from '../support/slack-driver.ts';

const ONCALL = 'U0ONCALL';
const DB_QUESTION = 'Which database does the application use?';
let redis: RedisProcess;
let renamed: RedisProcess;
let cluster: LocalCluster;
let h: InProcessApp;

beforeAll(async () => {
  [redis, renamed, cluster] = await Promise.all([startRedis(), startRedis(['--rename-command', 'SELECT', '']), startCluster()]);
  const cache = (name: string, url: string) => [`  ${name}:`, `    url: ${url}`, '    tier: standard'];
  h = await startSlackApp({
    caches: ['caches:', ...cache('evict', redis.url), ...cache('expire', redis.url), ...cache('noselect', renamed.url), ...cache('sharded', cluster.url)].join('\n'),
  });
}, 60_000);

afterEach(() => {
  expect(h.fake.breaches).toEqual([]);
});

afterAll(async () => {
  await h?.stop();
  await cluster?.stop();
  await stopAllRedis();
});

/** The ephemeral answer to the nth command of `user` (sent through its response_url after the ack). */
function responseTo(user: string, nth: number) {
  return h.waitFor(() => h.fake.responses.filter((r) => r.id === `cmd-${user}`)[nth - 1], `response ${nth} to ${user}`);
}

describe('/keyloss, refused in the ack', () => {
  it('a mistyped cache name: "did you mean evict?", ephemeral, and nothing posted', async () => {
    const res = await h.command('evcit', ONCALL);
    expect(res.json).toMatchObject({ response_type: 'ephemeral', text: 'keyloss: "evcit" is not a configured cache: did you mean "evict"? (For a key of that name, give the cache first.)' });
    const again = await h.command('evcit session:17 since 1h', ONCALL);
    expect(JSON.stringify(again.json)).toContain('did you mean \\"evict\\"?');
    expect(h.fake.messages).toEqual([]);
    expect(h.fake.breaches).toEqual([]);
  });
});

describe('/keyloss and a db the cache does not have', () => {
  it('db 99 in the command text on a 16-db cache: said to the person, before any root message or check (never "unreachable")', async () => {
    h.fake.messages.length = 0;
    await h.command('evict session:17 db 99 since 1h', 'U0DB99');
    const response = await responseTo('U0DB99', 1);
    expect(response.body).toMatchObject({ response_type: 'ephemeral', text: 'keyloss: evict: db 99 does not exist on this server (16 databases: 0 to 15). Give the database the application uses, or leave db out to take the one in the caches file.' });
    expect(h.fake.messages).toEqual([]);
    expect(h.audit.join('\n')).not.toMatch(/"action":"(checks-started|unreachable)"/);
  });

  it('db 3 on a cache that refuses SELECT, and on a cluster: the same, with the reason', async () => {
    h.fake.messages.length = 0;
    await h.command('noselect session:17 db 3 since 1h', 'U0DB3');
    expect((await responseTo('U0DB3', 1)).body.text).toBe(
      `keyloss: noselect: db 3 does not exist on this server (only db 0: it refuses SELECT ("ERR unknown command 'SELECT'")). Give the database the application uses, or leave db out to take the one in the caches file.`,
    );
    await h.command('sharded session:17 db 3 since 1h', 'U0DB3');
    expect((await responseTo('U0DB3', 2)).body.text).toMatch(/^keyloss: sharded: db 3 does not exist on this server \(only db 0: it is a cluster\)\./);
    expect(h.fake.messages).toEqual([]);
  });

  for (const [name, why] of [
    ['sharded', 'it is a cluster'],
    ['noselect', `it refuses SELECT ("ERR unknown command 'SELECT'")`],
  ] as const) {
    it(`${name}: only db 0; no db is asked, and wrong-database is ruled out as not applicable, with the reason`, async () => {
      await h.command(`${name} session:17 since 1h`, 'U0ONEDB');
      const root = await h.waitFor(() => h.roots().find((m) => m.versions[0]?.text.includes(`investigation on ${name},`)), `the root message for ${name}`);
      const verdict = await h.verdict(root);
      expect(h.fake.thread(CHANNEL, root.ts).map((m) => m.text)).not.toContain(DB_QUESTION);
      const ruledOut = `The keys are in another database* — ruled out: not applicable: this cache has only db 0 (${why}), so there is no other database to write to`;
      expect(blockText(verdict)).toContain(JSON.stringify(ruledOut).slice(1, -1));
    });
  }
});
