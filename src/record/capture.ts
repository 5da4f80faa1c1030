// Captures what removes keys from one cache, read-only: keyevent subscriptions on every primary, INFO samples, CLIENT LIST
// when removing commands rise. Each node reconnects on its own with backoff; the time it was away is reported as a gap.
import { readResource } from '../azure/resource.ts';
import { parseCacheResourceId } from '../azure/resource-id.ts';
import type { AzureContext } from '../azure/types.ts';
import { CLIENT_LIST_MAX_CLIENTS, parseClientList } from '../checks/clients.ts';
import { isRemovingCommand } from '../domain/keys.ts';
import { describeError } from '../redact.ts';
import { openGateway, type ConnectOptions } from '../redis/connection.ts';
import { CommandUnavailable, type CommandCounter, type Gateway } from '../redis/gateway.ts';
import { openTarget } from '../redis/target.ts';
import { describeEndpoint, parseAddress, type RedisEndpoint } from '../redis/url.ts';
import { keyeventChannels, parseKeyeventChannel, parseNotifyFlags, type RemovalEvent } from './events.ts';
import { changesBetween, removingCallsDelta, restarted, sampleFromInfo, type DatedEvent, type InfoSample } from './sample.ts';

/** Where the notification settings came from: CONFIG GET, Azure's redisConfiguration, or what arrived (inferred). */
export type NotificationSource = 'config' | 'azure' | 'inferred';

export interface NotificationState {
  /** null: unknown (CONFIG refused, no Azure resource, nothing arrived yet). */
  enabled: boolean | null;
  flags: string | null;
  source: NotificationSource;
}

export interface RemovingClient {
  name: string;
  addr: string;
  cmd: string;
  db: number;
  /** The ACL user, and the client library (lib-name), where the server says (Redis 6+, 7.2+). */
  user: string | null;
  libName: string | null;
  /** The node the client was connected to. */
  node: string;
  at: number;
}

/**
 * Removing commands rose between two samples and CLIENT LIST named none of their senders: they left (or sent other
 * commands) before it was read (`left`: only MONITOR could name them, which keyloss never runs), CLIENT LIST was
 * skipped on a node with too many clients (`crowded`), or it was refused (`refused`).
 */
export interface UnnamedRemovers {
  node: string;
  /** The samples between which the calls were counted (epoch ms). */
  from: number;
  to: number;
  /** DEL/UNLINK/GETDEL/HDEL/FLUSH* calls counted in that interval. */
  calls: number;
  why: 'left' | 'crowded' | 'refused';
  /** The node's connected clients (for `crowded`). */
  clients: number | null;
}

export interface CaptureGap {
  node: string;
  from: number;
  /** null while the node is still away. */
  to: number | null;
  why: string;
}

/** What a capture reports; every callback runs synchronously on the event loop, so keep them cheap. */
export interface CaptureSink {
  keyEvent(at: number, node: string, db: number, event: RemovalEvent, key: string): void;
  sample?(sample: InfoSample, previous: InfoSample | null): void;
  dated?(event: DatedEvent): void;
  clients?(clients: RemovingClient[]): void;
  /** Removing commands whose senders CLIENT LIST could not name, and why. */
  unnamed?(note: UnnamedRemovers): void;
  gap?(gap: CaptureGap): void;
  notifications?(node: string, state: NotificationState): void;
}

export interface CaptureOptions {
  /** Only this db's events; null: every db. */
  db: number | null;
  /** INFO sampling interval per node. */
  sampleIntervalMs: number;
  /** DEL/UNLINK/GETDEL/HDEL/FLUSH* calls between two samples from which CLIENT LIST is read to name who sends them (1: any rise). */
  clientListAt: number;
  /** CLIENT LIST is skipped on a node with more connections than this (its cost grows with them). */
  clientListMaxClients: number;
  /** Re-read the notification settings this often (they can be turned on or off while we watch). */
  notificationsEveryMs: number;
  backoff: { minMs: number; maxMs: number };
  connect: Pick<ConnectOptions, 'connectTimeoutMs' | 'commandTimeoutMs'>;
  /** The cache's Azure context, to read notifyKeyspaceEvents where CONFIG is blocked. */
  azure: AzureContext | null;
  /** Hosts a cluster's nodes may announce besides the cache's own (the caches file's cluster.hosts). */
  clusterHosts: readonly string[];
  now: () => number;
}

export const DEFAULT_CAPTURE_OPTIONS: CaptureOptions = {
  db: null,
  sampleIntervalMs: 5_000,
  clientListAt: 1,
  clientListMaxClients: CLIENT_LIST_MAX_CLIENTS,
  notificationsEveryMs: 60_000,
  backoff: { minMs: 250, maxMs: 30_000 },
  connect: {},
  azure: null,
  clusterHosts: [],
  now: Date.now,
};

export type CaptureStart = { ok: true; capture: Capture } | { ok: false; kind: 'unreachable' | 'auth'; endpoint: string; reason: string };

/** Discovers the primaries (one node, or every primary of a cluster) and starts capturing on each. */
export async function startCapture(endpoint: RedisEndpoint, sink: CaptureSink, options: Partial<CaptureOptions> = {}): Promise<CaptureStart> {
  const settings: CaptureOptions = { ...DEFAULT_CAPTURE_OPTIONS, ...options };
  const opened = await openTarget(endpoint, { ...settings.connect, clusterHosts: settings.clusterHosts });
  if (!opened.ok) {
    if (opened.kind === 'invalid-url') return { ok: false, kind: 'unreachable', endpoint: describeEndpoint(endpoint), reason: opened.reason };
    return opened;
  }
  let addresses: string[];
  try {
    const topology = await opened.target.nodes();
    addresses = topology.nodes.filter((node) => !topology.clusterEnabled || node.role === 'primary').map((node) => node.address);
  } catch (error) {
    return { ok: false, kind: 'unreachable', endpoint: describeEndpoint(endpoint), reason: describeError(error) };
  } finally {
    await opened.target.close();
  }
  const capture = new Capture(endpoint, addresses, sink, settings);
  const first = await capture.start();
  if (!first.ok) {
    await capture.stop();
    return first;
  }
  return { ok: true, capture };
}

export class Capture {
  private readonly nodes: NodeCapture[];
  /** Commands sent to the cache (subscriptions, INFO, CONFIG GET, CLIENT LIST), for the benchmark and the audit. */
  readonly counter: CommandCounter = { sent: 0 };

  constructor(
    readonly endpoint: RedisEndpoint,
    readonly addresses: string[],
    sink: CaptureSink,
    options: CaptureOptions,
  ) {
    this.nodes = addresses.map((address) => new NodeCapture(endpoint, address, sink, options, this.counter));
  }

  /** Connects every node; fails only when the first node cannot be reached at all (others reconnect on their own). */
  async start(): Promise<{ ok: true } | { ok: false; kind: 'unreachable' | 'auth'; endpoint: string; reason: string }> {
    const results = await Promise.all(this.nodes.map((node) => node.connect()));
    const failure = results.find((result) => !result.ok);
    if (failure && !failure.ok && results.every((result) => !result.ok)) return failure;
    for (const [index, result] of results.entries()) if (!result.ok) this.nodes[index]!.away(result.reason);
    return { ok: true };
  }

  /** The last sample of every node that has one. */
  samples(): InfoSample[] {
    return this.nodes.flatMap((node) => (node.last ? [node.last] : []));
  }

  notifications(): NotificationState[] {
    return this.nodes.map((node) => node.notifications);
  }

  /** Takes one INFO sample on every connected node now (watch: at its start and its end). */
  async sampleNow(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.sample()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }
}

class NodeCapture {
  private commands: Gateway | null = null;
  private subscriber: Gateway | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;
  private backoffMs: number;
  private gapFrom: number | null = null;
  private gapWhy = '';
  private lastNotificationsRead = 0;
  private sampling: Promise<void> | null = null;
  last: InfoSample | null = null;
  notifications: NotificationState = { enabled: null, flags: null, source: 'inferred' };

  constructor(
    private readonly endpoint: RedisEndpoint,
    private readonly address: string,
    private readonly sink: CaptureSink,
    private readonly options: CaptureOptions,
    private readonly counter: CommandCounter,
  ) {
    this.backoffMs = options.backoff.minMs;
  }

  async connect(): Promise<{ ok: true } | { ok: false; kind: 'unreachable' | 'auth'; endpoint: string; reason: string }> {
    const { host, port } = parseAddress(this.address);
    const endpoint = { ...this.endpoint, host, port };
    const connect = { ...this.options.connect, counter: this.counter };
    const commands = await openGateway(endpoint, { ...connect, connectionName: 'keyloss-record', onClose: (reason) => this.lost(reason) });
    if (!commands.ok) return commands;
    const subscriber = await openGateway(endpoint, {
      ...connect,
      connectionName: 'keyloss-record',
      onMessage: (_pattern, channel, key) => this.message(channel, key),
      onClose: (reason, capped) => this.lost(reason, capped ? 'capped' : 'subscriber'),
    });
    if (!subscriber.ok) {
      commands.gateway.close();
      return subscriber;
    }
    if (this.stopped) {
      commands.gateway.close();
      subscriber.gateway.close();
      return { ok: true };
    }
    this.commands = commands.gateway;
    this.subscriber = subscriber.gateway;
    try {
      // The first sample comes before the subscription, so the counter deltas cover every event that arrives.
      await this.readNotifications(true);
      await this.sample();
      const { pattern, channels } = keyeventChannels(this.options.db);
      // Lower case: ioredis recognises the subscriber-mode commands by their lower-case names.
      await this.subscriber.call(pattern ? 'psubscribe' : 'subscribe', ...channels);
    } catch (error) {
      this.teardown();
      return { ok: false, kind: 'unreachable', endpoint: this.address, reason: describeError(error) };
    }
    this.backoffMs = this.options.backoff.minMs;
    if (this.gapFrom !== null) {
      this.sink.gap?.({ node: this.address, from: this.gapFrom, to: this.options.now(), why: this.gapWhy });
      this.gapFrom = null;
    }
    this.timer = setInterval(() => void this.sample(), this.options.sampleIntervalMs);
    this.timer.unref();
    return { ok: true };
  }

  /** Marks the node away from `from` (default now; if it is not already) and schedules a reconnect. */
  away(why: string, from = this.options.now()): void {
    if (this.stopped) return;
    if (this.gapFrom === null) {
      this.gapFrom = from;
      this.gapWhy = why;
      this.sink.gap?.({ node: this.address, from: this.gapFrom, to: null, why });
    }
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect().then((result) => {
        if (!result.ok) {
          this.backoffMs = Math.min(this.backoffMs * 2, this.options.backoff.maxMs);
          this.away(result.reason);
        }
      });
    }, this.backoffMs);
    this.retry.unref();
  }

  /** A connection went: the command one, the subscriber (the server dropped it), or the subscriber keyloss closed at its byte cap. */
  private lost(reason: string, which: 'commands' | 'subscriber' | 'capped' = 'commands'): void {
    if (this.stopped || (this.commands === null && this.subscriber === null)) return;
    const before = this.last;
    const at = this.options.now();
    const lostWords = which === 'capped' ? `on keyloss's subscriber connection to ${this.address}, ${reason}` : `the connection to ${this.address} was lost: ${reason}`;
    // The subscriber alone went while the command connection is still up: ask the server why before letting go of it
    // (when keyloss closed it at its byte cap, the reason is already known).
    const witness = which === 'subscriber' && before ? this.commands : null;
    this.teardown(witness);
    if (!witness || !before) {
      this.away(before ? lostWords : reason, at);
      return;
    }
    void explainDrop(witness, this.address, before, this.options.now)
      .then((why) => why ?? lostWords, () => lostWords)
      .then((why) => {
        witness.close();
        this.away(why, at);
      });
  }

  /** Stops sampling and closes both connections (a `kept` one is detached but left open for its caller to close). */
  private teardown(kept: Gateway | null = null): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const { commands, subscriber } = this;
    this.commands = null;
    this.subscriber = null;
    if (commands !== kept) commands?.close();
    subscriber?.close();
  }

  private message(channel: string, key: string): void {
    const parsed = parseKeyeventChannel(channel);
    if (!parsed) return;
    if (this.notifications.enabled !== true && this.notifications.source === 'inferred') {
      this.notifications = { enabled: true, flags: null, source: 'inferred' };
      this.sink.notifications?.(this.address, this.notifications);
    }
    this.sink.keyEvent(this.options.now(), this.address, parsed.db, parsed.event, key);
  }

  /** One INFO sample; compares it with the last one to date restarts, failovers, flushes and bursts. */
  sample(): Promise<void> {
    this.sampling ??= this.takeSample().finally(() => {
      this.sampling = null;
    });
    return this.sampling;
  }

  private async takeSample(): Promise<void> {
    const gateway = this.commands;
    if (!gateway) return;
    let text: string;
    try {
      text = await gateway.info('server', 'clients', 'memory', 'stats', 'replication', 'keyspace', 'commandstats').catch(async (error: unknown) => {
        // Servers before Redis 7 take one section at a time; `all` has every one of ours.
        if (error instanceof CommandUnavailable || /syntax|wrong number/i.test(describeError(error))) return gateway.info('all');
        throw error;
      });
    } catch (error) {
      if (this.commands === gateway) this.lost(describeError(error));
      return;
    }
    const next = sampleFromInfo(text, this.address, this.options.now());
    const previous = this.last;
    this.last = next;
    if (previous) {
      if (
        restarted(previous, next) === false &&
        previous.outputBufferDisconnections !== null &&
        next.outputBufferDisconnections !== null &&
        next.outputBufferDisconnections > previous.outputBufferDisconnections
      ) {
        this.sink.dated?.({
          type: 'gap',
          at: next.at,
          from: previous.at,
          address: this.address,
          summary: `${this.address} dropped a subscriber for exceeding its pub/sub output buffer limit (client-output-buffer-limit pubsub)`,
        });
      }
    }
    // CLIENT LIST is read whenever removing commands rose, before the changes are told, so a flush can name its sender.
    let removers: RemovingClient[] = [];
    if (previous) {
      const calls = removingCallsDelta(previous, next);
      const removing = calls.del + calls.unlink + calls.getdel + calls.hdel + calls.flushdb + calls.flushall;
      if (removing >= this.options.clientListAt) {
        const unnamed = { node: this.address, from: previous.at, to: next.at, calls: removing, clients: next.connectedClients };
        if ((next.connectedClients ?? 0) > this.options.clientListMaxClients) this.sink.unnamed?.({ ...unnamed, why: 'crowded' });
        else {
          const read = await this.readClients(gateway);
          if (read === null) this.sink.unnamed?.({ ...unnamed, why: 'refused' });
          else if (read.length === 0) this.sink.unnamed?.({ ...unnamed, why: 'left' });
          removers = read ?? [];
        }
      }
      for (const event of changesBetween(previous, next)) this.sink.dated?.(event.type === 'flush' ? withFlushSender(event, removers) : event);
    }
    this.sink.sample?.(next, previous);
    if (next.at - this.lastNotificationsRead >= this.options.notificationsEveryMs) await this.readNotifications(false);
    if (removers.length > 0) this.sink.clients?.(removers);
  }

  /** The clients whose last command removed keys (not keyloss's own); null when CLIENT LIST was refused or failed. */
  private async readClients(gateway: Gateway): Promise<RemovingClient[] | null> {
    try {
      const lines = parseClientList(String(await gateway.call('CLIENT', 'LIST')));
      const at = this.options.now();
      return lines
        .filter((line) => !line.name.startsWith('keyloss') && isRemovingCommand(line.cmd))
        .map((line) => ({ name: line.name, addr: line.addr, cmd: line.cmd, db: line.db, user: line.user, libName: line.libName, node: this.address, at }));
    } catch {
      // CLIENT LIST refused (ACL) or failed: clients stay unnamed; the counts still stand.
      return null;
    }
  }

  private async readNotifications(first: boolean): Promise<void> {
    this.lastNotificationsRead = this.options.now();
    const before = this.notifications;
    let next: NotificationState | null = null;
    const gateway = this.commands;
    if (gateway && before.source !== 'azure') {
      try {
        const reply = (await gateway.call('CONFIG', 'GET', 'notify-keyspace-events')) as unknown;
        const flags = Array.isArray(reply) && reply.length >= 2 ? String(reply[1]) : null;
        if (flags !== null) next = { enabled: parseNotifyFlags(flags).enabled, flags, source: 'config' };
      } catch {
        // CONFIG is blocked (Azure) or refused by ACL: ask Azure, else infer from what arrives.
      }
    }
    if (next === null && first && this.options.azure) next = await azureNotifications(this.options.azure);
    if (next === null) return;
    this.notifications = next;
    if (first || before.enabled !== next.enabled || before.flags !== next.flags) this.sink.notifications?.(this.address, next);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    await this.sampling?.catch(() => undefined);
    this.teardown();
  }
}

/** A flush with the client CLIENT LIST showed sending FLUSHDB/FLUSHALL, when one did. */
function withFlushSender(event: DatedEvent, removers: RemovingClient[]): DatedEvent {
  const sender = removers.find((client) => client.cmd === 'flushdb' || client.cmd === 'flushall');
  if (!sender) return event;
  const who = describeClient(sender);
  return { ...event, summary: `${event.summary}, sent by ${who}`, data: { ...event.data, client: who, clientName: sender.name, clientAddr: sender.addr } };
}

/** `cleanup-job (10.0.0.7:51234, user default, lib redis-py)`: the name CLIENT SETNAME gave, else `(no name)`, and what else the server said. */
export function describeClient(client: Pick<RemovingClient, 'name' | 'addr' | 'user' | 'libName'>): string {
  const details = [client.addr, client.user ? `user ${client.user}` : '', client.libName ? `lib ${client.libName}` : ''].filter(Boolean).join(', ');
  return `${client.name || '(no name)'} (${details})`;
}

const DROP_PROBE_MS = 2_000;

/**
 * Why the server closed the subscriber while the command connection stayed up, asked on that connection: a rise of
 * client_output_buffer_limit_disconnections (Redis 7.2+) says it was the pub/sub output buffer limit; on older servers
 * that count does not exist, and a server that did not restart (same run_id) and kept the other connection is said to
 * have most likely dropped it for that limit. null: nothing better than "the connection was lost" can be said.
 */
async function explainDrop(gateway: Gateway, address: string, before: InfoSample, now: () => number): Promise<string | null> {
  const timeout = AbortSignal.timeout(DROP_PROBE_MS);
  const within = <T>(work: Promise<T>): Promise<T> =>
    Promise.race([work, new Promise<never>((_, reject) => timeout.addEventListener('abort', () => reject(new Error('no answer')), { once: true }))]);
  const info = await within(gateway.info('server', 'stats').catch(() => gateway.info('all')));
  const after = sampleFromInfo(info, address, now());
  if (restarted(before, after) !== false) return null;
  const limit = await within(gateway.call('CONFIG', 'GET', 'client-output-buffer-limit'))
    .then((reply) => (Array.isArray(reply) ? /pubsub \d+ \d+ \d+/.exec(String(reply[1] ?? ''))?.[0] ?? null : null))
    .catch(() => null);
  const setting = `client-output-buffer-limit ${limit ? `"${limit}"` : 'pubsub'}`;
  if (before.outputBufferDisconnections !== null && after.outputBufferDisconnections !== null) {
    if (after.outputBufferDisconnections <= before.outputBufferDisconnections) return null;
    return (
      `${address} dropped keyloss's subscriber for exceeding its pub/sub output buffer limit (${setting}): ` +
      `client_output_buffer_limit_disconnections rose from ${before.outputBufferDisconnections} to ${after.outputBufferDisconnections}; key events came faster than they were read`
    );
  }
  const version = /redis_version:([^\r\n]+)/.exec(info)?.[1];
  return (
    `${address} closed keyloss's subscriber connection while its command connection stayed up and the server did not restart (same run_id): ` +
    `most likely the pub/sub output buffer limit (${setting}) was exceeded, key events coming faster than they were read; ` +
    `Redis ${version ?? 'before 7.2'} does not count such drops (client_output_buffer_limit_disconnections comes with 7.2)`
  );
}

/** notifyKeyspaceEvents from the cache's Azure redisConfiguration; null when it cannot be read. */
async function azureNotifications(azure: AzureContext): Promise<NotificationState | null> {
  const resource = parseCacheResourceId(azure.target.resourceId ?? '');
  if (!resource.ok) return null;
  try {
    const settings = await readResource(azure, resource.resource, AbortSignal.timeout(10_000));
    const flags = settings.notifyKeyspaceEvents ?? '';
    return { enabled: parseNotifyFlags(flags).enabled, flags, source: 'azure' };
  } catch {
    return null;
  }
}
