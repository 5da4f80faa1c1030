// Reads CLUSTER NODES into nodes with roles, slots and addresses we can reach from here (pure).
import type { NodeRef } from '../domain/node.ts';
import { describeEndpoint } from './url.ts';

export interface ClusterNode extends NodeRef {
  /** The cluster node id; null for a standalone server. */
  id: string | null;
  /** For a replica, the id of its primary. */
  primaryId: string | null;
  /** Inclusive slot ranges served by a primary. */
  slots: Array<[number, number]>;
  /** CLUSTER NODES flags (fail, pfail, handshake, noaddr…), without myself/master/slave. */
  flags: string[];
}

export interface Topology {
  clusterEnabled: boolean;
  /** The nodes keyloss follows (connects to). */
  nodes: ClusterNode[];
  /** Nodes the cluster announced that keyloss does not connect to, with the reason; never dialled. */
  notFollowed: Array<ClusterNode & { reason: string }>;
}

/**
 * Parses CLUSTER NODES as seen from the seed `seedHost:seedPort`. Announced addresses are mapped so that they are
 * reachable the way the seed was: a node announcing the seed's own IP (Azure: every shard behind one address on its
 * own port; local clusters: 127.0.0.1), or one of the addresses the seed host resolved to, is reached through the seed
 * host name, which also keeps TLS names valid. Whether a node may be followed at all is trust.ts's to say.
 */
export function parseClusterNodes(text: string, seed: { host: string; port: number; addresses?: readonly string[] }): ClusterNode[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const rows = lines.map((line) => {
    const [id = '', addressField = '', flagField = '', master = '-', , , , , ...slotFields] = line.trim().split(/\s+/);
    const [hostPort = '', hostname = ''] = addressField.split(',');
    const hostPortOnly = hostPort.split('@')[0] ?? '';
    const at = hostPortOnly.lastIndexOf(':');
    return {
      id,
      ip: hostPortOnly.slice(0, at).replace(/^\[(.*)\]$/, '$1'),
      port: Number(hostPortOnly.slice(at + 1)),
      hostname,
      flags: flagField.split(','),
      master,
      slotFields,
    };
  });
  const myself = rows.find((row) => row.flags.includes('myself'));
  const seedIp = myself?.ip ?? '';
  return rows.map((row) => {
    let host: string;
    if (row.flags.includes('myself') || row.ip === '' || row.ip === seedIp || seed.addresses?.includes(row.ip)) host = seed.host;
    else if (row.hostname) host = row.hostname;
    else host = row.ip;
    const port = row.flags.includes('myself') ? seed.port : row.port;
    const role = row.flags.includes('master') ? 'primary' : row.flags.includes('slave') ? 'replica' : 'unknown';
    return {
      address: describeEndpoint({ host, port }),
      role,
      id: row.id,
      primaryId: row.master === '-' ? null : row.master,
      slots: row.slotFields.flatMap((field): Array<[number, number]> => {
        if (field.startsWith('[')) return []; // a slot being migrated or imported
        const [from, to] = field.split('-').map(Number);
        if (from === undefined || !Number.isInteger(from)) return [];
        return [[from, to ?? from]];
      }),
      flags: row.flags.filter((flag) => !['myself', 'master', 'slave'].includes(flag)),
    };
  });
}

/** The primary that serves `slot`, or undefined when no node claims it. */
export function nodeForSlot<T extends ClusterNode>(nodes: T[], slot: number): T | undefined {
  return nodes.find((node) => node.role === 'primary' && node.slots.some(([from, to]) => slot >= from && slot <= to));
}
