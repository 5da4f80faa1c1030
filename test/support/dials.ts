// Records every outgoing TCP/TLS connection this process starts, and refuses (without touching the network) any
// to an address other than loopback: a test can assert what keyloss dialled, and nothing ever leaves 127.0.0.1.
import { isIP, Socket } from 'node:net';

export interface Dial {
  host: string;
  port: number;
}

export interface DialRecorder {
  dials: Dial[];
  /** The most connection attempts in flight (started, not yet connected or failed) at once. */
  maxInFlight: number;
  restore(): void;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function recordDials(): DialRecorder {
  const original = Socket.prototype.connect;
  let inFlight = 0;
  const recorder: DialRecorder = {
    dials: [],
    maxInFlight: 0,
    restore() {
      Socket.prototype.connect = original;
    },
  };
  Socket.prototype.connect = function patched(this: Socket, ...args: unknown[]): Socket {
    // net.createConnection passes its normalized [options, callback]; tls.connect passes (options, callback).
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    let host = 'localhost';
    let port = Number.NaN;
    if (typeof first === 'object' && first !== null) {
      const options = first as { host?: string; port?: number | string; path?: string };
      if (options.path) return (original as (...a: unknown[]) => Socket).apply(this, args);
      host = options.host ?? 'localhost';
      port = Number(options.port);
    } else {
      port = Number(first);
      if (typeof args[1] === 'string') host = args[1];
    }
    recorder.dials.push({ host, port });
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    if (!LOOPBACK.has(bare) && !(isIP(bare) === 4 && bare.startsWith('127.'))) {
      // Never dialled: fail as a refused connection would, on the next tick.
      process.nextTick(() => this.destroy(Object.assign(new Error(`connect ECONNREFUSED ${host}:${port} (refused by the test's dial recorder)`), { code: 'ECONNREFUSED' })));
      return this;
    }
    inFlight++;
    recorder.maxInFlight = Math.max(recorder.maxInFlight, inFlight);
    let settled = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        inFlight--;
      }
    };
    this.once('connect', settle);
    this.once('close', settle);
    return (original as (...a: unknown[]) => Socket).apply(this, args);
  } as typeof Socket.prototype.connect;
  return recorder;
}
