// `keyloss watch`: what is being removed from a cache right now, for a bounded time (spec/watch-record-cli.md).
import { parseArgs } from 'node:util';
import type { RedisAuth } from '../azure/redis-login.ts';
import { azureAccessOf, type Deps } from '../config/deps.ts';
import { loadConfig, type Config } from '../config/env.ts';
import { busiestSeconds, DEFAULT_WATCH_MS, secondCells, MAX_WATCH_MS, watch, type WatchResult } from '../record/watch.ts';
import { describeError, redact } from '../redact.ts';
import { LOCAL_REDIS_URL } from '../redis/url.ts';
import { parseDbIndex, parseDuration, parseKeyPattern } from '../runbook/formats.ts';
import { resolveTarget, signIn, targetFailureSentence, type TargetResult } from '../core/target.ts';

export const USAGE = `usage: keyloss watch [--redis <url> | --cache <name>] [--key <key-or-glob>] [--db <n>] [--for <duration>] [--json]

Shows what is being removed from the cache right now: per second, how many keys expire, are
evicted or deleted, how many of them match --key, a sample of the keys, which clients send
removing commands, and flushes, restarts and failovers seen in INFO. Only reads the cache
(keyevent subscriptions, INFO, CONFIG GET, CLIENT LIST); keyspace notifications must already be on.

  --redis <url>        redis://[user:pass@]host:port or rediss://… (default: $REDIS_URL, else ${LOCAL_REDIS_URL})
  --cache <name>       a cache from the caches file (KEYLOSS_CACHES, default keyloss.caches.yaml)
  --entra              sign in with a Microsoft Entra token instead of a password (needs rediss://)
  --key <k>            count separately the events whose key matches this key or glob
  --db <n>             only this db's events (default: every db)
  --for <d>            how long to watch: 10s, 1m, … at most 10m (default 30s); Ctrl-C ends early
  --json               one JSON document on stdout at the end
  --help               this text

Exit status: 0 it watched to the end (or was stopped with Ctrl-C), 2 bad arguments, 3 unreachable or credentials refused.
`;

const FLAGS = {
  redis: { type: 'string' },
  cache: { type: 'string' },
  entra: { type: 'boolean' },
  key: { type: 'string' },
  db: { type: 'string' },
  for: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

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
  let values: { [K in keyof typeof FLAGS]?: (typeof FLAGS)[K]['type'] extends 'boolean' ? boolean : string };
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    return { ok: false, message: explainFlagError(error, Object.keys(FLAGS)) };
  }
  if (values.redis !== undefined && values.cache !== undefined) return { ok: false, message: '--redis and --cache name the target twice: give one' };
  let key: string | null = null;
  if (values.key !== undefined) {
    const parsed = parseKeyPattern(values.key);
    if (!parsed.ok) return { ok: false, message: `--key: ${parsed.message}` };
    key = parsed.key;
  }
  let db: number | null = null;
  if (values.db !== undefined) {
    const parsed = parseDbIndex(values.db);
    if (!parsed.ok) return { ok: false, message: `--db: ${parsed.message}` };
    db = parsed.db;
  }
  let durationMs = DEFAULT_WATCH_MS;
  if (values.for !== undefined) {
    const ms = parseDuration(values.for);
    if (ms === null || ms < 1_000 || ms > MAX_WATCH_MS) return { ok: false, message: `--for: "${short(values.for)}" is not a duration from 1s to 10m (e.g. 30s, 2m)` };
    durationMs = ms;
  }
  return {
    ok: true,
    args: {
      help: values.help ?? false,
      json: values.json ?? false,
      redisUrl: values.redis ?? null,
      cache: values.cache ?? null,
      auth: values.entra ? 'entra' : 'key',
      key,
      db,
      durationMs,
    },
  };
}

/** Node's parseArgs errors as one line naming the flag; never echoes a stray argument (it may be a password). */
export function explainFlagError(error: unknown, names: string[]): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[A-Za-z0-9-]+)/.exec(message)?.[1];
  const accepted = names.map((name) => `--${name}`).join(', ');
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `${flag ? `${redact(short(flag))} is not a flag` : 'unknown flag'}; accepted: ${accepted}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${flag ? redact(short(flag)) : 'a flag'} was given a value it does not take, or none where one is needed; see --help`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument without a flag; every value follows its flag, accepted: ${accepted}`;
    default:
      return describeError(error);
  }
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
        capture: { azure: signed.azure },
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
  return `${lines.join('\n')}\n`;
}
