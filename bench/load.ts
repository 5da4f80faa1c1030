// Load benchmark: 100 incidents at once (5 at smoke size) through the HTTP receiver (signed requests) of a real keyloss process,
// with the fake Slack API, a real state Redis and a real diagnosed Redis. Run alone: npx tsx bench/load.ts
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { startFakeSlack } from '../test/support/fake-slack.ts';
import { startRedis, stopRedis } from '../test/support/redis-server.ts';
import { startApp } from '../test/support/app-process.ts';
import { writeCachesFile } from '../test/support/caches-file.ts';
import { BOT_TOKEN, slackDriver } from '../test/support/slack-driver.ts';
import { waitFor } from '../test/support/wait.ts';
import { ACTION } from '../src/slack/ids.ts';
import { DEFAULT_CACHE_CONNECTIONS } from '../src/state/budget.ts';
import type { BenchSize } from './registry.ts';

const SIZES: Record<BenchSize, number> = { full: 100, smoke: 5 };

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const round = (n: number) => Math.round(n * 10) / 10;

/** Resident memory of a process in bytes (Linux /proc); NaN elsewhere. */
function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export async function benchLoad(size: BenchSize = 'full'): Promise<Record<string, number | string>> {
  const INCIDENTS = SIZES[size];
  const state = await startRedis();
  const cache = await startRedis();
  const fake = await startFakeSlack({ botToken: BOT_TOKEN });
  const caches = writeCachesFile('caches:\n  orders:\n    urlEnv: BENCH_ORDERS_URL\n    tier: standard\n    db: 0\n');
  const seed = new Redis(cache.port, '127.0.0.1');
  let app: Awaited<ReturnType<typeof startApp>> | null = null;
  try {
    // The diagnosed cache: some session keys with TTLs, some without, so every check has something to read.
    const pipeline = seed.pipeline();
    for (let i = 0; i < 2_000; i++) {
      if (i % 2) pipeline.set(`session:${i}`, 'x', 'EX', 3600);
      else pipeline.set(`session:${i}`, 'x');
    }
    await pipeline.exec();

    app = await startApp('bench-1', {
      SLACK_API_URL: fake.apiUrl,
      STATE_REDIS_URL: state.url,
      KEYLOSS_CACHES: caches.path,
      BENCH_ORDERS_URL: cache.url,
      KEYLOSS_RATE_INTERVAL_MS: '500',
      KEYLOSS_PROGRESS_INTERVAL_MS: '1000',
    });
    const replica = app;
    const slack = slackDriver(fake, replica, { waitMs: 60_000 });
    const user = 'UBENCH1';

    // One incident first, so module loading and JIT warm-up are not counted against the hundred. A command that names
    // the key and since runs its checks at once (no question), so the warm-up waits for its verdict.
    const warm = 'CWARMUP';
    await slack.command('orders session:warm since 2h', user, { channel: warm });
    await slack.verdict(await slack.root(warm));

    const channels = Array.from({ length: INCIDENTS }, (_, i) => `CLOAD${String(i).padStart(4, '0')}`);
    // `/keyloss help` on each channel at once on new connections: the ack alone, plus TCP set-up, as after a deploy. They
    // also leave the connections open, as a load balancer keeps them to its backends, for the incidents that follow.
    const helpAcks = await Promise.all(channels.map((channel) => slack.command('help', user, { channel })));
    const rssBefore = rssOf(replica.child.pid ?? 0);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssOf(replica.child.pid ?? 0));
    }, 100);
    const commandSentAt = new Map<string, number>();
    // Every incident at once, one-shot (key and since given): the checks start at once, within the cache's connection budget.
    const commandAcks = await Promise.all(
      channels.map((channel, i) => {
        commandSentAt.set(channel, performance.now());
        return slack.command(`orders session:${i} since 2h db 0 tier standard`, user, { channel });
      }),
    );
    const roots = await Promise.all(channels.map((channel) => slack.root(channel, 120_000)));
    const verdictAt = new Map<string, number>();
    const verdicts = (count: number) =>
      waitFor(
        () => {
          for (const [i, channel] of channels.entries()) {
            if (!verdictAt.has(channel) && slack.verdicts(roots[i]!).length >= count) verdictAt.set(channel, performance.now());
          }
          return verdictAt.size === channels.length;
        },
        `${INCIDENTS} verdicts`,
        600_000,
      );
    await verdicts(1);
    const toVerdictFromCommand = channels.map((c) => verdictAt.get(c)! - commandSentAt.get(c)!);

    const raw = new Redis(state.port, '127.0.0.1');
    let stateBytes = 0;
    try {
      // KEYS is fine here: this is the benchmark's own state Redis, never a diagnosed cache.
      for (const channel of channels) {
        for (const key of await raw.keys(`*${channel}*`)) stateBytes += Number((await raw.call('MEMORY', 'USAGE', key)) ?? 0);
      }
    } finally {
      raw.disconnect();
    }

    // Then everyone clicks "Re-run checks" on their verdict at once: the click acks, and the time to the second verdict.
    verdictAt.clear();
    const clickedAt = new Map<string, number>();
    const clickAcks = await Promise.all(
      channels.map((channel, i) => {
        clickedAt.set(channel, performance.now());
        return slack.click(slack.withControl(roots[i]!, { action: ACTION.rerun })!, { action: ACTION.rerun }, user);
      }),
    );
    await verdicts(2);
    clearInterval(sampler);
    const badAcks = [...helpAcks, ...commandAcks, ...clickAcks].filter((a) => a.status !== 200).length;
    // Give late duplicates a moment to show up before counting them (this wait is not measured).
    await new Promise((r) => setTimeout(r, 1_000));

    const lost = channels.filter((_, i) => slack.verdicts(roots[i]!).length !== 2).length;
    const rootsPerChannel = channels.filter((channel) => fake.messages.filter((m) => m.channel === channel && m.thread_ts === null).length !== 1).length;
    const ackMs = [...commandAcks, ...clickAcks].map((a) => a.ms);
    const toVerdictFromClick = channels.map((c) => verdictAt.get(c)! - clickedAt.get(c)!);

    return {
      incidents: INCIDENTS,
      'cache connection budget (KEYLOSS_CACHE_CONNECTIONS)': DEFAULT_CACHE_CONNECTIONS,
      'ack p50 ms (commands and clicks)': round(percentile(ackMs, 50)),
      'ack p99 ms (commands and clicks)': round(percentile(ackMs, 99)),
      'ack max ms': round(Math.max(...ackMs)),
      'command ack p99 ms': round(percentile(commandAcks.map((a) => a.ms), 99)),
      [`help ack p99 ms (${INCIDENTS} at once on new connections)`]: round(percentile(helpAcks.map((a) => a.ms), 99)),
      'click ack p99 ms': round(percentile(clickAcks.map((a) => a.ms), 99)),
      'non-200 acks': badAcks,
      'time from command to verdict p50 ms': round(percentile(toVerdictFromCommand, 50)),
      'time from command to verdict p99 ms': round(percentile(toVerdictFromCommand, 99)),
      'time from re-run click to verdict p50 ms': round(percentile(toVerdictFromClick, 50)),
      'time from re-run click to verdict p99 ms': round(percentile(toVerdictFromClick, 99)),
      'app RSS before the incidents MB': Number.isNaN(rssBefore) ? 'n/a (no /proc)' : round(rssBefore / 1024 / 1024),
      'app RSS peak MB': Number.isNaN(rssPeak) ? 'n/a (no /proc)' : round(rssPeak / 1024 / 1024),
      'state Redis bytes per investigation': round(stateBytes / INCIDENTS),
      'messages lost (threads without exactly two verdicts)': lost,
      'channels without exactly one root message': rootsPerChannel,
      'Block Kit limit breaches': fake.breaches.length,
      'Slack API calls': fake.calls.length,
      'load average (1 min) at the end': round(loadavg()[0]!),
    };
  } finally {
    seed.disconnect();
    await app?.stop();
    await fake.close();
    await stopRedis(state);
    await stopRedis(cache);
    caches.remove();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchLoad().then(
    (numbers) => {
      for (const [name, value] of Object.entries(numbers)) process.stdout.write(`${name}: ${value}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`bench/load: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
