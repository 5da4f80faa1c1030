// A RESP server of our own on 127.0.0.1 that answers as a hostile or broken cache would: foreign cluster nodes,
// thousands of dbs, endless or huge replies, missing fields. Tests script each command's answer.
import { createServer, type Server, type Socket } from 'node:net';

/** What a handler answers: a RESP value, raw bytes written as they are, or a function that takes over the socket. */
export type HostileReply =
  | { simple: string }
  | { error: string }
  | { bulk: string | null }
  | { integer: number }
  | { array: HostileReply[] }
  | { raw: string | Buffer }
  | { takeOver: (socket: Socket) => void };

export type HostileHandler = (command: string[], connection: HostileConnection) => HostileReply | undefined;

export interface HostileConnection {
  id: number;
  /** The db SELECTed on this connection. */
  db: number;
}

export interface HostileServer {
  port: number;
  url: string;
  /** Every command received, upper-cased name first, with the connection it came on. */
  commands: Array<{ connection: number; command: string[] }>;
  /** Connections accepted so far, and the most that were open at once. */
  accepted: number;
  maxOpen: number;
  open: number;
  close(): Promise<void>;
}

export function encode(reply: HostileReply): Buffer {
  if ('simple' in reply) return Buffer.from(`+${reply.simple}\r\n`);
  if ('error' in reply) return Buffer.from(`-${reply.error}\r\n`);
  if ('integer' in reply) return Buffer.from(`:${reply.integer}\r\n`);
  if ('bulk' in reply) {
    if (reply.bulk === null) return Buffer.from('$-1\r\n');
    const body = Buffer.from(reply.bulk);
    return Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n')]);
  }
  if ('array' in reply) return Buffer.concat([Buffer.from(`*${reply.array.length}\r\n`), ...reply.array.map(encode)]);
  if ('raw' in reply) return Buffer.isBuffer(reply.raw) ? reply.raw : Buffer.from(reply.raw);
  throw new Error('a takeOver reply is not encoded');
}

/** Parses as many complete RESP commands (arrays of bulk strings, or inline) as `buffer` holds. */
function parseCommands(buffer: Buffer): { commands: string[][]; rest: Buffer } {
  const commands: string[][] = [];
  let at = 0;
  for (;;) {
    if (at >= buffer.length) break;
    if (buffer[at] !== 0x2a /* '*' */) {
      const end = buffer.indexOf('\r\n', at);
      if (end < 0) break;
      commands.push(buffer.subarray(at, end).toString().trim().split(/\s+/));
      at = end + 2;
      continue;
    }
    const headerEnd = buffer.indexOf('\r\n', at);
    if (headerEnd < 0) break;
    const count = Number(buffer.subarray(at + 1, headerEnd).toString());
    let cursor = headerEnd + 2;
    const parts: string[] = [];
    let complete = true;
    for (let i = 0; i < count; i++) {
      const lenEnd = buffer.indexOf('\r\n', cursor);
      if (lenEnd < 0) {
        complete = false;
        break;
      }
      const length = Number(buffer.subarray(cursor + 1, lenEnd).toString());
      if (lenEnd + 2 + length + 2 > buffer.length) {
        complete = false;
        break;
      }
      parts.push(buffer.subarray(lenEnd + 2, lenEnd + 2 + length).toString());
      cursor = lenEnd + 2 + length + 2;
    }
    if (!complete) break;
    commands.push(parts);
    at = cursor;
  }
  return { commands, rest: buffer.subarray(at) };
}

/** The answers a plain Redis gives to the handshake and housekeeping; the handler is asked first. */
function defaults(command: string[], connection: HostileConnection): HostileReply {
  const name = (command[0] ?? '').toUpperCase();
  switch (name) {
    case 'PING':
      return { simple: 'PONG' };
    case 'AUTH':
      return { simple: 'OK' };
    case 'SELECT':
      connection.db = Number(command[1]);
      return { simple: 'OK' };
    case 'CLIENT':
      return (command[1] ?? '').toUpperCase() === 'LIST' ? { bulk: `id=${connection.id} addr=127.0.0.1:1 name=keyloss db=0 cmd=client|list\n` } : { simple: 'OK' };
    case 'SCAN':
      return { array: [{ bulk: '0' }, { array: [] }] };
    case 'EXISTS':
      return { integer: 0 };
    case 'PTTL':
      return { integer: -2 };
    case 'SLOWLOG':
      return { array: [] };
    case 'DBSIZE':
      return { integer: 0 };
    case 'CONFIG':
      return { array: [] };
    case 'INFO':
      return { bulk: '# Server\r\nredis_version:7.2.0\r\nuptime_in_seconds:86400\r\n# Replication\r\nrole:master\r\nconnected_slaves:0\r\n' };
    default:
      return { error: `ERR unknown command '${name}'` };
  }
}

export interface HostileOptions {
  password?: string;
  /** Called on each accepted connection before any command; return true when it took the socket over. */
  onConnect?: (socket: Socket, accepted: number) => boolean;
}

export async function startHostileRedis(handler: HostileHandler = () => undefined, options: HostileOptions = {}): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  let nextId = 1;
  const state: Omit<HostileServer, 'port' | 'url' | 'close'> = { commands: [], accepted: 0, maxOpen: 0, open: 0 };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    state.accepted++;
    state.open++;
    state.maxOpen = Math.max(state.maxOpen, state.open);
    const connection: HostileConnection = { id: nextId++, db: 0 };
    let pending: Buffer = Buffer.alloc(0);
    let takenOver = false;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      state.open--;
    });
    if (options.onConnect?.(socket, state.accepted)) return;
    socket.on('data', (chunk) => {
      if (takenOver) return;
      const parsed = parseCommands(Buffer.concat([pending, chunk]));
      pending = parsed.rest;
      for (const command of parsed.commands) {
        state.commands.push({ connection: connection.id, command });
        const reply = handler(command, connection) ?? defaults(command, connection);
        if ('takeOver' in reply) {
          takenOver = true;
          reply.takeOver(socket);
          return;
        }
        socket.write(encode(reply));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return Object.assign(state, {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** INFO text built from sections of `field: value` lines; a value of undefined leaves the field out. */
export function infoText(sections: Record<string, Record<string, string | number | undefined>>): string {
  return Object.entries(sections)
    .map(([section, fields]) => [`# ${section}`, ...Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}:${v}`)].join('\r\n'))
    .join('\r\n\r\n')
    .concat('\r\n');
}

/**
 * A server that confirms SUBSCRIBE/PSUBSCRIBE as Redis does and then streams one endless message on the first channel
 * (announced as 1 GB, never finished): the flood a hostile cache can send a subscriber with no command outstanding.
 * `mbPerTick` MB every 10 ms (about 100 MB/s per MB), so a process that keeps it all grows fast but not instantly.
 */
export function endlessMessage(mbPerTick = 1): HostileHandler {
  return (command) => {
    const name = command[0]?.toUpperCase();
    if (name !== 'SUBSCRIBE' && name !== 'PSUBSCRIBE') return undefined;
    const pattern = name === 'PSUBSCRIBE';
    const channels = command.slice(1);
    return {
      takeOver: (socket) => {
        channels.forEach((channel, index) => {
          socket.write(encode({ array: [{ bulk: pattern ? 'psubscribe' : 'subscribe' }, { bulk: channel }, { integer: index + 1 }] }));
        });
        const first = channels[0] ?? '__keyevent@0__:del';
        const head = pattern ? [{ bulk: 'pmessage' }, { bulk: first }, { bulk: first.replace('@*__', '@0__') }] : [{ bulk: 'message' }, { bulk: first }];
        socket.write(Buffer.concat([Buffer.from(`*${head.length + 1}\r\n`), ...head.map(encode), Buffer.from('$1000000000\r\n')]));
        const chunk = Buffer.alloc(mbPerTick * 1_048_576, 120);
        const timer = setInterval(() => {
          if (!socket.writable) clearInterval(timer);
          else socket.write(chunk);
        }, 10);
        socket.on('close', () => clearInterval(timer));
      },
    };
  };
}
