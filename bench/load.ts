// Load benchmark: 100 incidents at once through the HTTP receiver (signed requests) of a real keyloss process,
// with the fake Slack API, a real state Redis and a real diagnosed Redis. Run alone: npx tsx bench/load.ts
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { startFakeSlack } from '../test/support/fake-slack.ts';
import { startRedis, stopRedis } from '../test/support/redis-server.ts';
import { startApp } from '../test/support/app-process.ts';
import { writeCachesFile } from '../test/support/caches-file.ts';
import { BOT_TOKEN, FIRST_ANSWER, slackDriver } from '../test/support/slack-driver.ts';
import { waitFor } from '../test/support/wait.ts';

const INCIDENTS = 100;

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

export async function benchLoad(): Promise<Record<string, number | string>> {
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

    // One incident first, so module loading and JIT warm-up are not counted against the hundred.
    const warm = 'CWARMUP';
    await slack.command('orders session:warm since 2h', user, { channel: warm });
    const warmRoot = await slack.root(warm);
    const warmQuestion = await slack.question(warmRoot);
    await slack.click(warmQuestion, FIRST_ANSWER, user);
    await slack.verdict(warmRoot);

    const channels = Array.from({ length: INCIDENTS }, (_, i) => `CLOAD${String(i).padStart(4, '0')}`);
    // 100 `/keyloss help` at once on new connections: the ack alone, plus TCP set-up, as after a deploy. They also
    // leave the connections open, as a load balancer keeps them to its backends, for the incidents that follow.
    const helpAcks = await Promise.all(channels.map((channel) => slack.command('help', user, { channel })));
    const rssBefore = rssOf(replica.child.pid ?? 0);
    const commandSentAt = new Map<string, number>();
    const commandAcks = await Promise.all(
      channels.map((channel, i) => {
        commandSentAt.set(channel, performance.now());
        // Scope is left out so that every incident waits for one click: an open session.
        return slack.command(`orders session:${i} since 2h db 0 tier standard`, user, { channel });
      }),
    );
    const badAcks = [...helpAcks, ...commandAcks].filter((a) => a.status !== 200).length;

    const roots = await Promise.all(channels.map((channel) => slack.root(channel, 120_000)));
    const questions = await Promise.all(
      channels.map((_, i) => slack.question(roots[i]!, { timeoutMs: 120_000 })),
    );
    const rssOpen = rssOf(replica.child.pid ?? 0);

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

    const clickedAt = new Map<string, number>();
    const clickAcks = await Promise.all(
      channels.map((channel, i) => {
        clickedAt.set(channel, performance.now());
        return slack.click(questions[i]!, FIRST_ANSWER, user);
      }),
    );
    const badClicks = clickAcks.filter((a) => a.status !== 200).length;

    const verdictAt = new Map<string, number>();
    await waitFor(
      () => {
        for (const [i, channel] of channels.entries()) {
          if (!verdictAt.has(channel) && slack.verdicts(roots[i]!).length > 0) verdictAt.set(channel, performance.now());
        }
        return verdictAt.size === channels.length;
      },
      `${INCIDENTS} verdicts`,
      300_000,
    );
    // Give late duplicates a moment to show up before counting them (this wait is not measured).
    await new Promise((r) => setTimeout(r, 1_000));

    const doubled = channels.filter((_, i) => slack.verdicts(roots[i]!).length !== 1).length;
    const rootsPerChannel = channels.filter((channel) => fake.messages.filter((m) => m.channel === channel && m.thread_ts === null).length !== 1).length;
    const ackMs = [...commandAcks, ...clickAcks].map((a) => a.ms);
    const toVerdictFromClick = channels.map((c) => verdictAt.get(c)! - clickedAt.get(c)!);
    const toVerdictFromCommand = channels.map((c) => verdictAt.get(c)! - commandSentAt.get(c)!);

    return {
      incidents: INCIDENTS,
      'ack p50 ms (commands and clicks)': round(percentile(ackMs, 50)),
      'ack p99 ms (commands and clicks)': round(percentile(ackMs, 99)),
      'ack max ms': round(Math.max(...ackMs)),
      'command ack p99 ms': round(percentile(commandAcks.map((a) => a.ms), 99)),
      'help ack p99 ms (100 at once on new connections)': round(percentile(helpAcks.map((a) => a.ms), 99)),
      'click ack p99 ms': round(percentile(clickAcks.map((a) => a.ms), 99)),
      'non-200 acks': badAcks + badClicks,
      'time to verdict after the click p50 ms': round(percentile(toVerdictFromClick, 50)),
      'time to verdict after the click p99 ms': round(percentile(toVerdictFromClick, 99)),
      'time from command to verdict max ms (includes the click)': round(Math.max(...toVerdictFromCommand)),
      'app RSS growth per open session KiB': Number.isNaN(rssOpen - rssBefore) ? 'n/a (no /proc)' : round((rssOpen - rssBefore) / INCIDENTS / 1024),
      'state Redis bytes per open session': round(stateBytes / INCIDENTS),
      'threads without exactly one verdict (lost or doubled)': doubled,
      'channels without exactly one root message': rootsPerChannel,
      'Block Kit limit breaches': fake.breaches.length,
      'Slack API calls': fake.calls.length,
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
