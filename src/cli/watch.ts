// `keyloss watch`: what is being removed from a cache right now, for a bounded time (spec/watch-record-cli.md).
import type { RedisAuth } from '../azure/redis-login.ts';
import { azureAccessOf, type Deps } from '../config/deps.ts';
import { loadConfig, type Config } from '../config/env.ts';
import { busiestSeconds, DEFAULT_WATCH_MS, secondCells, MAX_WATCH_MS, watch, type WatchResult } from '../record/watch.ts';
import { redact } from '../redact.ts';
import { printable } from '../domain/format.ts';
import { LOCAL_REDIS_URL } from '../redis/url.ts';
import { parseDuration } from '../runbook/formats.ts';
import { ANSWER_TABLE, RUN_OPTIONS, type FlagSpec } from '../core/answers.ts';
import { answersFromFlags, flagUsage, HELP_FLAG, readFlags } from '../core/flags.ts';
import { resolveTarget, signIn, targetFailureSentence, type TargetResult } from '../core/target.ts';


/** The target flags as every command takes them (the answer table), then watch's own. */
const WATCH_FLAGS: readonly FlagSpec[] = [
  ...ANSWER_TABLE.cache.flags,
  RUN_OPTIONS.entra,
  { name: '--key', value: '<k>', help: 'count separately the events whose key matches this key or glob' },
  { name: '--db', value: '<n>', help: 'only this db\'s events (default: every db)' },
  { name: '--for', value: '<d>', help: 'how long to watch: 10s, 1m, … at most 10m (default 30s); Ctrl-C ends early' },
  { name: '--json', value: null, help: 'one JSON document on stdout at the end' },
  HELP_FLAG,
];

export const USAGE = `usage: keyloss watch [--redis <url> | --cache <name>] [--key <key-or-glob>] [--db <n>] [--for <duration>] [--json]

Shows what is being removed from the cache right now: per second, how many keys expire, are
evicted or deleted, how many of them match --key, a sample of the keys, which clients send
removing commands, and flushes, restarts and failovers seen in INFO. Only reads the cache
(keyevent subscriptions, INFO, CONFIG GET, CLIENT LIST); keyspace notifications must already be on.

${flagUsage(WATCH_FLAGS)}

Without --redis or --cache it watches $REDIS_URL, else ${LOCAL_REDIS_URL}.

Exit status: 0 it watched to the end (or was stopped with Ctrl-C), 2 bad arguments, 3 unreachable or credentials refused.
`;

export interface WatchArgs {
  help: boolean;
  json: boolean;
  redisUrl: string | null;
  cache: string | null;
  auth: RedisAuth;
  key: string | null;
  db: number | null;
  durationMs: number;
}

export function parseWatchArgs(argv: string[]): { ok: true; args: WatchArgs } | { ok: false; message: string } {
  const read = readFlags(argv, WATCH_FLAGS);
  if (!read.ok) return read;
  const { values } = read;
  // The target, the key and the db read as every command reads them: --redis and --cache are one answer.
  const answers = answersFromFlags(values, new Date());
  if (!answers.ok) return answers;
  const text = (name: string): string | null => (typeof values[name] === 'string' ? (values[name] as string) : null);
  const key = answers.answers.key ?? null;
  const db = answers.answers.db !== undefined ? Number(answers.answers.db) : null;
  let durationMs = DEFAULT_WATCH_MS;
  const forText = text('--for');
  if (forText !== null) {
    const ms = parseDuration(forText);
    if (ms === null || ms < 1_000 || ms > MAX_WATCH_MS) return { ok: false, message: `--for: "${short(forText)}" is not a duration from 1s to 10m (e.g. 30s, 2m)` };
    durationMs = ms;
  }
  return {
    ok: true,
    args: {
      help: values['--help'] === true,
      json: values['--json'] === true,
      redisUrl: text('--redis'),
      cache: text('--cache'),
      auth: values['--entra'] === true ? 'entra' : 'key',
      key,
      db,
      durationMs,
    },
  };
}

function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** The cache --redis/--cache/--entra (or REDIS_URL) name, resolved as every command resolves its target (src/core/target.ts). */
export async function targetOf(args: { redisUrl: string | null; cache: string | null; auth: RedisAuth }, config: Config): Promise<TargetResult & { flag: string }> {
  const flag = args.cache !== null ? '--cache' : args.redisUrl !== null ? '--redis' : 'REDIS_URL';
  const resolved = await resolveTarget(args.cache ?? args.redisUrl ?? config.redisUrl, { ...config, urlAuth: args.auth });
  return { ...resolved, flag };
}

export async function run(argv: string[], deps: Deps): Promise<number> {
  const configured = loadConfig();
  if (!configured.ok) {
    process.stderr.write(`keyloss watch: ${redact(configured.reason)}\n`);
    return 2;
  }
  const { config } = configured;
  const azureAccess = azureAccessOf(config, deps);
  const parsed = parseWatchArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`keyloss watch: ${redact(parsed.message)}\n`);
    return 2;
  }
  const { args } = parsed;
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const target = await targetOf(args, config);
  if (!target.ok) {
    process.stderr.write(`keyloss watch: ${target.flag}: ${redact(target.reason)}\n`);
    return 2;
  }
  const signed = await signIn(target.target, azureAccess);
  if (!signed.ok) {
    process.stderr.write(`keyloss watch: ${signed.kind === 'invalid-url' ? `${target.flag}: ` : ''}${signed.sentence}\n`);
    return signed.kind === 'invalid-url' ? 2 : 3;
  }
  const interrupt = new AbortController();
  const stop = (): void => interrupt.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const live = !args.json && Boolean(process.stderr.isTTY);
  try {
    const outcome = await watch(
      { endpoint: signed.endpoint, key: args.key, db: args.db, durationMs: args.durationMs },
      {
        signal: interrupt.signal,
        capture: { azure: signed.azure, clusterHosts: target.target.clusterHosts },
        ...(live
          ? {
              onSecond: (row, totals) => {
                const cells = secondCells(row);
                const matching = args.key !== null ? `, ${totals.matching.toLocaleString('en-US')} matching ${args.key}` : '';
                process.stderr.write(`\r\x1b[K${row.at.slice(11, 19)}  ${cells.map(([name, value]) => `${name} ${value}`).join('  ')}   (total ${totals.events.toLocaleString('en-US')}${matching})`);
              },
            }
          : {}),
      },
    );
    if (live) process.stderr.write('\r\x1b[K');
    if (!outcome.ok) {
      process.stderr.write(`keyloss watch: ${targetFailureSentence(outcome, target.target.cache)}\n`);
      return 3;
    }
    process.stdout.write(redact(args.json ? `${JSON.stringify(outcome.result, null, 2)}\n` : renderWatch(outcome.result)));
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

const n = (value: number): string => value.toLocaleString('en-US');

/** The watch as text for a terminal: the summary first, then the numbers behind it. */
export function renderWatch(result: WatchResult): string {
  const lines = [result.summary, ''];
  lines.push(`watched ${result.nodes.join(', ')} for ${result.window.seconds} s (${result.window.from} → ${result.window.to})${result.ended === 'interrupted' ? ', stopped early' : ''}`);
  const flags = result.notifications.flags;
  lines.push(
    `keyspace notifications: ${result.notifications.enabled === true ? 'on' : result.notifications.enabled === false ? 'off' : 'unknown'}` +
      `${flags !== null ? ` (notify-keyspace-events "${flags}", from ${result.notifications.source})` : ` (${result.notifications.source})`}` +
      `${result.notifications.enabled !== false && result.notifications.missing.length > 0 ? `; not published: ${result.notifications.missing.join(', ')}` : ''}`,
  );
  if (result.events.length > 0) {
    lines.push('', 'events:');
    for (const event of result.events) {
      const matching = result.key !== null ? `, ${n(event.matching)} matching ${result.key}` : '';
      lines.push(`  ${event.type.padEnd(12)} ${n(event.count).padStart(9)}${matching}${event.sample.length > 0 ? `  e.g. ${event.sample.slice(0, 5).join(', ')}` : ''}`);
    }
  }
  const c = result.counters;
  lines.push('', `counters (INFO deltas): expired ${n(c.expired_keys)}, evicted ${n(c.evicted_keys)}, DEL ${n(c.del)}, UNLINK ${n(c.unlink)}, GETDEL ${n(c.getdel)}, HDEL ${n(c.hdel)}, FLUSHDB ${n(c.flushdb)}, FLUSHALL ${n(c.flushall)}`);
  if (result.clients.length > 0) {
    lines.push('', 'clients sending removing commands:');
    for (const client of result.clients) lines.push(`  ${client.name || '(no name)'} ${client.addr} ${client.cmd} db ${client.db}`);
  }
  for (const change of result.changes) lines.push(`${change.at}  ${change.summary}`);
  for (const gap of result.gaps) lines.push(`gap ${gap.from} → ${gap.to} on ${gap.node}: ${gap.why}`);
  const busiest = busiestSeconds(result, 1)[0];
  if (busiest) lines.push(`busiest second: ${busiest.row.at} (${n(busiest.total)} events)`);
  // Key names, client names and server replies are the cache's text: none may drive the terminal or forge a line.
  return `${lines.map(printable).join('\n')}\n`;
}
