// The only way commands reach the diagnosed cache: an allowlist of read-only commands, checked before anything is sent.
import { describeError } from '../redact.ts';

/** A command (or subcommand) that is not on the read-only allowlist; it never left the process. */
export class CommandRefused extends Error {
  constructor(readonly command: string) {
    super(`${command} is not a read-only command; keyloss refused to send it`);
    this.name = 'CommandRefused';
  }
}

/** The server does not offer this command here (Azure blocks CONFIG, Azure Managed Redis blocks SELECT, clusters refuse SELECT, ACLs…). */
export class CommandUnavailable extends Error {
  constructor(
    readonly command: string,
    readonly address: string,
    readonly serverReply: string,
  ) {
    super(`${command} is not available on ${address}: ${serverReply}`);
    this.name = 'CommandUnavailable';
  }
}

/** A command that reached the server and failed (timeout, closed connection, an error reply). */
export class CommandFailed extends Error {
  constructor(
    readonly command: string,
    readonly address: string,
    readonly serverReply: string,
  ) {
    super(`${command} failed on ${address}: ${serverReply}`);
    this.name = 'CommandFailed';
  }
}

/**
 * Read-only commands, and for container commands the read-only subcommands.
 * `true`: any arguments. A set: only these subcommands. Everything else is refused.
 */
const ALLOWLIST: ReadonlyMap<string, true | ReadonlySet<string>> = new Map<string, true | ReadonlySet<string>>([
  ['INFO', true],
  ['PING', true],
  ['SELECT', true],
  ['SCAN', true],
  ['EXISTS', true],
  ['TYPE', true],
  ['TTL', true],
  ['PTTL', true],
  ['DBSIZE', true],
  ['ROLE', true],
  ['TIME', true],
  ['HLEN', true],
  ['HSCAN', true],
  // Hash fields (Redis 7.4+ expires single fields): does one exist, and how long each has left.
  ['HEXISTS', true],
  ['HTTL', true],
  ['HPEXPIRETIME', true],
  ['CLIENT', new Set(['LIST', 'INFO', 'SETNAME'])],
  ['MEMORY', new Set(['USAGE'])],
  ['OBJECT', new Set(['FREQ', 'IDLETIME', 'ENCODING'])],
  ['SLOWLOG', new Set(['GET', 'LEN'])],
  ['LATENCY', new Set(['LATEST'])],
  ['CLUSTER', new Set(['INFO', 'NODES', 'SHARDS', 'MYID', 'KEYSLOT'])],
  ['CONFIG', new Set(['GET'])],
  ['COMMAND', new Set(['COUNT', 'INFO'])],
  // The subscribe family, for keyspace notifications on a connection of its own (src/redis/subscriber.ts): reading only.
  ['SUBSCRIBE', true],
  ['PSUBSCRIBE', true],
  ['UNSUBSCRIBE', true],
  ['PUNSUBSCRIBE', true],
]);

/** Throws `CommandRefused` unless `command` (with its subcommand) is on the allowlist. Exported for tests and callers that plan ahead. */
export function assertAllowed(command: string, args: ReadonlyArray<string | number>): void {
  const name = command.toUpperCase();
  const rule = /^[A-Z][A-Z_-]*$/.test(name) ? ALLOWLIST.get(name) : undefined;
  if (rule === undefined) throw new CommandRefused(name || '(empty command)');
  if (rule === true) return;
  const sub = args[0] === undefined ? '' : String(args[0]).toUpperCase();
  if (!rule.has(sub)) throw new CommandRefused(sub ? `${name} ${sub}` : name);
}

/** The bytes of one bulk string in RESP (`$<len>\r\n<bytes>\r\n`), for giving a reply read and let go back to the budget. */
export function bulkBytes(text: string): number {
  const length = Buffer.byteLength(text);
  return String(length).length + length + 5;
}

/** What the gateway needs of a client: ioredis's generic `call`, and a way to close. */
export interface CommandChannel {
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
  disconnect(): void;
  /** The caller let go of a reply of about `bytes` once read: it no longer counts against the investigation's memory. */
  giveBack?(bytes: number): void;
}

/** Shared by every gateway of one target, so a run can report how many commands it cost the cache. */
export interface CommandCounter {
  sent: number;
  /** The same count per node (`host:port`), for the scan pacer's "what did keyloss send this node" (src/redis/pacer.ts). */
  byAddress?: Map<string, number>;
}

function countSent(counter: CommandCounter, address: string): void {
  counter.sent += 1;
  counter.byAddress?.set(address, (counter.byAddress.get(address) ?? 0) + 1);
}

// Replies meaning "this server does not offer that here", as opposed to a failure of the command itself.
const UNAVAILABLE = /^(ERR unknown command|ERR unknown subcommand|ERR Unknown subcommand|NOPERM|ERR SELECT is not allowed|ERR DB index is out of range|ERR invalid DB index|ERR command is not allowed|ERR This instance has cluster support disabled)/i;

export class Gateway {
  constructor(
    private readonly channel: CommandChannel,
    /** `host:port` of the node this gateway talks to. */
    readonly address: string,
    /** The db this gateway's connection has selected. */
    readonly db: number,
    private readonly counter: CommandCounter = { sent: 0 },
  ) {}

  /** Sends one allowlisted command. Throws CommandRefused (never sent), CommandUnavailable or CommandFailed, all redacted. */
  async call(command: string, ...args: Array<string | number>): Promise<unknown> {
    assertAllowed(command, args);
    const name = args.length > 0 && ALLOWLIST.get(command.toUpperCase()) !== true
      ? `${command.toUpperCase()} ${String(args[0]).toUpperCase()}`
      : command.toUpperCase();
    countSent(this.counter, this.address);
    try {
      return await this.channel.call(command, ...args);
    } catch (error) {
      // A shared connection's SELECT failed before the command: already classified, under its own name.
      if (error instanceof CommandUnavailable || error instanceof CommandFailed) throw error;
      const reply = describeError(error);
      if (UNAVAILABLE.test(reply)) throw new CommandUnavailable(name, this.address, reply);
      throw new CommandFailed(name, this.address, reply);
    }
  }

  /** A reply of about `bytes` (RESP) was read and let go, such as a SCAN page: see ReplyBudget. */
  giveBack(bytes: number): void {
    this.channel.giveBack?.(bytes);
  }

  /**
   * Whether `key` exists in this gateway's db, asked with PTTL (-2: no such key) rather than EXISTS: the TTL sample
   * sends PTTL anyway, and every command kind a server runs for the first time costs it a latency histogram
   * (24,688 bytes) that a full cache pays for by evicting keys.
   */
  async exists(key: string): Promise<boolean> {
    return Number(await this.call('PTTL', key)) !== -2;
  }

  /** INFO text for the given sections (all of them when none). */
  async info(...sections: string[]): Promise<string> {
    return String(await this.call('INFO', ...sections));
  }

  /** Selects `db` on this connection and returns the gateway that knows it; the target keeps one connection per db. */
  async select(db: number): Promise<Gateway> {
    await this.call('SELECT', db);
    return new Gateway(this.channel, this.address, db, this.counter);
  }

  /**
   * This gateway's connection, shared by gateways of any db: each of their commands runs with its own db selected,
   * one at a time, so one connection walks every db in turn (SCAN cursors live in the db, not the connection).
   */
  sharedAcrossDbs(): { forDb(db: number): Promise<Gateway> } {
    let current = this.db;
    let queue: Promise<unknown> = Promise.resolve();
    const inTurn = <T>(db: number, work: () => Promise<T>): Promise<T> => {
      const turn = queue.then(async () => {
        if (current !== db) {
          countSent(this.counter, this.address);
          try {
            await this.channel.call('SELECT', db);
          } catch (error) {
            const reply = describeError(error);
            throw UNAVAILABLE.test(reply) ? new CommandUnavailable('SELECT', this.address, reply) : new CommandFailed('SELECT', this.address, reply);
          }
          current = db;
        }
        return work();
      });
      queue = turn.catch(() => undefined);
      return turn;
    };
    return {
      forDb: async (db: number) => {
        // SELECT once up front, so a db the server refuses fails here, as a gateway of its own would.
        await inTurn(db, async () => undefined);
        const channel: CommandChannel = {
          call: (command, ...args) => inTurn(db, () => this.channel.call(command, ...args)),
          disconnect: () => this.channel.disconnect(),
          giveBack: (bytes) => this.channel.giveBack?.(bytes),
        };
        return new Gateway(channel, this.address, db, this.counter);
      },
    };
  }

  close(): void {
    this.channel.disconnect();
  }
}
