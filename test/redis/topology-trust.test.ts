// A cluster that announces foreign nodes gets nothing: keyloss dials only the cache's host (or hosts the caches file
// lists for it), never a link-local or metadata address, sends credentials nowhere else, and caps what it follows.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { investigate } from '../../src/investigate.ts';
import { followable, openTarget } from '../../src/redis/target.ts';
import { parseClusterNodes } from '../../src/redis/topology.ts';
import { isNeverFollowed, MAX_PRIMARIES, NEVER_FOLLOWED, NOT_THE_CACHES_HOST, refusal } from '../../src/redis/trust.ts';
import { renderText } from '../../src/report/text.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import type { Runbook } from '../../src/runbook/schema.ts';
import { recordDials, type DialRecorder } from '../support/dials.ts';
import { infoText, startHostileRedis, type HostileServer } from '../support/hostile-redis.ts';

const PASSWORD = 'hostile-test-secret-7f3a';
const CLUSTER_INFO = infoText({
  Server: { redis_version: '7.2.0', uptime_in_seconds: 86400 },
  Replication: { role: 'master', connected_slaves: 0 },
  Cluster: { cluster_enabled: 1 },
  Keyspace: { db0: 'keys=1,expires=0,avg_ttl=0' },
});

/** A CLUSTER NODES reply: the server itself serving slots 0-99, then the announced others. */
function clusterNodes(port: number, others: string[]): string {
  return [`self0000 127.0.0.1:${port}@${port + 10000} myself,master - 0 0 1 connected 0-99`, ...others].join('\n');
}

const FOREIGN = [
  'meta0001 169.254.169.254:80@16379 master - 0 0 2 connected 100-199',
  'priv0002 10.1.2.3:6379@16379 master - 0 0 3 connected 200-16383',
  'name0003 10.9.9.9:6379@16379,metadata.google.internal master - 0 0 4 connected',
  'repl0004 10.1.2.4:6380@16380 slave self0000 0 0 1 connected',
  'v6ll0005 fe80::1:6379@16379 master - 0 0 5 connected',
];
const THOUSAND = Array.from({ length: 1000 }, (_, i) => `many${String(i).padStart(4, '0')} 10.200.${i >> 8}.${i & 255}:6379@16379 master - 0 0 9 connected`);

let runbook: Runbook;
let dials: DialRecorder | null = null;
const servers: HostileServer[] = [];

beforeAll(async () => {
  runbook = await loadDefaultRunbook();
});
afterEach(() => {
  dials?.restore();
  dials = null;
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function hostileCluster(others: (port: number) => string[]): Promise<HostileServer> {
  let port = 0;
  const server = await startHostileRedis((command) => {
    const name = command[0]?.toUpperCase();
    if (name === 'INFO') return { bulk: CLUSTER_INFO };
    if (name === 'CLUSTER' && command[1]?.toUpperCase() === 'NODES') return { bulk: clusterNodes(port, others(port)) };
    return undefined;
  }, { password: PASSWORD });
  port = server.port;
  servers.push(server);
  return server;
}

const query = () => ({ key: 'session:*', isPattern: true, db: 0, since: new Date(Date.now() - 3600_000), tier: null, scope: null });

describe('a hostile cluster announcing foreign nodes', () => {
  it('is diagnosed without a single dial beyond its own host, and says which nodes were not followed', async () => {
    const server = await hostileCluster(() => [...FOREIGN, ...THOUSAND]);
    dials = recordDials();
    const result = await investigate({ redisUrl: server.url, runbook, query: query() });
    const dialled = dials.dials.map((dial) => `${dial.host}:${dial.port}`);
    dials.restore();

    expect(new Set(dialled)).toEqual(new Set([`127.0.0.1:${server.port}`]));
    for (const foreign of ['169.254.169.254', '10.1.2.3', '10.9.9.9', 'metadata.google.internal', 'fe80::1', '10.200.0.1']) {
      expect(dialled.some((address) => address.includes(foreign))).toBe(false);
    }
    // AUTH (the password) only ever went to the server itself, on the connections it accepted.
    expect(server.commands.filter((c) => c.command[0]?.toUpperCase() === 'AUTH').length).toBe(server.accepted);

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const info = result.report.checks.find((check) => check.id === 'info');
    expect(info?.status).toBe('ok');
    const text = renderText(result.report, { color: false });
    expect(text.replace(/\s+/g, ' ')).toContain(`3 nodes could not be read (${NEVER_FOLLOWED}): 169.254.169.254:80, metadata.google.internal:6379 and [fe80::1]:6379.`);
    expect(text.replace(/\s+/g, ' ')).toMatch(new RegExp(`1,002 nodes could not be read \\(${NOT_THE_CACHES_HOST.replace(/[()]/g, '\\$&')}\\): 10\\.1\\.2\\.3:6379, `));
    expect(text).not.toContain('connection refused');
    expect(text).not.toContain(PASSWORD);
  });

  it('follows announced nodes on a host the caches file lists for the cache, and only those', async () => {
    const shard = await startHostileRedis((command) => (command[0]?.toUpperCase() === 'INFO' ? { bulk: CLUSTER_INFO } : undefined));
    servers.push(shard);
    const server = await hostileCluster(() => [`shard001 10.7.7.7:${shard.port}@1,localhost master - 0 0 2 connected 100-16383`, ...FOREIGN]);

    dials = recordDials();
    const refused = await investigate({ redisUrl: server.url, runbook, query: query(), checks: ['info'] });
    expect(dials.dials.map((d) => d.host)).not.toContain('localhost');
    expect(refused.ok && refused.report.checks[0]?.status).toBe('ok');
    dials.restore();

    dials = recordDials();
    const listed = await investigate({ redisUrl: server.url, runbook, query: query(), checks: ['info'], clusterHosts: ['localhost'] });
    const dialled = dials.dials.map((dial) => `${dial.host}:${dial.port}`);
    expect(new Set(dialled)).toEqual(new Set([`127.0.0.1:${server.port}`, `localhost:${shard.port}`]));
    expect(listed.ok).toBe(true);
    expect(shard.commands.some((c) => c.command[0]?.toUpperCase() === 'INFO')).toBe(true);
  });

  it('follows at most 64 primaries, dialling a few at a time', async () => {
    // 100 primaries on the seed's own address, on ports where nothing listens: each is followed until the cap.
    const server = await hostileCluster(() => Array.from({ length: 100 }, (_, i) => `same${String(i).padStart(4, '0')} 127.0.0.1:${40000 + i}@1 master - 0 0 2 connected`));
    dials = recordDials();
    const opened = await openTarget(server.url, { connectTimeoutMs: 1000 });
    if (!opened.ok) throw new Error(opened.reason);
    const topology = await opened.target.nodes();
    expect(topology.nodes.filter((node) => node.role === 'primary')).toHaveLength(MAX_PRIMARIES);
    expect(topology.notFollowed.map((node) => node.reason)).toEqual(Array(101 - MAX_PRIMARIES).fill(`not followed: more than ${MAX_PRIMARIES} primaries`));
    await Promise.allSettled(topology.nodes.map((node) => opened.target.gateway(node.address)));
    // A node that was not followed is refused without a dial, however a check asks for it.
    await expect(opened.target.gateway('169.254.169.254:80')).rejects.toThrow(NOT_THE_CACHES_HOST);
    await opened.target.close();
    expect(dials.dials.some((dial) => dial.host !== '127.0.0.1')).toBe(false);
    const announcedPorts = dials.dials.map((dial) => dial.port).filter((port) => port !== server.port);
    expect(new Set(announcedPorts)).toEqual(new Set(Array.from({ length: MAX_PRIMARIES - 1 }, (_, i) => 40000 + i)));
    expect(dials.maxInFlight).toBeLessThanOrEqual(4);
  });
});

describe('the trust rules', () => {
  const policy = { seedHost: 'mycache.redis.cache.windows.net', seedAddresses: ['20.1.2.3'], clusterHosts: ['*.shards.example.net', '10.0.0.9'] };
  it('follows the seed by name or resolved address, and listed hosts; nothing else', () => {
    expect(refusal('mycache.redis.cache.windows.net', policy)).toBeNull();
    expect(refusal('MyCache.Redis.Cache.Windows.Net.', policy)).toBeNull();
    expect(refusal('20.1.2.3', policy)).toBeNull();
    expect(refusal('a.shards.example.net', policy)).toBeNull();
    expect(refusal('10.0.0.9', policy)).toBeNull();
    expect(refusal('shards.example.net', policy)).toBe(NOT_THE_CACHES_HOST);
    expect(refusal('evilshards.example.net', policy)).toBe(NOT_THE_CACHES_HOST);
    expect(refusal('10.0.0.10', policy)).toBe(NOT_THE_CACHES_HOST);
    expect(refusal('127.0.0.1', policy)).toBe(NOT_THE_CACHES_HOST);
  });
  it('never follows link-local or metadata addresses, even when listed', () => {
    for (const host of ['169.254.169.254', 'metadata.google.internal', 'metadata', 'fe80::1', '::ffff:169.254.169.254', '0.0.0.0', 'fd00:ec2::254']) {
      expect(isNeverFollowed(host)).toBe(true);
      expect(refusal(host, { ...policy, clusterHosts: [host] })).toBe(NEVER_FOLLOWED);
    }
  });
  it('maps a node announcing an address the seed resolved to onto the seed name, and drops replicas of refused primaries', () => {
    const nodes = parseClusterNodes(
      ['a 10.0.0.4:15000@1 myself,master - 0 0 1 connected 0-8000', 'b 20.1.2.3:15001@1 master - 0 0 1 connected 8001-16383', 'c 10.6.6.6:15002@1 master - 0 0 1 connected', 'd 10.0.0.4:15003@1 slave c 0 0 1 connected'].join('\n'),
      { host: policy.seedHost, port: 6380, addresses: policy.seedAddresses },
    );
    const split = followable(nodes, policy, `${policy.seedHost}:6380`);
    expect(split.nodes.map((node) => node.address)).toEqual([`${policy.seedHost}:6380`, `${policy.seedHost}:15001`]);
    expect(split.notFollowed.map((node) => [node.address, node.reason])).toEqual([
      ['10.6.6.6:15002', NOT_THE_CACHES_HOST],
      [`${policy.seedHost}:15003`, 'not followed: its primary is not followed'],
    ]);
  });
});

describe('cluster.hosts in the caches file', () => {
  it('is read for a cache, and refuses link-local or metadata hosts with the line', async () => {
    const { parseCaches } = await import('../../src/config/caches.ts');
    const ok = parseCaches('caches:\n  a:\n    url: redis://a:6379\n    cluster:\n      hosts: ["*.shards.example.net", 10.0.0.9]\n', 'c.yaml');
    expect(ok.ok && ok.caches[0]?.clusterHosts).toEqual(['*.shards.example.net', '10.0.0.9']);
    const bad = parseCaches('caches:\n  a:\n    url: redis://a:6379\n    cluster:\n      hosts: [169.254.169.254]\n', 'c.yaml');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(/c\.yaml:5: caches\.a\.cluster\.hosts\.0 a link-local or metadata address is never followed/);
  });
});
