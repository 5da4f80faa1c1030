// The diagnosed cache as checks see it: its nodes (discovered once) and a read-only gateway per (node, db).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { openGateway, type ConnectOptions } from './connection.ts';
import { CommandUnavailable, type CommandCounter, type Gateway } from './gateway.ts';
import { parseInfo, roleOf } from './info.ts';
import { Pacer } from './pacer.ts';
import { keySlot } from './slot.ts';
import { nodeForSlot, parseClusterNodes, type ClusterNode, type Topology } from './topology.ts';
import { MAX_PRIMARIES, MAX_REPLICAS_PER_PRIMARY, NOT_THE_CACHES_HOST, refusal, type TrustPolicy } from './trust.ts';
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

export type OpenTargetOptions = Pick<ConnectOptions, 'connectTimeoutMs' | 'commandTimeoutMs' | 'replyBudget'> & {
  /** Hosts the caches file lists for this cache (`cluster.hosts`): cluster nodes announced there are followed too. */
  clusterHosts?: readonly string[];
};

/** At most this many connection attempts are in flight at once, whatever a cluster announces. */
export const MAX_CONCURRENT_DIALS = 4;

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
  const counter: CommandCounter = { sent: 0, byAddress: new Map() };
  const seed = await openGateway(endpoint, { ...connectOptions(options), counter });
  if (!seed.ok) return seed;
  return { ok: true, target: new RedisTarget(endpoint, seed.gateway, counter, options) };
}

export class RedisTarget {
  /** `host:port` of the seed, as the URL named it. */
  readonly address: string;
  private readonly gateways = new Map<string, Promise<Gateway>>();
  /** Per node, the one connection that walks the dbs other than 0 in turn. */
  private readonly dbWalkers = new Map<string, Promise<{ gateway: Gateway; shared: ReturnType<Gateway['sharedAcrossDbs']> }>>();
  private topology: Promise<Topology> | null = null;
  private closed = false;
  /** Primaries named by a standalone replica (INFO master_host) that the trust policy let us follow. */
  private readonly vouched = new Set<string>();
  private dialing = 0;
  private readonly waitingToDial: Array<() => void> = [];
  private readonly pacers = new Map<string, Promise<Pacer>>();

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
    if (owner) return owner.address;
    const refused = nodeForSlot(topology.notFollowed, keySlot(key));
    if (refused) throw new NodeUnreachable(refused.address, 'unreachable', refused.reason);
    throw new Error(`no primary of the cluster at ${this.address} serves slot ${keySlot(key)} (of key "${key}")`);
  }

  /**
   * A gateway to `address` with `db` selected, opened on first use and reused. At most two connections per node,
   * whatever the number of dbs: one for db 0 (INFO, CLIENT LIST, SLOWLOG…), one that SELECTs every other db in turn.
   * Throws NodeUnreachable when the node cannot be reached, CommandUnavailable when SELECT is refused.
   */
  gateway(address: string, db = 0): Promise<Gateway> {
    if (this.closed) return Promise.reject(new Error(`the connection to ${this.address} is closed`));
    const key = gatewayKey(address, db);
    let pending = this.gateways.get(key);
    if (!pending) {
      pending = db === 0 ? this.connect(address) : this.walkDb(address, db);
      this.gateways.set(key, pending);
      // Failures stay cached: a dead node or a refused SELECT gives the same answer to every check, once.
      pending.catch(() => undefined);
    }
    return pending;
  }

  /**
   * The scan pacing of the node at `address`, shared by every scan of this target on it, its first load reading
   * taken (src/redis/pacer.ts). Throws as `gateway(address)` does.
   */
  pacer(address: string): Promise<Pacer> {
    let pending = this.pacers.get(address);
    if (!pending) {
      pending = this.gateway(address, 0).then(async (gateway) => {
        const pacer = new Pacer(gateway, () => this.counter.byAddress?.get(address) ?? 0);
        await pacer.start();
        return pacer;
      });
      this.pacers.set(address, pending);
      pending.catch(() => undefined);
    }
    return pending;
  }

  /** The pacers started so far, by node address. */
  async pacersStarted(): Promise<Map<string, Pacer>> {
    const out = new Map<string, Pacer>();
    for (const [address, pending] of this.pacers) {
      const pacer = await pending.catch(() => null);
      if (pacer) out.set(address, pacer);
    }
    return out;
  }

  /**
   * A gateway to the primary a standalone replica names (INFO master_host:master_port), with the seed's credentials
   * and `db` selected, when the trust policy follows that host (the cache's own host or a listed one); otherwise
   * NodeUnreachable with the reason, without a dial.
   */
  async primaryGateway(address: string, db = 0): Promise<Gateway> {
    const { host, port } = safeAddress(address);
    const seedAddresses = await resolveSeed(this.endpoint.host);
    const reason = port === null
      ? 'not followed: not a valid address'
      : refusal(host, { seedHost: this.endpoint.host, seedAddresses, clusterHosts: this.options.clusterHosts ?? [] });
    if (reason !== null) throw new NodeUnreachable(address, 'unreachable', reason);
    this.vouched.add(address);
    return this.gateway(address, db);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.gateways.values(), ...[...this.dbWalkers.values()].map((walker) => walker.then((w) => w.gateway))];
    this.gateways.clear();
    this.dbWalkers.clear();
    for (const result of await Promise.allSettled(all)) {
      if (result.status === 'fulfilled') result.value.close();
    }
  }

  private async connect(address: string): Promise<Gateway> {
    if (address !== this.address && !this.vouched.has(address)) {
      // Only a node discovery chose to follow is ever dialled: the seed's credentials go nowhere else.
      const topology = await this.nodes();
      if (!topology.nodes.some((node) => node.address === address)) {
        const reason = topology.notFollowed.find((node) => node.address === address)?.reason ?? NOT_THE_CACHES_HOST;
        throw new NodeUnreachable(address, 'unreachable', reason);
      }
    }
    const { host, port } = parseAddress(address);
    const opened = await this.dial(() =>
      openGateway(
        { ...this.endpoint, host, port },
        // Certificates name the cache, not the IPs its nodes announce.
        { ...connectOptions(this.options), counter: this.counter, ...(isIP(this.endpoint.host) ? {} : { servername: this.endpoint.host }) },
      ),
    );
    if (!opened.ok) throw new NodeUnreachable(opened.endpoint, opened.kind, opened.reason);
    return opened.gateway;
  }

  /** The node's db walker (its second connection, opened on first use) with `db` selected for this gateway's commands. */
  private async walkDb(address: string, db: number): Promise<Gateway> {
    if ((await this.nodes().catch(() => null))?.clusterEnabled) {
      throw new CommandUnavailable('SELECT', address, 'a cluster has only db 0');
    }
    let walker = this.dbWalkers.get(address);
    if (!walker) {
      walker = this.connect(address).then((gateway) => ({ gateway, shared: gateway.sharedAcrossDbs() }));
      this.dbWalkers.set(address, walker);
      walker.catch(() => undefined);
    }
    return (await walker).shared.forDb(db);
  }

  private async discover(): Promise<Topology> {
    const seed = await this.gateway(this.address, 0);
    const info = parseInfo(await seed.info());
    if (info.cluster.cluster_enabled !== 1) {
      return {
        clusterEnabled: false,
        nodes: [{ address: this.address, role: roleOf(info), id: null, primaryId: null, slots: [], flags: [] }],
        notFollowed: [],
      };
    }
    const text = String(await seed.call('CLUSTER', 'NODES'));
    const seedAddresses = await resolveSeed(this.endpoint.host);
    const policy: TrustPolicy = { seedHost: this.endpoint.host, seedAddresses, clusterHosts: this.options.clusterHosts ?? [] };
    return { clusterEnabled: true, ...followable(parseClusterNodes(text, { ...this.endpoint, addresses: seedAddresses }), policy, this.address) };
  }

  /** Runs one connection attempt when fewer than MAX_CONCURRENT_DIALS are in flight. */
  private async dial<T>(attempt: () => Promise<T>): Promise<T> {
    while (this.dialing >= MAX_CONCURRENT_DIALS) await new Promise<void>((resolve) => this.waitingToDial.push(resolve));
    this.dialing++;
    try {
      return await attempt();
    } finally {
      this.dialing--;
      this.waitingToDial.shift()?.();
    }
  }
}

/**
 * Splits the announced nodes into those followed (the cache's host or a listed host; at most MAX_PRIMARIES primaries,
 * each with at most MAX_REPLICAS_PER_PRIMARY replicas) and the rest, with the reason; the seed is always followed.
 */
export function followable(nodes: ClusterNode[], policy: TrustPolicy, seedAddress: string): Pick<Topology, 'nodes' | 'notFollowed'> {
  const followed: ClusterNode[] = [];
  const notFollowed: Topology['notFollowed'] = [];
  const seen = new Set<string>();
  const primaries = new Set<string>();
  const replicasOf = new Map<string, number>();
  // The seed first, then primaries, so replicas are judged by whether their primary was followed.
  const rank = (node: ClusterNode) => (node.address === seedAddress ? 0 : node.role === 'replica' ? 2 : 1);
  for (const node of [...nodes].sort((a, b) => rank(a) - rank(b))) {
    if (seen.has(node.address)) continue;
    seen.add(node.address);
    const { host, port } = safeAddress(node.address);
    let reason: string | null = node.address === seedAddress ? null : port === null ? 'not followed: not a valid address' : refusal(host, policy);
    if (reason === null && node.address !== seedAddress) {
      if (node.role === 'replica') {
        const count = replicasOf.get(node.primaryId ?? '') ?? 0;
        if (!primaries.has(node.primaryId ?? '')) reason = 'not followed: its primary is not followed';
        else if (count >= MAX_REPLICAS_PER_PRIMARY) reason = `not followed: more than ${MAX_REPLICAS_PER_PRIMARY} replicas of one primary`;
        else replicasOf.set(node.primaryId ?? '', count + 1);
      } else if (primaries.size >= MAX_PRIMARIES) {
        reason = `not followed: more than ${MAX_PRIMARIES} primaries`;
      }
    }
    if (reason === null) {
      if (node.role !== 'replica' && node.id) primaries.add(node.id);
      followed.push(node);
    } else {
      notFollowed.push({ ...node, reason });
    }
  }
  // Back in the order CLUSTER NODES gave.
  const order = new Map(nodes.map((node, index) => [node.address, index]));
  const byOrder = (a: ClusterNode, b: ClusterNode) => (order.get(a.address) ?? 0) - (order.get(b.address) ?? 0);
  return { nodes: followed.sort(byOrder), notFollowed: notFollowed.sort(byOrder) };
}

function safeAddress(address: string): { host: string; port: number | null } {
  try {
    const { host, port } = parseAddress(address);
    return { host, port: Number.isInteger(port) && port >= 1 && port <= 65535 ? port : null };
  } catch {
    return { host: '', port: null };
  }
}

/** The addresses the seed host (the user's own) resolves to; announced names are never looked up. */
async function resolveSeed(host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  try {
    return (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    return [];
  }
}

function connectOptions(options: OpenTargetOptions): Pick<ConnectOptions, 'connectTimeoutMs' | 'commandTimeoutMs' | 'replyBudget'> {
  return {
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
    ...(options.replyBudget !== undefined ? { replyBudget: options.replyBudget } : {}),
  };
}

function gatewayKey(address: string, db: number): string {
  return `${address}/${db}`;
}
