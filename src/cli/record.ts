// `keyloss record`: keeps a bounded history of removals for every configured cache (or the ones named) in the state Redis.
import type { AzureAccess } from '../azure/context.ts';
import { azureAccessOf, type Deps } from '../config/deps.ts';
import { loadConfig, type Config } from '../config/env.ts';
import { DEFAULT_BURST, findCache, loadCaches } from '../config/caches.ts';
import { loadDefaultRunbook } from '../runbook/load.ts';
import { slackSpeaker } from '../slack/recorded.ts';
import { DEFAULT_RETENTION_MS } from '../record/history.ts';
import { DEFAULT_RECORDER_OPTIONS, Recorder, type RecordTarget } from '../record/recorder.ts';
import { describeError, redact } from '../redact.ts';
import { printable } from '../domain/format.ts';
import { describeEndpoint, parseAddress, parseRedisUrl } from '../redis/url.ts';
import { stateAmongCaches } from '../record/separate.ts';
import { parseDuration } from '../runbook/formats.ts';
import { DEFAULT_STATE_PREFIX, openStateClient } from '../state/redis.ts';
import { cacheAddress, cacheAtAddress, resolveTarget, signIn } from '../core/target.ts';
import { noRecordOf } from '../record/check.ts';
import type { RecordIdentity } from '../record/identity.ts';
import { describeStatus, recordStatuses } from '../record/status.ts';
import { ANSWER_TABLE, RUN_OPTIONS, type FlagSpec } from '../core/answers.ts';
import { flagUsage, HELP_FLAG, readFlags } from '../core/flags.ts';
import { watchStarter } from './parent.ts';


/** The targets as every command names them (the answer table's flags), repeatable here; then record's own. */
const RECORD_FLAGS: readonly FlagSpec[] = [
  { ...ANSWER_TABLE.cache.flags[0]!, help: 'a cache by URL (its record is named as the caches file names that address, else host:port); repeatable', multiple: true },
  { ...ANSWER_TABLE.cache.flags[1]!, help: 'a cache from the caches file (KEYLOSS_CACHES, default keyloss.caches.yaml); repeatable (with neither: every cache of the caches file)', multiple: true },
  { ...RUN_OPTIONS.state, help: 'the state Redis (default: $STATE_REDIS_URL); never a watched cache' },
  { name: '--retention', value: '<d>', help: 'how long the record keeps history: 1h … 90d (default 7d)' },
  HELP_FLAG,
];

export const USAGE = `usage: keyloss record [--redis <url> | --cache <name> …] [--state <url>] [--retention <duration>]
       keyloss record status [--cache <name> | --redis <url>] [--state <url>] [--json]   (what is recorded: --help there)

Records what removes keys from each cache into keyloss's own state Redis, until SIGTERM or SIGINT:
per-minute counts per event and key family, removed keys (by name for the first of each minute, in a
Bloom filter for all), restarts, failovers, flushes and bursts with their times, and the gaps when a
cache or the state Redis was away. diagnose, walk and Slack read it. Several recorder processes may
run at once: each cache is recorded by one of them at a time (a lease), another takes over when it stops.

${flagUsage(RECORD_FLAGS)}

Environment: KEYLOSS_STATE_PREFIX (key prefix, default ${DEFAULT_STATE_PREFIX}), KEYLOSS_REPLICA_ID (this recorder's name),
KEYLOSS_RECORD_SAMPLE_MS (INFO interval, default 5000), KEYLOSS_RECORD_FLUSH_MS (write interval, default 1000),
KEYLOSS_RECORD_LEASE_MS (lease, default 15000), KEYLOSS_RECORD_PROOF_MB (per-key proof a cache may take a day before\nkeys are kept at a stated hash-sampled fraction, default 64). With SLACK_BOT_TOKEN (and SLACK_API_URL) a flush, a restart or
failover that lost keys and a removal burst are posted, with a Diagnose button, in the cache's alerts.channel
(else KEYLOSS_ALERT_CHANNEL), once across recorders.

It stops the same way when the process that started it exits (its parent, or npm under \`npm run\`); run it under a
service manager as \`exec node bin/keyloss.js record …\` so signals reach it.

Exit status: 0 stopped by SIGTERM/SIGINT (or its starter's exit) after writing what it held, 2 bad arguments (also: the state Redis is one of the
caches, by address or by run_id), 3 the state Redis unreachable.
`;

const MIN_RETENTION_MS = 3_600_000;
const MAX_RETENTION_MS = 90 * 86_400_000;

export interface RecordArgs {
  help: boolean;
  urls: string[];
  caches: string[];
  stateUrl: string | null;
  /** What gave stateUrl, named when it cannot be used. */
  stateSource: string;
  retentionMs: number;
  prefix: string;
  holder: string;
  sampleMs: number;
  flushMs: number;
  leaseMs: number;
  proofBytesPerDay: number;
}

/** The flags and the environment, read once. */
export function parseRecordArgs(argv: string[], env: NodeJS.ProcessEnv): { ok: true; args: RecordArgs; config: Config } | { ok: false; message: string } {
  const loaded = loadConfig(env);
  if (!loaded.ok) return { ok: false, message: loaded.reason };
  const { config } = loaded;
  const read = readFlags(argv, RECORD_FLAGS);
  if (!read.ok) return read;
  const list = (name: string): string[] => {
    const value = read.values[name];
    return Array.isArray(value) ? value : [];
  };
  const text = (name: string): string | undefined => {
    const value = read.values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const values = { retention: text('--retention'), state: text('--state'), help: read.values['--help'] === true, redis: list('--redis'), cache: list('--cache') };
  let retentionMs = DEFAULT_RETENTION_MS;
  if (values.retention !== undefined) {
    const ms = parseDuration(values.retention);
    if (ms === null || ms < MIN_RETENTION_MS || ms > MAX_RETENTION_MS) return { ok: false, message: `--retention: "${values.retention.slice(0, 40)}" is not a duration from 1h to 90d (e.g. 7d, 36h)` };
    retentionMs = ms;
  }
  const stateUrl = values.state ?? config.state.url;
  return {
    ok: true,
    config,
    args: {
      help: values.help,
      urls: values.redis,
      caches: values.cache,
      stateUrl,
      stateSource: values.state !== undefined ? '--state' : 'STATE_REDIS_URL',
      retentionMs,
      prefix: config.state.prefix,
      holder: config.replicaId,
      ...config.record,
    },
  };
}

/** The caches to record: the URLs and names given, else every cache of the caches file. */
async function targetsOf(args: RecordArgs, config: Config, azureAccess: AzureAccess): Promise<{ ok: true; targets: RecordTarget[] } | { ok: false; message: string; code: number }> {
  const answers = [...args.urls, ...args.caches];
  if (answers.length === 0) {
    const caches = await loadCaches(config.cachesPath);
    if (!caches.ok) return { ok: false, code: 2, message: caches.missing ? `${caches.reason}: name caches with --cache or --redis, or write a caches file` : caches.reason };
    answers.push(...caches.caches.map((cache) => cache.name));
  }
  const targets: RecordTarget[] = [];
  // A URL the caches file names is recorded under that name: one record, one lease, whichever way it was asked for.
  const caches = await loadCaches(config.cachesPath);
  for (const answer of answers) {
    const resolved = await resolveTarget(answer, config);
    if (!resolved.ok) return { ok: false, code: 2, message: resolved.reason };
    const signed = await signIn(resolved.target, azureAccess);
    if (!signed.ok) return { ok: false, code: signed.kind === 'invalid-url' ? 2 : 3, message: signed.sentence };
    const address = describeEndpoint(signed.endpoint);
    const cache = caches.ok ? (resolved.target.cache ? findCache(caches.caches, resolved.target.cache) : cacheAtAddress(caches.caches, config.secrets, address)) : undefined;
    const id = cache?.name ?? address;
    if (targets.some((t) => t.id === id)) continue;
    // Announced in the cache's alert channel, else KEYLOSS_ALERT_CHANNEL, when the recorder has a bot token.
    const announce = {
      channel: cache?.alerts.channel ?? config.announce?.alertChannel ?? null,
      key: cache?.alerts.key ?? '*',
      burst: cache?.alerts.burst ?? { ...DEFAULT_BURST },
    };
    targets.push({ id, endpoint: signed.endpoint, azure: signed.azure, clusterHosts: resolved.target.clusterHosts, announce });
  }
  return { ok: true, targets };
}

const STATUS_FLAGS: readonly FlagSpec[] = [
  { ...ANSWER_TABLE.cache.flags[0]!, help: 'only the record of the cache at this URL (found by its address, or the name it is kept under)' },
  { ...ANSWER_TABLE.cache.flags[1]!, help: 'only the record of this cache of the caches file (found by its name, or its address)' },
  { ...RUN_OPTIONS.state, help: 'the state Redis (default: $STATE_REDIS_URL)' },
  { name: '--json', value: null, help: 'one JSON document: { "records": [ … ] }' },
  HELP_FLAG,
];

export const STATUS_USAGE = `usage: keyloss record status [--cache <name> | --redis <url>] [--state <url>] [--json]

What the state Redis holds of each recorded cache: its name and every address it was recorded at, the recorder
holding it, what it covers, the last INFO sample, its gaps, keyspace notifications on each node, what was announced
in Slack, and the bytes it uses.

${flagUsage(STATUS_FLAGS)}

Exit status: 0 answered (also when there is no record), 2 bad arguments, 3 the state Redis cannot be reached.
`;

/** \`keyloss record status\`: reads the records, writes nothing. */
async function runStatus(argv: string[]): Promise<number> {
  const fail = (message: string, code: number): number => {
    process.stderr.write(`keyloss record status: ${printable(redact(message))}\n`);
    return code;
  };
  const loaded = loadConfig(process.env);
  if (!loaded.ok) return fail(loaded.reason, 2);
  const config = loaded.config;
  const read = readFlags(argv, STATUS_FLAGS);
  if (!read.ok) return fail(read.message, 2);
  if (read.values['--help'] === true) {
    process.stdout.write(STATUS_USAGE);
    return 0;
  }
  const text = (name: string): string | undefined => (typeof read.values[name] === 'string' ? (read.values[name] as string) : undefined);
  const url = text('--redis');
  const name = text('--cache');
  if (url !== undefined && name !== undefined) return fail('give --cache or --redis, not both', 2);
  let only: RecordIdentity | null = null;
  if (url !== undefined) {
    const parsed = parseRedisUrl(url);
    if (!parsed.ok) return fail(`--redis: ${parsed.reason}`, 2);
    only = { name: null, address: describeEndpoint(parsed.endpoint) };
  } else if (name !== undefined) {
    const caches = await loadCaches(config.cachesPath);
    const cache = caches.ok ? findCache(caches.caches, name) : undefined;
    only = { name: cache?.name ?? name, address: (cache ? cacheAddress(cache, config.secrets) : null) ?? name };
  }
  const stateUrl = text('--state') ?? config.state.url;
  if (stateUrl === null) return fail("no state Redis: pass --state <url> or set STATE_REDIS_URL (keyloss's own Redis)", 2);
  const state = await openStateClient(stateUrl, { prefix: config.state.prefix, connectionName: 'keyloss-record-status', source: text('--state') !== undefined ? '--state' : 'STATE_REDIS_URL' });
  if (!state.ok) return fail(state.reason, 3);
  try {
    const statuses = await recordStatuses(state.client, config.state.prefix, only, Date.now());
    if (read.values['--json'] === true) {
      process.stdout.write(`${JSON.stringify({ state: state.address, prefix: config.state.prefix, records: statuses }, null, 2)}\n`);
      return 0;
    }
    if (statuses.length === 0) {
      process.stdout.write(
        `${only ? `The state Redis at ${state.address} has no record of ${noRecordOf(only)}.` : `The state Redis at ${state.address} holds no record (prefix ${config.state.prefix}).`} keyloss record keeps one.\n`,
      );
      return 0;
    }
    process.stdout.write(`${statuses.map((status) => describeStatus(status).map((line, i) => printable(i === 0 ? line : `  ${line}`)).join('\n')).join('\n\n')}\n`);
    return 0;
  } catch (error) {
    return fail(`the state Redis at ${state.address} stopped answering: ${describeError(error)}`, 3);
  } finally {
    await state.client.quit().catch(() => state.client.disconnect());
  }
}

export async function run(argv: string[], deps: Deps): Promise<number> {
  if (argv[0] === 'status') return runStatus(argv.slice(1));
  const parsed = parseRecordArgs(argv, process.env);
  const fail = (message: string, code: number): number => {
    process.stderr.write(`keyloss record: ${printable(redact(message))}\n`);
    return code;
  };
  if (!parsed.ok) return fail(parsed.message, 2);
  const { args } = parsed;
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.stateUrl === null) return fail('no state Redis: pass --state <url> or set STATE_REDIS_URL (keyloss\'s own Redis, never a watched cache)', 2);
  const targets = await targetsOf(args, parsed.config, azureAccessOf(parsed.config, deps));
  if (!targets.ok) return fail(targets.message, targets.code);
  const state = await openStateClient(args.stateUrl, { prefix: args.prefix, connectionName: 'keyloss-recorder', source: args.stateSource });
  if (!state.ok) return fail(state.reason, 3);
  const watched = await stateAmongCaches(state.client, parseAddress(state.address), targets.targets).catch((error: unknown) => `could not ask the state Redis who it is: ${describeError(error)}`);
  if (watched !== null) {
    state.client.disconnect();
    return fail(watched, watched.startsWith('could not ask') ? 3 : 2);
  }
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} keyloss record: ${printable(redact(line))}\n`);
  };
  // With a bot token the recorder says what it records in each cache's alert channel (the runbook's `recorded` words).
  const runbook = parsed.config.announce ? await loadDefaultRunbook() : null;
  const words = runbook?.recorded ?? null;
  const speaker = parsed.config.announce && words ? slackSpeaker(parsed.config.announce, words, log) : null;
  if (parsed.config.announce && !words) log('SLACK_BOT_TOKEN is set but the runbook has no `recorded` words: nothing is announced');
  const silent = targets.targets.filter((t) => !t.announce?.channel).map((t) => t.id);
  if (speaker && silent.length > 0) log(`no alert channel for ${silent.join(', ')} (alerts.channel or KEYLOSS_ALERT_CHANNEL): recorded, not announced`);
  const recorder = new Recorder(state.client, targets.targets, {
    speaker,
    ...DEFAULT_RECORDER_OPTIONS,
    prefix: args.prefix,
    holder: args.holder,
    retentionMs: args.retentionMs,
    sampleMs: args.sampleMs,
    flushMs: args.flushMs,
    leaseMs: args.leaseMs,
    proofBytesPerDay: args.proofBytesPerDay,
    log,
  });
  log(`${targets.targets.length} cache${targets.targets.length === 1 ? '' : 's'} (${targets.targets.map((t) => t.id).join(', ')}) into the state Redis at ${state.address}${state.cluster ? ' (a Redis Cluster)' : ''}, prefix ${args.prefix}, retention ${Math.round(args.retentionMs / 3_600_000)} h, as ${args.holder}`);
  // A recorder that outlives what started it (npm killed, a shell gone) stops as on SIGTERM: it would hold its leases unseen.
  const starter = watchStarter();
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
    void starter.exited.then((why) => {
      log(`${why}: stopping as on SIGTERM`);
      resolve();
    });
  });
  try {
    await recorder.start();
    log('ready');
    await stopped;
    log('stopping: writing what is held and releasing the leases');
    await recorder.stop();
  } catch (error) {
    log(`stopped on an error: ${describeError(error)}`);
    await recorder.stop().catch(() => undefined);
    return 1;
  } finally {
    starter.stop();
    await state.client.quit().catch(() => state.client.disconnect());
  }
  return 0;
}
