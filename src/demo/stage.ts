// `keyloss demo`'s incidents: each writes to the throwaway server over a connection of its own (never the diagnosis
// gateway, which refuses writes) what an application would have written, then loses keys the way one cause does.
import { Redis } from 'ioredis';
import type { ThrowawayServer } from './server.ts';

export const DEMO_CAUSES = ['eviction', 'expiration', 'deletion', 'flush', 'wrong-database', 'instance-failure'] as const;
export type DemoCause = (typeof DEMO_CAUSES)[number];

export function isDemoCause(text: string): text is DemoCause {
  return (DEMO_CAUSES as readonly string[]).includes(text);
}

/** What the application misses, as someone on call would say it, and how the demo made it go. */
export interface StagedIncident {
  cause: DemoCause;
  /** The missing key or glob. */
  key: string;
  /** The db the application reads. */
  db: number;
  /** When the keys were last known present. */
  since: Date;
  /** How the keys went, told at the end. */
  how: string;
  /** Closes the staging connections (some stay open while the checks run: CLIENT LIST shows who was there). */
  close(): Promise<void>;
}

/** redis-server arguments an incident needs from the start. */
export function serverArgs(cause: DemoCause): string[] {
  switch (cause) {
    case 'eviction':
      return ['--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-lru'];
    case 'deletion':
      return ['--slowlog-log-slower-than', '0', '--slowlog-max-len', '1000'];
    default:
      return [];
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function client(server: ThrowawayServer, db = 0, name = 'keyloss-demo-app'): Redis {
  return new Redis({ host: '127.0.0.1', port: server.port, db, connectionName: name, maxRetriesPerRequest: 1, enableOfflineQueue: true });
}

async function writeKeys(app: Redis, prefix: string, from: number, count: number, bytes: number, ttlMs?: number): Promise<void> {
  const value = 'x'.repeat(bytes);
  const pipeline = app.pipeline();
  for (let i = from; i < from + count; i += 1) {
    if (ttlMs === undefined) pipeline.set(`${prefix}${i}`, value);
    else pipeline.set(`${prefix}${i}`, value, 'PX', ttlMs);
  }
  await pipeline.exec();
}

async function uptimeSeconds(app: Redis): Promise<number> {
  const match = /^uptime_in_seconds:(\d+)/m.exec(await app.info('server'));
  return match ? Number(match[1]) : 0;
}

/**
 * Waits until the server is past the second it started in: its uptime is whole seconds, and a node started in the
 * same second as the keys were last seen may have restarted after them.
 */
async function pastStartSecond(app: Redis): Promise<void> {
  while ((await uptimeSeconds(app)) < 1) await sleep(100);
}

async function quitAll(...clients: Redis[]): Promise<void> {
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
}

/** Stages `cause` on `server` (started with serverArgs(cause)). */
export async function stageIncident(cause: DemoCause, server: ThrowawayServer): Promise<StagedIncident> {
  const app = client(server);
  try {
    await pastStartSecond(app);
    // Whole seconds, as a person gives a time: at most a second before the keys were written, never after.
    const since = new Date(Math.floor(Date.now() / 1000) * 1000);
    const staged = (key: string, how: string, db = 0, keep: Redis[] = []): StagedIncident => ({
      cause,
      key,
      db,
      since,
      how,
      close: () => quitAll(...keep),
    });
    switch (cause) {
      case 'expiration': {
        await writeKeys(app, 'session:', 0, 100, 64, 200);
        await sleep(400);
        // Reading them makes Redis expire those its active cycle has not reached yet.
        await app.exists(...Array.from({ length: 100 }, (_, i) => `session:${i}`));
        await writeKeys(app, 'session:', 100, 50, 64, 60_000);
        return staged('session:17', 'Keys session:0 to session:99 were written with a TTL of 200 ms and expired; session:100 to session:149 carry a 1-minute TTL.');
      }
      case 'eviction': {
        await writeKeys(app, 'cache:', 0, 6_000, 1_000);
        let missing = 0;
        while (missing < 6_000 && (await app.exists(`cache:${missing}`)) === 1) missing += 1;
        return staged(`cache:${missing}`, 'The server had maxmemory 3 MB with policy allkeys-lru, and 6,000 values of 1 KB were written into it: the oldest were evicted.');
      }
      case 'deletion': {
        await writeKeys(app, 'user:', 0, 200, 64);
        const job = client(server, 0, 'cleanup-job');
        await job.del('user:42', 'user:43');
        await job.unlink('user:44');
        return staged('user:42', 'A client named cleanup-job sent DEL user:42 user:43 and UNLINK user:44 (keys without a TTL).', 0, [job]);
      }
      case 'flush': {
        await writeKeys(app, 'session:', 0, 500, 64);
        await app.flushdb();
        await app.set('session:new', '1');
        return staged('session:*', 'FLUSHDB emptied db 0 after 500 session keys were written; one key was written after it.');
      }
      case 'wrong-database': {
        const writer = client(server, 3, 'keyloss-demo-writer');
        await writeKeys(writer, 'session:', 0, 12, 64);
        return staged('session:*', 'A client connected to db 3 wrote session:0 to session:11 there; the application reads db 0.', 0, [writer]);
      }
      case 'instance-failure': {
        await writeKeys(app, 'session:', 0, 500, 64);
        await app.quit();
        // The restart must come over a second after the keys were last seen (uptime has whole seconds).
        await sleep(2_100);
        await server.restart();
        return staged('session:17', 'The server, without persistence, was restarted after 500 session keys were written: they were only in memory.');
      }
    }
  } finally {
    app.disconnect();
  }
}
