// The report's words on staged evidence, as the engineer reads them: the evidence that decided the likelihood first,
// fixes in the words of what was found, and tier-specific fixes said as such when the tier is unknown.
import { describe, expect, it } from 'vitest';
import { buildReport, summarizeChecks } from '../../src/report/build.ts';
import { renderText } from '../../src/report/text.ts';
import type { CheckId } from '../../src/domain/checks.ts';
import type { Query } from '../../src/domain/query.ts';
import type { ClientsData } from '../../src/domain/evidence.ts';
import { makeEvidence, NOW, restartNode, SINCE } from '../diagnosis/evidence-fixture.ts';
import { runbook } from '../diagnosis/runbook-fixture.ts';

const ORDER: CheckId[] = ['info', 'keyspace.presence', 'keyspace.ttl-sample', 'clients', 'memory', 'commands.deletion', 'replication', 'persistence.restart', 'rates'];

type Evidence = ReturnType<typeof makeEvidence>;

function reportOf(evidence: Evidence) {
  return buildReport({
    evidence,
    runbook,
    target: { host: '127.0.0.1', port: 6390, tls: false },
    checks: summarizeChecks(evidence.results, ORDER, {}),
    generatedAt: NOW,
  });
}

/** The top of the text report: headline, verdict and the featured cause with its evidence and fixes. */
function topOf(evidence: Evidence): string {
  const text = renderText(reportOf(evidence), { color: false, width: 100 });
  return text.slice(0, text.indexOf('\nOther causes'));
}

const deletion = (clients: Partial<ClientsData>, query: Partial<Query> = {}) =>
  makeEvidence(
    'user:42',
    {
      'commands.deletion': {
        calls: { del: 0, unlink: 2, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 },
        nodes: [{ address: '10.0.0.4:6379', calls: { del: 0, unlink: 2, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 } }],
      },
      'keyspace.ttl-sample': { pattern: 'user:*', siblingsOf: 'user:42' },
      clients: { total: 3, byDb: [{ db: 0, clients: 3 }], names: [], removers: [], ...clients },
    },
    query,
  );

describe('the report on staged evidence', () => {
  it('deletion by a named client: the client leads, and no fix asks to name clients', () => {
    const evidence = deletion({ names: [{ name: 'billing-worker', clients: 1, dbs: [0] }], removers: [{ addr: '10.1.1.7:41000', name: 'billing-worker', db: 0, cmd: 'unlink' }] });
    expect(topOf(evidence)).toMatchInlineSnapshot(`
      "keyloss: user:42 on 127.0.0.1:6390 db 0, last seen 05:00:00 UTC

      Keys deleted by a client (DEL, UNLINK, HDEL, GETDEL): client billing-worker (10.1.1.7:41000) last
      ran UNLINK on db 0 (CLIENT LIST).

      Verdict: EXPLAINED   scope inferred: partial, tier unknown

      ● LIKELY  Keys deleted by a client (DEL, UNLINK, HDEL, GETDEL)  (deletion)
        +  client billing-worker (10.1.1.7:41000) last ran UNLINK on db 0 (CLIENT LIST)
        +  none of the 50 sampled user:* keys carries a TTL and evicted_keys is 0: only a command removes
           such keys, and nothing else can have removed these keys (expiration, eviction, replication,
           flush, wrong database and instance failure excluded by strong evidence against each): deletion
           is what is left
        +  DEL 0, UNLINK 2, HDEL 0, GETDEL 0 calls since the node started 3 d ago

        Something connected to the cache removed the keys: application code, a cleanup job, a script or a
        person with redis-cli. It looks like DEL, UNLINK, HDEL or GETDEL call counts rising in INFO
        commandstats while the missing keys carried no TTL and nothing was evicted; sometimes SLOWLOG or
        CLIENT LIST names the client whose last command was a delete.

        What to do
        1. Start with billing-worker: CLIENT LIST shows it last ran a removing command on db 0. Find the
           application or job that connects under that name, search it for DEL, UNLINK, HDEL and GETDEL on
           this key prefix (and library calls such as delete, remove or invalidate), and line them up with
           its recent deploys and schedules.
        2. If the cache is Basic, Standard or Premium: stop stray deletes at the door. Use Microsoft Entra
           ID authentication with a data access policy (Redis ACL syntax) that leaves DEL and UNLINK out
           for jobs and people who only read (for example +@read), and stop handing out the access key.
      "
    `);
  });

  it('deletion by an unnamed client: the generic search, and the advice to name clients', () => {
    const evidence = deletion({ removers: [{ addr: '10.1.1.7:41000', name: '', db: 0, cmd: 'unlink' }] }, { tier: 'standard' });
    const report = reportOf(evidence);
    const top = report.causes[0];
    expect(top?.id).toBe('deletion');
    // Unnamed, the client is a weak hint: the TTL sample decided, and it leads.
    expect(top?.evidence[0]?.summary).toMatch(/^none of the 50 sampled user:\* keys carries a TTL/);
    expect(top?.evidence.map((e) => e.summary)).toContain('client 10.1.1.7:41000 last ran UNLINK on db 0 (CLIENT LIST)');
    expect(top?.fixes[0]).toMatch(/^Search the application, jobs and scripts/);
    expect(top?.fixes.some((fix) => fix.startsWith('Give every application a name with CLIENT SETNAME'))).toBe(true);
    // The tier is known: its fixes are said plainly, without "If the cache is …".
    expect(top?.fixes.some((fix) => fix.startsWith('Stop stray deletes at the door'))).toBe(true);
    expect(top?.fixes.join('\n')).not.toContain('If the cache is');
  });

  it('wrong database: the fixes name the db the keys are in', () => {
    const evidence = makeEvidence('session:17', {
      'keyspace.presence': {
        matches: [{ db: 4, count: 1, sampled: false }],
        keyspace: [{ db: 0, keys: 5_000, expires: 0, avgTtlMs: 0 }, { db: 4, keys: 1, expires: 0, avgTtlMs: 0 }],
      },
    });
    expect(topOf(evidence)).toMatchInlineSnapshot(`
      "keyloss: session:17 on 127.0.0.1:6390 db 0, last seen 05:00:00 UTC

      The keys are in another database: session:17 is not in db 0 but exists in db 4 (1 key), and nothing
      else can have removed these keys (expiration, eviction, replication, deletion, flush and instance
      failure excluded by strong evidence against each): wrong database is what is left.

      Verdict: EXPLAINED   scope inferred: partial, tier unknown

      ● LIKELY  The keys are in another database  (wrong-database)
        +  session:17 is not in db 0 but exists in db 4 (1 key), and nothing else can have removed these
           keys (expiration, eviction, replication, deletion, flush and instance failure excluded by
           strong evidence against each): wrong database is what is left
        -  all 3 connected clients use db 0

        A cache has numbered databases (0 to 15) and each connection uses one, picked by SELECT or the
        database number in the connection string. If the writer and the reader use different numbers, the
        reader finds nothing although the keys are there. It looks like the key or pattern found in
        another database, and CLIENT LIST showing clients on more than one.

        What to do
        1. Compare the database number in every application's connection string (defaultDatabase=N for
           StackExchange.Redis, /N at the end of a redis:// URL, a db option) and any SELECT in code, and
           make writers and readers use the same one.
        2. The keys are in db 4. Point the application at db 4, or, once every writer uses db 0, move them
           back: SELECT 4, then MOVE <key> 0 for each key.
        3. Give every application a name with CLIENT SETNAME, so CLIENT LIST shows which application uses
           which database.
      "
    `);
  });

  it('wrong database with every client named: no advice to name them', () => {
    const evidence = makeEvidence('session:17', {
      'keyspace.presence': { matches: [{ db: 4, count: 1, sampled: false }] },
      clients: { total: 3, byDb: [{ db: 0, clients: 2 }, { db: 4, clients: 1 }], names: [{ name: 'api', clients: 2, dbs: [0] }, { name: 'importer', clients: 1, dbs: [4] }], removers: [] },
    });
    const fixes = reportOf(evidence).causes[0]?.fixes ?? [];
    expect(fixes.length).toBeGreaterThan(0);
    expect(fixes.join('\n')).not.toContain('CLIENT SETNAME');
  });

  it('expiration: one TTL is said once, with what it means for the window', () => {
    const evidence = makeEvidence('session:17', {
      'keyspace.ttl-sample': { withTtl: 50, withoutTtl: 0, medianTtlMs: 270_000, minTtlMs: 270_000, maxTtlMs: 270_000 },
      memory: { expiredKeys: 100 },
      'keyspace.presence': { keyspace: [{ db: 0, keys: 50, expires: 50, avgTtlMs: 270_000 }] },
    });
    expect(topOf(evidence)).toMatchInlineSnapshot(`
      "keyloss: session:17 on 127.0.0.1:6390 db 0, last seen 05:00:00 UTC

      Keys expired (their TTL ran out): 50 of 50 sampled session:* keys (siblings of session:17) carry a
      TTL (all 4.5 min); every sampled TTL is shorter than the 1 h since the keys were last seen, so keys
      like these run out within it, and nothing else can have removed these keys (eviction, replication,
      deletion, flush, wrong database and instance failure excluded by strong evidence against each):
      expiration is what is left.

      Verdict: EXPLAINED   scope inferred: partial, tier unknown

      ● LIKELY  Keys expired (their TTL ran out)  (expiration)
        +  50 of 50 sampled session:* keys (siblings of session:17) carry a TTL (all 4.5 min); every
           sampled TTL is shorter than the 1 h since the keys were last seen, so keys like these run out
           within it, and nothing else can have removed these keys (eviction, replication, deletion,
           flush, wrong database and instance failure excluded by strong evidence against each):
           expiration is what is left
        +  expired_keys 100 since the node started 3 d ago
        ·  db 0: 50 keys, 50 with a TTL (avg_ttl 4.5 min)

        Redis removes a key by itself when the TTL it was written with runs out (SET … EX, EXPIRE, SETEX,
        a client library's default expiry). That is normal behaviour: the question is whether the TTL is
        the one you meant. It looks like expired_keys rising in the window, the sibling keys carrying
        TTLs, often short ones, and no evictions.

        What to do
        1. Find where the application sets the TTL (SET with EX or PX, EXPIRE, SETEX, or a cache library's
           default expiry) and make it as long as the data must live.
        2. The sampled keys carry short TTLs. Look for a TTL computed in the wrong unit (seconds passed
           where milliseconds are expected, or the reverse) or a library default you did not choose.
        3. If these keys must never expire, write them without a TTL (and run PERSIST on the existing
           ones), and check that no wrapper or library adds one.
      "
    `);
  });

  it('tier unknown: tier-specific fixes come last, each saying which tier it is for', () => {
    const restartedAt = new Date(NOW.getTime() - 600_000);
    const evidence = makeEvidence(
      'session:*',
      {
        'keyspace.presence': { keyspace: [], dbsChecked: [{ db: 0, scannedKeys: 0, complete: true, ms: 1 }] },
        'persistence.restart': { nodes: [restartNode('10.0.0.4:6379', restartedAt, true)] },
      },
      { scope: 'complete' },
    );
    expect(SINCE.getTime()).toBeLessThan(restartedAt.getTime());
    expect(topOf(evidence)).toMatchInlineSnapshot(`
      "keyloss: session:* on 127.0.0.1:6390 db 0, last seen 05:00:00 UTC

      The node restarted or was replaced without its data: 10.0.0.4:6379 restarted at 05:50:00 UTC (up
      10 min), after the keys were last seen at 05:00:00 UTC.

      Verdict: EXPLAINED   scope complete, tier unknown

      ● LIKELY  The node restarted or was replaced without its data  (instance-failure)
        +  10.0.0.4:6379 restarted at 05:50:00 UTC (up 10 min), after the keys were last seen at 05:00:00
           UTC
        +  db 0 holds 0 keys after the restart
        +  10.0.0.4:6379 has persistence off (no RDB saves, AOF off): it came back with only what was
           written since

        Redis keeps data in memory, so a node that restarts comes back empty unless a replica takes over
        in time or it reloads from persistence. Basic has no replica: any restart, patch or scaling loses
        everything. It looks like an uptime shorter than the time since the keys were last seen, a nearly
        empty keyspace, nothing loaded from persistence, and gaps in every Azure metric with connected
        clients dropping to 0.

        What to do
        1. Make the application refill the cache from its source of truth after an empty start
           (cache-aside reads, a warm-up on start).
        2. Send the cache's metrics to Log Analytics (Azure diagnostic settings) and alert on Errors
           (ErrorType Failover or Dataloss) and on Connected Clients dropping to 0, so the next restart is
           seen when it happens.
        3. If the cache is Basic: upgrade from Basic to Standard or Premium. Basic is a single node and
           loses all data on every restart, patch or scaling; Standard adds a replica that takes over.
        4. If the cache is Premium: turn on data persistence (Advanced settings, Data persistence, RDB or
           AOF) so a node that restarts reloads its data from the storage account.
        5. If the cache is Enterprise, Enterprise Flash or Azure Managed Redis: turn on data persistence
           (Advanced settings, Data persistence; the database's persistence in Resource Manager), AOF or
           RDB (one of them, and not with geo-replication), so a shard that restarts reloads its data from
           disk.
        6. If the cache is Standard: only Premium and higher tiers can persist data. If the data must
           survive both nodes going down, upgrade to Premium and turn on RDB or AOF persistence.
        7. If the cache is Premium, Enterprise, Memory Optimized (Azure Managed Redis), Balanced (Azure
           Managed Redis) or Compute Optimized (Azure Managed Redis): add geo-replication (passive on
           Premium, active on Enterprise and Azure Managed Redis) to keep a copy in another region for
           when a whole cache is lost.
      "
    `);
    // Told the tier, only the fixes for it remain, said plainly.
    const basic = reportOf({ ...evidence, query: { ...evidence.query, tier: 'basic' } }).causes[0]?.fixes ?? [];
    expect(basic.filter((fix) => /Upgrade from Basic/.test(fix))).toEqual([expect.stringMatching(/^Upgrade from Basic to Standard/)]);
    expect(basic.join('\n')).not.toMatch(/If the cache is|geo-replication/);
  });
});
