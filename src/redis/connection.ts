// Opens one read-only connection to one Redis node, with bounded timeouts and no reconnect loop, as a Gateway.
import { isIP } from 'node:net';
import { Redis } from 'ioredis';
import { describeError } from '../redact.ts';
import { Gateway, type CommandCounter } from './gateway.ts';
import { describeEndpoint, type RedisEndpoint } from './url.ts';

export interface ConnectOptions {
  /** Time to connect, authenticate and answer a PING. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Per-command timeout once connected. Default 3000 ms. */
  commandTimeoutMs?: number;
  /** TLS server name (SNI and certificate check); defaults to the endpoint's host when it is a name. */
  servername?: string;
  counter?: CommandCounter;
  /** CLIENT SETNAME of the connection, so the cache's operators see who it is. Default `keyloss`. */
  connectionName?: string;
  /** A subscription connection: every published message (pattern is null for SUBSCRIBE) after SUBSCRIBE/PSUBSCRIBE. */
  onMessage?: (pattern: string | null, channel: string, message: string) => void;
  /** Called once when an open connection is lost, with the redacted reason; `capped` when keyloss closed it at its byte cap. */
  onClose?: (reason: string, capped: boolean) => void;
  /** The memory of the investigation this connection serves, shared by all its connections. */
  replyBudget?: ReplyBudget;
}

export type ConnectFailure = { ok: false; kind: 'unreachable' | 'auth'; endpoint: string; reason: string };
export type Connected = { ok: true; gateway: Gateway };

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** The most bytes one reply (INFO, CLIENT LIST, SLOWLOG, CLUSTER NODES, a SCAN page) may take. */
export const MAX_REPLY_BYTES = 32 * 1_048_576;
export const DEFAULT_COMMAND_TIMEOUT_MS = 3_000;
/** The most bytes of replies one investigation may hold, all its connections together. */
export const MAX_INVESTIGATION_BYTES = 64 * 1_048_576;

/**
 * The bytes of replies one investigation holds, across all its connections: each reply counts as it arrives (what
 * keyloss received it may keep: INFO samples, CLIENT LIST, SLOWLOG, CLUSTER NODES), and a reader that lets a reply go
 * once read (a SCAN page) gives its bytes back. Past the limit every connection of the investigation closes itself
 * at its next byte, so the commands fail with the reason and the process holds no more.
 */
export class ReplyBudget {
  private heldBytes = 0;

  constructor(readonly limitBytes = MAX_INVESTIGATION_BYTES) {}

  get held(): number {
    return this.heldBytes;
  }

  /** Counts `bytes` that arrived; false once the investigation holds more than its limit. */
  take(bytes: number): boolean {
    this.heldBytes += bytes;
    return this.heldBytes <= this.limitBytes;
  }

  /** A reply of about `bytes` was read and let go. */
  giveBack(bytes: number): void {
    this.heldBytes = Math.max(0, this.heldBytes - bytes);
  }

  /** Why a connection of this investigation stopped reading. */
  reason(): string {
    return `keyloss already holds ${this.limitBytes / 1_048_576} MB of this cache's replies for this investigation, its limit; it closed the connection`;
  }
}

/** Connects to `endpoint` (db 0; SELECT is the caller's, through the gateway) and proves the link with a PING. */
export async function openGateway(endpoint: RedisEndpoint, options: ConnectOptions = {}): Promise<Connected | ConnectFailure> {
  const address = describeEndpoint(endpoint);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const servername = options.servername ?? (isIP(endpoint.host) ? undefined : endpoint.host);
  const client = new Redis({
    host: endpoint.host,
    port: endpoint.port,
    username: endpoint.username ?? undefined,
    password: endpoint.password ?? undefined,
    tls: endpoint.tls ? (servername ? { servername } : {}) : undefined,
    // RESP2: AUTH instead of HELLO keeps the handshake to what every Redis (and Azure) accepts.
    protocol: 2,
    connectTimeout: connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    // A diagnosis reports a dead node; it does not wait for it to come back.
    retryStrategy: () => null,
    reconnectOnError: null,
    enableOfflineQueue: false,
    // No INFO behind our back, no waiting out a loading server: the checks say what they see.
    enableReadyCheck: false,
    lazyConnect: true,
    connectionName: options.connectionName ?? 'keyloss',
    disableClientInfo: true,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
  });
  // ioredis prints unhandled `error` events with their text; we keep the last one (redacted when read) instead.
  let lastError: unknown = null;
  client.on('error', (error: unknown) => {
    lastError = error;
  });
  // ioredis buffers a reply whole, however long the server says it is: keyloss counts every byte that arrives, whether a
  // command is outstanding or not (a pub/sub message, or a reply nobody asked for), from the end of the last reply or
  // message, and closes the connection past MAX_REPLY_BYTES, so an endless reply or message costs no memory.
  // The investigation's budget bounds what all its connections hold together (replies to its commands).
  let outstanding = 0;
  let received = 0;
  let overflowed: string | null = null;
  let disconnected = false;
  const budget = options.replyBudget;
  const channel = {
    async call(command: string, ...args: Array<string | number>): Promise<unknown> {
      outstanding++;
      try {
        return await client.call(command, ...args);
      } catch (error) {
        if (overflowed !== null) throw new Error(overflowed);
        throw error;
      } finally {
        // Replies arrive in order: once one settles, what follows belongs to the next (give or take one chunk).
        outstanding--;
        received = 0;
      }
    },
    // Once: a connection shared across dbs is closed through each db's gateway, and ioredis adds a listener per call.
    disconnect: () => {
      if (disconnected) return;
      disconnected = true;
      client.disconnect();
    },
    ...(budget ? { giveBack: (bytes: number) => budget.giveBack(bytes) } : {}),
  };
  const gateway = new Gateway(channel, address, 0, options.counter);
  // The first bytes the server sends, for a refusal that arrives before any reply is expected.
  let greeting = null as string | null;
  client.once('connect', () => {
    const stream = (client as unknown as { stream?: NodeJS.EventEmitter & { destroy?: () => void } }).stream;
    stream?.once('data', (chunk: Buffer) => {
      greeting = chunk.toString('utf8', 0, 200);
    });
    stream?.on('data', (chunk: Buffer) => {
      if (overflowed !== null) return;
      received += chunk.length;
      if (received > MAX_REPLY_BYTES) {
        overflowed =
          outstanding > 0
            ? `the reply was longer than ${MAX_REPLY_BYTES / 1_048_576} MB; keyloss closed the connection`
            : `the server sent more than ${MAX_REPLY_BYTES / 1_048_576} MB in one message (a pub/sub message or a reply to no command); keyloss closed the connection`;
      } else if (outstanding > 0 && budget && !budget.take(chunk.length)) {
        overflowed = budget.reason();
      }
      if (overflowed === null) return;
      // Destroyed, not ended: the bytes still on their way are never read, so the command fails instead of completing.
      stream.destroy?.();
      client.disconnect();
    });
  });
  const onMessage = options.onMessage;
  if (onMessage) {
    // A message delivered is let go by ioredis: what follows is the next one (give or take one chunk).
    client.on('message', (channel: string, message: string) => {
      received = 0;
      onMessage(null, channel, message);
    });
    client.on('pmessage', (pattern: string, channel: string, message: string) => {
      received = 0;
      onMessage(pattern, channel, message);
    });
  }

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConnectTimeout(connectTimeoutMs)), connectTimeoutMs);
  });
  try {
    await Promise.race([client.connect(), deadline]);
    // A stopped process still completes TCP handshakes from the kernel's backlog: only a reply proves it is alive.
    await Promise.race([gateway.call('PING'), deadline]);
    const onClose = options.onClose;
    if (onClose) {
      client.once('close', () => onClose(overflowed ?? (lastError === null ? 'the server closed the connection' : describeError(lastError)), overflowed !== null));
    }
    return { ok: true, gateway };
  } catch (error) {
    client.disconnect();
    // "Connection is closed" hides the cause (refused, WRONGPASS…) that ioredis emitted as an `error` event first.
    // A server that refuses at once (maxclients) sends one error reply and closes, before any command is answered.
    const refusedWith = greeting?.startsWith('-') ? new Error(greeting.slice(1).split('\r\n')[0]) : null;
    const cause = isConnectionClosed(error) ? (lastError ?? refusedWith ?? error) : error;
    return { ok: false, endpoint: address, ...classifyConnectError(cause, connectTimeoutMs, endpoint) };
  } finally {
    clearTimeout(timer);
  }
}

function isConnectionClosed(error: unknown): boolean {
  return /Connection is closed/i.test(describeError(error));
}

class ConnectTimeout extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

const AUTH_REPLY = /WRONGPASS|NOAUTH|invalid password|invalid username|AUTH failed|NOPERM/i;

type Failure = 'timeout' | 'refused' | 'reset' | 'closed' | 'other';

const AZURE_CACHE_HOST = /\.redis\.cache\.(windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)$/i;

/**
 * A scheme that does not match the port fails in ways that do not say so: a TLS port resets a plain client, and a
 * plain port never answers a TLS hello. Azure serves TLS on 6380 and plain text on 6379, which is off by default.
 */
function schemeHint(failure: Failure, endpoint: Pick<RedisEndpoint, 'host' | 'port' | 'tls'>): string {
  if (failure === 'other') return '';
  if (!endpoint.tls && endpoint.port === 6379 && AZURE_CACHE_HOST.test(endpoint.host)) {
    return `; Azure Cache for Redis keeps the non-TLS port 6379 off by default: use rediss://${endpoint.host}:6380`;
  }
  if (!endpoint.tls && (failure === 'reset' || failure === 'closed')) return '; if this port expects TLS (Azure: 6380), use rediss://';
  if (endpoint.tls && failure === 'timeout') return '; if this port does not speak TLS, use redis://';
  return '';
}

/**
 * Turns whatever ioredis or the socket threw into a short, redacted sentence and whether it is about credentials;
 * a failure that a wrong scheme for the port would cause says which scheme to try.
 */
export function classifyConnectError(
  error: unknown,
  timeoutMs: number,
  endpoint: Pick<RedisEndpoint, 'host' | 'port' | 'tls'>,
): { kind: 'unreachable' | 'auth'; reason: string } {
  const unreachable = (reason: string, failure: Failure = 'other') => ({ kind: 'unreachable' as const, reason: `${reason}${schemeHint(failure, endpoint)}` });
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const message = describeError(error).replace(/^(CommandFailed: )?PING failed on \S+: /, '');
  if (error instanceof ConnectTimeout || code === 'ETIMEDOUT' || /Command timed out/.test(message)) {
    return unreachable(`timed out after ${timeoutMs} ms`, 'timeout');
  }
  if (AUTH_REPLY.test(message)) return { kind: 'auth', reason: message.replace(/\.$/, '') };
  // Redis answers a connection over maxclients with this error and closes: it is the server's limit, not the scheme.
  if (/max number of clients reached/i.test(message)) {
    return { kind: 'unreachable', reason: 'the server refused the connection: max number of clients reached (its maxclients limit is full)' };
  }
  if (code === 'ECONNREFUSED') return unreachable('connection refused', 'refused');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return unreachable('host name not found');
  if (code === 'ECONNRESET' || code === 'EPIPE') return unreachable('connection reset by the server', 'reset');
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return unreachable('no route to host');
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /certificate|SSL|TLS|self.signed/i.test(message) || /CERT/.test(code)) {
    return unreachable(`TLS handshake failed: ${message}`);
  }
  if (/Connection is closed/i.test(message)) return unreachable('the server closed the connection', 'closed');
  // ioredis's words for a socket the server already closed: something answered the connection, but not as Redis does.
  if (/Stream isn't writeable|enableOfflineQueue/i.test(message)) {
    return unreachable('the server closed the connection before answering PING: is this the port of a Redis server (not HTTP or another service)?', 'closed');
  }
  if (/Protocol error/i.test(message)) return unreachable('the server does not answer in the Redis protocol: is this the port of a Redis server?');
  return unreachable(message);
}
