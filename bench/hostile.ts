// The most memory a hostile cache can make keyloss take: the peak RSS (VmHWM) of `keyloss diagnose` against a RESP
// server of our own that (a) streams an endless INFO, (b) answers every command with a 20 MB reply, under the 32 MB
// cap of one reply, and (c) is a cluster of 16 such nodes on 127.0.0.1. The reply cap bounds (a); the investigation's
// budget (MAX_INVESTIGATION_BYTES, all connections together) bounds (b) and (c). The same diagnosis against a server
// whose replies are small is the baseline. Run alone: npm run bench -- hostile
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MAX_INVESTIGATION_BYTES, MAX_REPLY_BYTES } from '../src/redis/connection.ts';
import { KEYLOSS_ARGV } from '../test/support/keyloss-cli.ts';
import { encode, infoText, startHostileRedis, type HostileHandler, type HostileServer } from '../test/support/hostile-redis.ts';
import type { BenchSize } from './registry.ts';

const MB = 1_048_576;
/** What each large reply carries: 20 MB, each under the 32 MB reply cap, together past the 64 MB investigation cap. */
const LARGE = 20 * MB;
const CLUSTER_NODES = 16;

/** Runs `keyloss diagnose --json` against `url` and samples the child's peak RSS until it exits. */
function diagnosePeak(url: string): Promise<{ peakMb: number; exitCode: number | null; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...KEYLOSS_ARGV, 'diagnose', '--redis', url, '--key', 'session:*', '--json', '--rate-interval', '100'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    let peakKb = 0;
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {
        // The child has exited between two samples.
      }
    };
    const timer = setInterval(sample, 10);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ peakMb: Math.round(peakKb / 102.4) / 10, exitCode: code, ms: Math.round(performance.now() - started) });
    });
  });
}

function endlessInfo(): HostileHandler {
  return (command) => {
    if (command[0]?.toUpperCase() !== 'INFO') return undefined;
    return {
      takeOver: (socket) => {
        socket.write('$2000000000\r\n');
        const chunk = Buffer.alloc(MB, 97);
        const pump = () => {
          while (socket.writable && socket.write(chunk));
        };
        socket.on('drain', pump);
        pump();
      },
    };
  };
}

/** Every command keyloss reads answered with about LARGE bytes; `cluster` makes INFO say cluster_enabled:1 and lists the nodes. */
function largeReplies(cluster: { nodes: () => string } | null, large = LARGE): HostileHandler {
  const base = infoText({
    Server: { redis_version: '7.2.0', uptime_in_seconds: 86_400 },
    Replication: { role: 'master', connected_slaves: 0 },
    Cluster: { cluster_enabled: cluster ? 1 : 0 },
  });
  const info = `${base}# Padding\r\npad:${'x'.repeat(large)}\r\n`;
  const clients = `id=7 addr=10.0.0.9:5000 name=app db=0 cmd=get pad=${'y'.repeat(large)}\n`;
  const slowlog = encode({ array: [{ array: [{ integer: 1 }, { integer: 1_700_000_000 }, { integer: 10 }, { array: [{ bulk: 'DEL' }, { bulk: 'z'.repeat(large) }] }] }] });
  const keys = Array.from({ length: Math.floor(large / 64) }, (_, i) => ({ bulk: `session:${i}:${'k'.repeat(48)}` }));
  const scan = encode({ array: [{ bulk: '0' }, { array: keys }] });
  return (command) => {
    const name = command[0]?.toUpperCase();
    const sub = command[1]?.toUpperCase();
    if (name === 'INFO') return { bulk: info };
    if (name === 'CLUSTER' && sub === 'NODES' && cluster) return { bulk: cluster.nodes() };
    if (name === 'CLIENT' && sub === 'LIST') return { bulk: clients };
    if (name === 'SLOWLOG' && sub === 'GET') return { raw: slowlog };
    if (name === 'CONFIG') return { array: [{ bulk: command[2] ?? '' }, { bulk: 'c'.repeat(large) }] };
    if (name === 'SCAN') return { raw: scan };
    return undefined;
  };
}

export async function benchHostile(size: BenchSize = 'full'): Promise<Record<string, number | string>> {
  // Smoke: 1 MB replies and a cluster of 2 nodes, instead of 20 MB and 16.
  const NODES = size === 'smoke' ? 2 : CLUSTER_NODES;
  const largeBytes = size === 'smoke' ? MB : LARGE;
  const servers: HostileServer[] = [];
  try {
    const out: Record<string, number | string> = { replyCapMb: MAX_REPLY_BYTES / MB, investigationCapMb: MAX_INVESTIGATION_BYTES / MB };

    // What diagnosing takes anyway (node, tsx, the program): a server whose every reply is small.
    const benign = await startHostileRedis();
    servers.push(benign);
    const base = await diagnosePeak(benign.url);
    out.smallRepliesPeakRssMb = base.peakMb;

    const endless = await startHostileRedis(endlessInfo());
    servers.push(endless);
    const a = await diagnosePeak(endless.url);
    out.endlessInfoPeakRssMb = a.peakMb;
    out.endlessInfoMs = a.ms;

    const large = await startHostileRedis(largeReplies(null, largeBytes));
    servers.push(large);
    const b = await diagnosePeak(large.url);
    out.largeRepliesPeakRssMb = b.peakMb;
    out.largeRepliesMs = b.ms;

    const ports: number[] = [];
    const slots = 16_384 / NODES;
    const nodes = () =>
      ports.map((port, i) => `${String(i).padStart(40, '0')} 127.0.0.1:${port}@1${port} master - 0 0 ${i} connected ${i * slots}-${(i + 1) * slots - 1}`).join('\n');
    for (let i = 0; i < NODES; i++) {
      const node = await startHostileRedis(largeReplies({ nodes }, largeBytes));
      servers.push(node);
      ports.push(node.port);
    }
    const c = await diagnosePeak(`redis://127.0.0.1:${ports[0]}`);
    out.clusterNodes = NODES;
    out.clusterLargeRepliesPeakRssMb = c.peakMb;
    out.clusterLargeRepliesMs = c.ms;
    return out;
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}
