// Replication: which primary was promoted (a failover), replica offsets and lag, replica link status, and for a
// replica the engineer pointed at, the keys read on its primary too.
import { describeError } from '../redact.ts';
import { parseInfo, wasPromoted } from '../redis/info.ts';
import { boundedScan } from '../redis/scan.ts';
import { scanPacing } from './scan-pacing.ts';
import { NodeUnreachable } from '../redis/target.ts';
import { describeEndpoint } from '../redis/url.ts';
import { literalKey } from '../domain/keys.ts';
import { neededData } from './needs.ts';
import { restartNode } from './restart.ts';
import type { PrimaryRead, ReplicationNode } from '../domain/evidence.ts';
import type { Check, CheckContext } from './types.ts';

/** The primary's answer must come within this; a replica's primary that does not answer is reported, not waited for. */
const PRIMARY_READ_MS = 1_000;

export const replicationCheck: Check<'replication'> = {
  id: 'replication',
  title: 'Replication and failovers',
  budgetMs: 3_000,
  needs: ['info'],
  async run(ctx) {
    const info = neededData(ctx, 'info');
    const nodes: ReplicationNode[] = [];
    for (const { address, role, info: node } of info.nodes) {
      if (role === 'unknown') continue;
      const offset = node.replication.master_repl_offset ?? null;
      const promoted = role === 'primary' && wasPromoted(node);
      const link = node.replication.master_link_status;
      const replica = role === 'replica';
      const masterHost = node.replication.master_host;
      const masterPort = node.replication.master_port;
      nodes.push({
        address,
        role,
        promoted,
        promotionReadable: node.replication.master_replid2 !== undefined && node.replication.second_repl_offset !== undefined,
        promotedAtOffset: promoted ? (node.replication.second_repl_offset ?? null) : null,
        masterReplOffset: offset,
        connectedReplicas: node.replication.connected_slaves ?? null,
        replicas: node.replicas.map((r) => ({
          address: describeEndpoint({ host: r.ip, port: r.port }),
          offset: r.offset,
          lagBytes: offset === null ? null : Math.max(0, offset - r.offset),
          lagSeconds: r.lag,
          state: r.state,
        })),
        masterLinkStatus: replica ? (link === 'up' ? 'up' : link === 'down' ? 'down' : null) : null,
        masterLinkDownSinceSeconds: replica ? (node.replication.master_link_down_since_seconds ?? null) : null,
        masterAddress: replica && masterHost && masterPort ? describeEndpoint({ host: masterHost, port: masterPort }) : null,
        masterLastIoSecondsAgo: replica ? (node.replication.master_last_io_seconds_ago ?? null) : null,
        replicaOffset: replica ? (node.replication.slave_repl_offset ?? null) : null,
        primaryRead: null,
        replid: node.replication.master_replid ?? null,
        fullSyncs: role === 'primary' ? (node.stats.sync_full ?? null) : null,
      });
    }
    // A standalone replica is all the cache the engineer named: what its primary holds is the comparison that proves lag.
    if (!info.clusterEnabled) {
      await Promise.all(
        nodes.map(async (node) => {
          if (node.role === 'replica' && node.masterAddress) node.primaryRead = await readPrimary(ctx, node.masterAddress);
        }),
      );
    }
    return { nodes };
  },
};

async function readPrimary(ctx: CheckContext, address: string): Promise<PrimaryRead> {
  const unreachable = (reason: string): PrimaryRead => ({ address, reachable: false, reason, offset: null, count: null, complete: false });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<PrimaryRead>((resolve) => {
    timer = setTimeout(() => resolve(unreachable(`no answer within ${PRIMARY_READ_MS} ms`)), PRIMARY_READ_MS);
  });
  const read = async (): Promise<PrimaryRead> => {
    try {
      const { query } = ctx;
      const gateway = await ctx.redis.primaryGateway(address, query.db);
      // The whole INFO, as the diagnosed nodes are read: when the primary started, whether it keeps data, its resyncs.
      const info = parseInfo(await gateway.info('all'));
      const { replication } = info;
      const pair = {
        restart: await restartNode(ctx, address, info, async () => gateway),
        fullSyncs: info.stats.sync_full ?? null,
        replid: replication.master_replid ?? null,
        flushes: Object.keys(info.commandstats).length > 0 ? { flushdb: info.commandstats.flushdb?.calls ?? 0, flushall: info.commandstats.flushall?.calls ?? 0 } : null,
      };
      if (query.isPattern) {
        const scan = await boundedScan(gateway, query.key, {
          pacing: await scanPacing(ctx, address),
          keyBudget: ctx.options.scanKeyBudget,
          msBudget: Math.min(ctx.options.scanMsBudget, PRIMARY_READ_MS / 2),
          signal: ctx.signal,
        });
        return { address, reachable: true, reason: null, offset: replication.master_repl_offset ?? null, count: scan.matched, complete: scan.complete, ...pair };
      }
      const count = (await gateway.exists(literalKey(query.key))) ? 1 : 0;
      return { address, reachable: true, reason: null, offset: replication.master_repl_offset ?? null, count, complete: true, ...pair };
    } catch (error) {
      return unreachable(error instanceof NodeUnreachable ? error.reason : describeError(error));
    }
  };
  try {
    return await Promise.race([read(), late]);
  } finally {
    clearTimeout(timer);
  }
}
