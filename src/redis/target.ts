// The diagnosed cache as checks see it: its nodes (discovered once) and a read-only gateway per (node, db).
import { isIP } from 'node:net';
import { openGateway, type ConnectOptions } from './connection.ts';
import { CommandUnavailable, type CommandCounter, type Gateway } from './gateway.ts';
import { parseInfo, roleOf } from './info.ts';
import { keySlot } from './slot.ts';
import { nodeForSlot, parseClusterNodes, type Topology } from './topology.ts';
import { describeEndpoint, parseAddress, parseRedisUrl, type RedisEndpoint } from './url.ts';

/** A node that could not be reached (or refused our credentials) when a check asked for it. */
export class NodeUnreachable extends Error {
  constructor(
    readonly address: string,
    readonly kind: 'unreachable' | 'auth',
    readonly reason: string,
  ) {
    super(`${address}: ${reason}`);
    this.name = 'NodeUnreachable';
  }
}

export type OpenTargetResult =
  | { ok: true; target: RedisTarget }
  | { ok: false; kind: 'unreachable' | 'auth'; endpoint: string; reason: string }
  | { ok: false; kind: 'invalid-url'; endpoint: null; reason: string };

export type OpenTargetOptions = Pick<ConnectOptions, 'connectTimeoutMs' | 'commandTimeoutMs'>;

/** Parses the URL (registering its secrets) and connects to the seed node; nothing else is contacted until asked. */
export async function openTarget(url: string | RedisEndpoint, options: OpenTargetOptions = {}): Promise<OpenTargetResult> {
  let endpoint: RedisEndpoint;
  if (typeof url === 'string') {
    const parsed = parseRedisUrl(url);
    if (!parsed.ok) return { ok: false, kind: 'invalid-url', endpoint: null, reason: parsed.reason };
    endpoint = parsed.endpoint;
  } else {
    endpoint = url;
  }
  const counter: CommandCounter = { sent: 0 };
  const seed = await openGateway(endpoint, { ...options, counter });
  if (!seed.ok) return seed;
  return { ok: true, target: new RedisTarget(endpoint, seed.gateway, counter, options) };
}

export class RedisTarget {
  /** `host:port` of the seed, as the URL named it. */
  readonly address: string;
  private readonly gateways = new Map<string, Promise<Gateway>>();
  private topology: Promise<Topology> | null = null;
  private closed = false;

  constructor(
    /** The seed endpoint from the URL (its db is the application's default db). */
    readonly endpoint: RedisEndpoint,
    seed: Gateway,
    private readonly counter: CommandCounter,
    private readonly options: OpenTargetOptions,
  ) {
    this.address = describeEndpoint(endpoint);
    this.gateways.set(gatewayKey(this.address, 0), Promise.resolve(seed));
  }

  /** Commands sent to the cache through every gateway of this target, connection handshakes excluded. */
  get commandsSent(): number {
    return this.counter.sent;
  }

  /** Standalone: the seed. Cluster (`cluster_enabled:1`): every primary and replica from CLUSTER NODES. Read once. */
  nodes(): Promise<Topology> {
    this.topology ??= this.discover();
    // A failed discovery (the seed died) may be retried by the next caller.
    this.topology.catch(() => {
      this.topology = null;
    });
    return this.topology;
  }

  /** The node address that holds `key`: the owning primary in a cluster, the seed otherwise. */
  async addressForKey(key: string): Promise<string> {
    const topology = await this.nodes();
    if (!topology.clusterEnabled) return this.address;
    const owner = nodeForSlot(topology.nodes, keySlot(key));
    if (!owner) throw new Error(`no primary of the cluster at ${this.address} serves slot ${keySlot(key)} (of key "${key}")`);
    return owner.address;
  }

  /**
   * A gateway on a connection of its own to `address` with `db` selected, opened on first use and reused.
   * Throws NodeUnreachable when the node cannot be reached, CommandUnavailable when SELECT is refused.
   */
  gateway(address: string, db = 0): Promise<Gateway> {
    if (this.closed) return Promise.reject(new Error(`the connection to ${this.address} is closed`));
    const key = gatewayKey(address, db);
    let pending = this.gateways.get(key);
    if (!pending) {
      pending = this.connect(address, db);
      this.gateways.set(key, pending);
      // Failures stay cached: a dead node or a refused SELECT gives the same answer to every check, once.
      pending.catch(() => undefined);
    }
    return pending;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.gateways.values()];
    this.gateways.clear();
    for (const result of await Promise.allSettled(all)) {
      if (result.status === 'fulfilled') result.value.close();
    }
  }

  private async connect(address: string, db: number): Promise<Gateway> {
    if (db !== 0 && (await this.nodes().catch(() => null))?.clusterEnabled) {
      throw new CommandUnavailable('SELECT', address, 'a cluster has only db 0');
    }
    const { host, port } = parseAddress(address);
    const opened = await openGateway(
      { ...this.endpoint, host, port },
      // Certificates name the cache, not the IPs its nodes announce.
      { ...this.options, counter: this.counter, ...(isIP(this.endpoint.host) ? {} : { servername: this.endpoint.host }) },
    );
    if (!opened.ok) throw new NodeUnreachable(opened.endpoint, opened.kind, opened.reason);
    if (db === 0) return opened.gateway;
    try {
      return await opened.gateway.select(db);
    } catch (error) {
      opened.gateway.close();
      throw error;
    }
  }

  private async discover(): Promise<Topology> {
    const seed = await this.gateway(this.address, 0);
    const info = parseInfo(await seed.info());
    if (info.cluster.cluster_enabled !== 1) {
      return {
        clusterEnabled: false,
        nodes: [{ address: this.address, role: roleOf(info), id: null, primaryId: null, slots: [], flags: [] }],
      };
    }
    const text = String(await seed.call('CLUSTER', 'NODES'));
    return { clusterEnabled: true, nodes: parseClusterNodes(text, this.endpoint) };
  }
}

function gatewayKey(address: string, db: number): string {
  return `${address}/${db}`;
}
