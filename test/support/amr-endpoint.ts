// An Azure Managed Redis endpoint for tests, built from ../shared/reference/amr-facts.md: a proxy on 127.0.0.1 in front
// of real redis-server shards started here, routing keys by hash slot, refusing what AMR refuses, forwarding keyspace
// notifications, and answering INFO in Redis Enterprise's shape from a committed real INFO
// (test/fixtures/enterprise/redis-cloud-6.2.6.info.txt) with live counters summed over the shards where Enterprise
// counts them for the whole database. The code under test never sees this file; only its answers.
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { keySlot, SLOT_COUNT } from '../../src/redis/slot.ts';
import { startRedis, stopRedis, type RedisProcess } from './redis-server.ts';

// ---------------------------------------------------------------- RESP2, byte-preserving (latin1 strings)

class RespError {
  constructor(readonly message: string) {}
}
type Value = string | number | null | RespError | Value[] | { simple: string };

const INCOMPLETE = Symbol('incomplete');

/** Reads RESP2 values from a byte stream (and inline commands, as redis-cli may send). */
class RespReader {
  private buffer = '';
  private at = 0;

  push(chunk: Buffer): void {
    this.buffer = this.buffer.slice(this.at) + chunk.toString('latin1');
    this.at = 0;
  }

  next(): Value | typeof INCOMPLETE {
    const start = this.at;
    const value = this.read();
    if (value === INCOMPLETE) this.at = start;
    return value;
  }

  private line(): string | typeof INCOMPLETE {
    const end = this.buffer.indexOf('\r\n', this.at);
    if (end === -1) return INCOMPLETE;
    const text = this.buffer.slice(this.at, end);
    this.at = end + 2;
    return text;
  }

  private read(): Value | typeof INCOMPLETE {
    if (this.at >= this.buffer.length) return INCOMPLETE;
    const type = this.buffer[this.at];
    if (type !== '+' && type !== '-' && type !== ':' && type !== '$' && type !== '*') {
      const inline = this.line();
      return inline === INCOMPLETE ? INCOMPLETE : inline.trim().split(/\s+/).filter(Boolean);
    }
    this.at += 1;
    const head = this.line();
    if (head === INCOMPLETE) return INCOMPLETE;
    if (type === '+') return { simple: head };
    if (type === '-') return new RespError(head);
    if (type === ':') return Number(head);
    const length = Number(head);
    if (type === '$') {
      if (length < 0) return null;
      if (this.buffer.length < this.at + length + 2) return INCOMPLETE;
      const text = this.buffer.slice(this.at, this.at + length);
      this.at += length + 2;
      return text;
    }
    if (length < 0) return null;
    const items: Value[] = [];
    for (let i = 0; i < length; i++) {
      const item = this.read();
      if (item === INCOMPLETE) return INCOMPLETE;
      items.push(item);
    }
    return items;
  }
}

function encode(value: Value): string {
  if (value === null) return '$-1\r\n';
  if (typeof value === 'number') return `:${value}\r\n`;
  if (typeof value === 'string') return `$${value.length}\r\n${value}\r\n`;
  if (value instanceof RespError) return `-${value.message}\r\n`;
  if (Array.isArray(value)) return `*${value.length}\r\n${value.map(encode).join('')}`;
  return `+${value.simple}\r\n`;
}

const OK = { simple: 'OK' };

/** Several replies to one command (SUBSCRIBE to several channels answers once per channel). */
class Many {
  constructor(readonly replies: Value[]) {}
}

/** One connection to one shard: commands in order, replies matched in order; pushes (pub/sub) to `onPush`. */
class ShardLink {
  private readonly socket: Socket;
  private readonly reader = new RespReader();
  private readonly pending: Array<{ resolve: (value: Value) => void; reject: (error: Error) => void }> = [];
  closed = false;
  private closedByUs = false;

  constructor(
    port: number,
    private readonly onPush?: (message: Value[]) => void,
    /** Called when the shard side closes it (a shard restart), not when closed here. */
    private readonly onLost?: () => void,
  ) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk) => {
      this.reader.push(chunk);
      for (let value = this.reader.next(); value !== INCOMPLETE; value = this.reader.next()) {
        if (this.onPush && Array.isArray(value) && (value[0] === 'message' || value[0] === 'pmessage')) this.onPush(value);
        else this.pending.shift()?.resolve(value);
      }
    });
    const fail = (why: string) => {
      this.closed = true;
      for (const waiter of this.pending.splice(0)) waiter.reject(new Error(why));
    };
    this.socket.on('error', (error) => fail(error.message));
    this.socket.on('close', () => {
      fail('the shard closed the connection');
      if (!this.closedByUs) this.onLost?.();
    });
  }

  send(args: string[]): Promise<Value> {
    if (this.closed) return Promise.reject(new Error('the shard connection is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(encode(args));
    });
  }

  close(): void {
    this.closed = true;
    this.closedByUs = true;
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------- what AMR refuses (reference/amr-facts.md)

const REFUSED = new Set([
  'BGREWRITEAOF', 'BGSAVE', 'MODULE', 'MOVE', 'PSYNC', 'REPLICAOF', 'SLAVEOF', 'REPLCONF', 'SAVE', 'SHUTDOWN', 'SELECT', 'SYNC',
  'ROLE', 'LASTSAVE', 'DEBUG', 'SWAPDB', 'LATENCY', 'MONITOR', 'FAILOVER',
]);
const REFUSED_SUBCOMMANDS: Record<string, Set<string>> = {
  MEMORY: new Set(['STATS', 'DOCTOR', 'MALLOC-STATS', 'PURGE']),
  CLIENT: new Set(['PAUSE', 'UNPAUSE', 'TRACKING', 'KILL']),
  CONFIG: new Set(['SET', 'RESETSTAT', 'REWRITE']),
};
/** CONFIG GET answers these only; `config: 'refused'` refuses CONFIG altogether. */
const CONFIG_GET_ANSWERS = new Set(['notify-keyspace-events']);

function unknownCommand(name: string, args: string[]): RespError {
  return new RespError(`ERR unknown command '${name}', with args beginning with: ${args.slice(1, 3).map((a) => `'${a}'`).join(' ')}`);
}

// ---------------------------------------------------------------- INFO in Redis Enterprise's shape

const FIXTURE = readFileSync(join(import.meta.dirname, '../fixtures/enterprise/redis-cloud-6.2.6.info.txt'), 'utf8');

/** The fixture as ordered sections of ordered fields. */
function fixtureSections(): Array<{ name: string; fields: Array<[string, string]> }> {
  const sections: Array<{ name: string; fields: Array<[string, string]> }> = [];
  for (const line of FIXTURE.split('\n')) {
    if (line.startsWith('# ')) sections.push({ name: line.slice(2).trim(), fields: [] });
    else if (line.includes(':')) sections.at(-1)?.fields.push([line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]);
  }
  return sections;
}

function fieldsOf(info: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of info.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

function pairs(text: string): Map<string, number> {
  return new Map(text.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), Number(pair.slice(pair.indexOf('=') + 1))]));
}

function human(bytes: number): string {
  return bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(2)}M` : `${(bytes / 1024).toFixed(2)}K`;
}

/** Counters Enterprise reports for the whole database: summed over the shards' own INFO. */
const SUMMED = ['expired_keys', 'evicted_keys', 'keyspace_hits', 'keyspace_misses', 'total_commands_processed', 'connected_clients', 'expired_subkeys'];

// ---------------------------------------------------------------- the endpoint

export interface AmrEndpointOptions {
  /** Shards (redis-server processes) behind the proxy. Default 3. */
  shards?: number;
  /** Extra redis-server arguments for every shard: `--maxmemory`, `--notify-keyspace-events` (ARM's notifyKeyspaceEvents). */
  shardArgs?: string[];
  /** `proxy` (EnterpriseCluster: one endpoint routes every key) or `oss` (OSSCluster: the endpoint and one port per shard, CLUSTER NODES). */
  clustering?: 'proxy' | 'oss';
  /** `refused` (default): CONFIG is refused altogether; `short-list`: CONFIG GET answers notify-keyspace-events only. */
  config?: 'refused' | 'short-list';
}

export interface AmrEndpoint {
  /** The endpoint as a user pastes it (`redis://127.0.0.1:<port>`). */
  url: string;
  port: number;
  /** OSS clustering: the port of each shard's own endpoint, in shard order. */
  shardPorts: number[];
  /** The real servers behind the proxy, for staging a restart or reading what a shard holds. */
  shards: RedisProcess[];
  /** The shard that owns `key`. */
  shardOf(key: string): number;
  stop(): Promise<void>;
}

export async function startAmrEndpoint(options: AmrEndpointOptions = {}): Promise<AmrEndpoint> {
  const count = options.shards ?? 3;
  const shards = await Promise.all(Array.from({ length: count }, () => startRedis(options.shardArgs ?? [])));
  const ranges = shards.map((_, i): [number, number] => [Math.floor((i * SLOT_COUNT) / count), Math.floor(((i + 1) * SLOT_COUNT) / count) - 1]);
  const shardOf = (key: string) => {
    const slot = keySlot(key);
    return ranges.findIndex(([from, to]) => slot >= from && slot <= to);
  };
  const clustering = options.clustering ?? 'proxy';
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const listen = async (front: number | null): Promise<number> => {
    const server = createServer((client) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      serve(client, front);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  };

  const state = { port: 0, shardPorts: [] as number[] };

  function serve(client: Socket, front: number | null): void {
    client.setNoDelay(true);
    const reader = new RespReader();
    const links = new Map<number, ShardLink>();
    const link = (shard: number): ShardLink => {
      let l = links.get(shard);
      if (!l || l.closed) {
        l = new ShardLink(shards[shard]?.port ?? 0);
        links.set(shard, l);
      }
      return l;
    };
    const subscribers: ShardLink[] = [];
    const subscribed: Array<[string, string]> = [];
    let chain: Promise<void> = Promise.resolve();
    client.on('data', (chunk) => {
      reader.push(chunk);
      for (let value = reader.next(); value !== INCOMPLETE; value = reader.next()) {
        if (!Array.isArray(value) || value.length === 0) continue;
        const args = value.map((v) => (typeof v === 'string' ? v : String(v)));
        chain = chain.then(async () => {
          let reply: Value | Many | undefined;
          try {
            reply = await handle(args, link, front, subscribers, subscribed, client);
          } catch (error) {
            reply = new RespError(`ERR proxy: ${(error as Error).message}`);
          }
          if (reply === undefined || client.destroyed) return;
          client.write(reply instanceof Many ? reply.replies.map(encode).join('') : encode(reply), 'latin1');
        });
      }
    });
    client.on('close', () => {
      for (const l of [...links.values(), ...subscribers]) l.close();
    });
    client.on('error', () => undefined);
  }

  const every = <T>(fn: (shard: number) => Promise<T>) => Promise.all(shards.map((_, i) => fn(i)));

  async function handle(
    args: string[],
    link: (shard: number) => ShardLink,
    front: number | null,
    subscribers: ShardLink[],
    subscribed: Array<[string, string]>,
    client: Socket,
  ): Promise<Value | Many | undefined> {
    const name = (args[0] ?? '').toUpperCase();
    const sub = (args[1] ?? '').toUpperCase();
    if (REFUSED.has(name) || REFUSED_SUBCOMMANDS[name]?.has(sub)) return unknownCommand(args[0] ?? '', args);
    switch (name) {
      case 'PING':
        return { simple: 'PONG' };
      case 'AUTH':
        return OK;
      case 'QUIT':
        client.end(encode(OK));
        return undefined;
      case 'CONFIG': {
        if ((options.config ?? 'refused') === 'refused' || sub !== 'GET') return unknownCommand(args[0] ?? '', args);
        const asked = (args[2] ?? '').toLowerCase();
        if (!CONFIG_GET_ANSWERS.has(asked)) return [];
        const reply = await link(0).send(['CONFIG', 'GET', asked]);
        return reply;
      }
      case 'CLIENT':
        if (sub === 'SETNAME' || sub === 'SETINFO') return OK;
        if (sub === 'LIST') {
          const lists = await every((i) => link(i).send(['CLIENT', 'LIST']));
          return lists.map((l) => String(l)).join('');
        }
        return link(0).send(args);
      case 'CLUSTER':
        if (clustering !== 'oss') return unknownCommand(args[0] ?? '', args);
        return clusterReply(sub, front ?? 0);
      case 'INFO':
        return info(args.slice(1).map((s) => s.toLowerCase()), link, front);
      case 'DBSIZE': {
        const sizes = await (front === null ? every((i) => link(i).send(['DBSIZE'])) : Promise.all([link(front).send(['DBSIZE'])]));
        return sizes.reduce<number>((sum, size) => sum + Number(size), 0);
      }
      case 'FLUSHDB':
      case 'FLUSHALL':
        // Through the proxy a flush empties every shard; a shard's own port (OSS clustering) flushes that shard.
        await (front === null ? every((i) => link(i).send(args)) : link(front).send(args));
        return OK;
      case 'SCAN':
        return scan(args, link, front);
      case 'SLOWLOG': {
        const replies = await (front === null ? every((i) => link(i).send(args)) : Promise.all([link(front).send(args)]));
        if (sub === 'GET') return replies.flatMap((r) => (Array.isArray(r) ? r : []));
        if (sub === 'LEN') return replies.reduce<number>((sum, r) => sum + Number(r), 0);
        return replies[0] ?? OK;
      }
      case 'DEL':
      case 'UNLINK':
      case 'EXISTS':
      case 'TOUCH': {
        const replies = await Promise.all(args.slice(1).map((key) => link(shardOf(key)).send([name, key])));
        return replies.reduce<number>((sum, r) => sum + Number(r), 0);
      }
      case 'MGET':
        return Promise.all(args.slice(1).map((key) => link(shardOf(key)).send(['GET', key])));
      case 'SUBSCRIBE':
      case 'PSUBSCRIBE':
      case 'UNSUBSCRIBE':
      case 'PUNSUBSCRIBE':
        return subscribe(args, subscribers, subscribed, client, front);
      case 'OBJECT':
      case 'MEMORY':
        return link(shardOf(args[2] ?? '')).send(args);
      default:
        return link(args[1] === undefined ? 0 : shardOf(args[1])).send(args);
    }
  }

  /** Keyspace notifications happen on the shard that holds the key; the proxy forwards each shard's to the client. */
  async function subscribe(args: string[], subscribers: ShardLink[], subscribed: Array<[string, string]>, client: Socket, front: number | null): Promise<Many> {
    const command = (args[0] ?? '').toLowerCase();
    const channels = args.slice(1);
    if (channels.length === 0) {
      // Unsubscribing from everything: the shards' subscriptions end with their connections.
      for (const l of subscribers.splice(0)) l.close();
      subscribed.length = 0;
      return new Many([[command, null, 0]]);
    }
    if (subscribers.length === 0) {
      // Through the proxy, every shard's events; on a shard's own port (OSS clustering), that shard's alone.
      const behind = front === null ? shards : shards.slice(front, front + 1);
      const forward = (message: Value[]) => {
        if (!client.destroyed) client.write(encode(message), 'latin1');
      };
      // A shard that restarts drops its subscribers: the proxy subscribes again once it is back, as Enterprise's does.
      const open = (index: number): ShardLink =>
        new ShardLink(behind[index]?.port ?? 0, forward, () => {
          const retry = () => {
            if (client.destroyed || subscribers[index]?.closed === false) return;
            const again = open(index);
            subscribers[index] = again;
            Promise.all(subscribed.map(([verb, channel]) => again.send([verb, channel]))).catch(() => setTimeout(retry, 200));
          };
          setTimeout(retry, 200);
        });
      for (let index = 0; index < behind.length; index++) subscribers.push(open(index));
    }
    for (const channel of channels) {
      if (command === 'subscribe' || command === 'psubscribe') subscribed.push([command, channel]);
      else subscribed.splice(0, subscribed.length, ...subscribed.filter(([, c]) => c !== channel));
    }
    // One confirmation per channel, as one server gives it: the first shard's.
    const replies: Value[] = [];
    for (const channel of channels) {
      const each = await Promise.all(subscribers.map((l) => l.send([command, channel])));
      replies.push(each[0] ?? null);
    }
    return new Many(replies);
  }

  /** SCAN across the shards: the cursor carries the shard (cursor x shards + shard), as a proxy's does. */
  async function scan(args: string[], link: (shard: number) => ShardLink, front: number | null): Promise<Value> {
    const n = BigInt(shards.length);
    const cursor = BigInt(args[1] ?? '0');
    let shard = front ?? Number(cursor % n);
    let inner = front === null ? cursor / n : cursor;
    const rest = args.slice(2);
    const reply = await link(shard).send(['SCAN', String(inner), ...rest]);
    if (!Array.isArray(reply)) return reply;
    inner = BigInt(String(reply[0]));
    if (front !== null) return reply;
    if (inner === 0n) {
      shard += 1;
      if (shard >= shards.length) return ['0', reply[1] ?? []];
    }
    return [String(inner * n + BigInt(shard)), reply[1] ?? []];
  }

  function clusterReply(sub: string, me: number): Value {
    if (sub === 'NODES') {
      return shards
        .map((_, i) => {
          const [from, to] = ranges[i] ?? [0, 0];
          const port = state.shardPorts[i] ?? 0;
          const id = (`${i + 1}`.repeat(40)).slice(0, 40);
          return `${id} 127.0.0.1:${port}@${port + 10000} ${i === me ? 'myself,' : ''}master - 0 0 ${i + 1} connected ${from}-${to}\n`;
        })
        .join('');
    }
    if (sub === 'SLOTS') return shards.map((_, i) => [ranges[i]?.[0] ?? 0, ranges[i]?.[1] ?? 0, ['127.0.0.1', state.shardPorts[i] ?? 0]]) as Value;
    if (sub === 'INFO') return `cluster_enabled:1\r\ncluster_state:ok\r\ncluster_slots_assigned:${SLOT_COUNT}\r\ncluster_known_nodes:${shards.length}\r\ncluster_size:${shards.length}\r\n`;
    if (sub === 'MYID') return (`${me + 1}`.repeat(40)).slice(0, 40);
    return new RespError(`ERR unknown subcommand '${sub}'`);
  }

  async function info(asked: string[], link: (shard: number) => ShardLink, front: number | null): Promise<Value> {
    const which = front === null ? shards.map((_, i) => i) : [front];
    const live = (await Promise.all(which.map((i) => link(i).send(['INFO', 'all'])))).map((text) => fieldsOf(String(text)));
    const sum = (field: string) => live.reduce((total, fields) => total + Number(fields.get(field) ?? 0), 0);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const sections = fixtureSections().map(({ name, fields }) => ({
      name,
      fields: fields
        .map(([key, value]): [string, string] => {
          if (SUMMED.includes(key)) return [key, String(sum(key))];
          if (key === 'used_memory' || key === 'used_memory_rss') return [key, String(sum('used_memory'))];
          if (key === 'used_memory_human') return [key, human(sum('used_memory'))];
          if (key === 'used_memory_peak') return [key, String(sum('used_memory_peak'))];
          if (key === 'used_memory_peak_human') return [key, human(sum('used_memory_peak'))];
          // The proxy's clock: its uptime is seconds since the Unix epoch, as the fixture shows (not a shard's start).
          if (key === 'server_time_usec') return [key, `${nowSeconds}000000`];
          if (key === 'uptime_in_seconds') return [key, String(nowSeconds)];
          if (key === 'uptime_in_days') return [key, String(Math.floor(nowSeconds / 86_400))];
          if (key === 'tcp_port') return [key, String(front === null ? state.port : (state.shardPorts[front] ?? 0))];
          if (key === 'cluster_enabled') return [key, clustering === 'oss' ? '1' : '0'];
          return [key, value];
        })
        .filter(([key]) => !key.startsWith('db')),
    }));
    const keyspace = sections.find((s) => s.name === 'Keyspace');
    if (keyspace) {
      let keys = 0;
      let expires = 0;
      for (const fields of live) {
        const db0 = fields.get('db0');
        if (db0) {
          const p = pairs(db0);
          keys += p.get('keys') ?? 0;
          expires += p.get('expires') ?? 0;
        }
      }
      if (keys > 0) keyspace.fields.push(['db0', `keys=${keys},expires=${expires},avg_ttl=0`]);
    }
    // Commandstats for the whole database, where INFO all or commandstats asks (default INFO carries none).
    const calls = new Map<string, { calls: number; usec: number }>();
    for (const fields of live) {
      for (const [key, value] of fields) {
        if (!key.startsWith('cmdstat_')) continue;
        const p = pairs(value);
        const entry = calls.get(key) ?? { calls: 0, usec: 0 };
        entry.calls += p.get('calls') ?? 0;
        entry.usec += p.get('usec') ?? 0;
        calls.set(key, entry);
      }
    }
    const commandstats = {
      name: 'Commandstats',
      fields: [...calls].map(([key, c]): [string, string] => [key, `calls=${c.calls},usec=${c.usec},usec_per_call=${c.calls ? (c.usec / c.calls).toFixed(2) : '0.00'}`]),
    };
    const everything = asked.length === 0 || asked.includes('default') ? sections : asked.some((a) => a === 'all' || a === 'everything') ? [...sections, commandstats] : [...sections, commandstats].filter((s) => asked.includes(s.name.toLowerCase()));
    return everything.map((s) => `# ${s.name}\r\n${s.fields.map(([k, v]) => `${k}:${v}\r\n`).join('')}`).join('\r\n');
  }

  state.port = await listen(null);
  if (clustering === 'oss') {
    // OSSCluster: the endpoint is shard 0's own; every shard answers on its own port of the same host.
    servers.pop()?.close();
    for (let i = 0; i < count; i++) state.shardPorts.push(await listen(i));
    state.port = state.shardPorts[0] ?? 0;
  }

  return {
    url: `redis://127.0.0.1:${state.port}`,
    port: state.port,
    shardPorts: state.shardPorts,
    shards,
    shardOf,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      await Promise.all(shards.map((shard) => stopRedis(shard)));
    },
  };
}
