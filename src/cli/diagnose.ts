// `keyloss diagnose`: the non-interactive diagnosis of spec/diagnose-cli.md; flags instead of questions, text or JSON out.
import { parseArgs } from 'node:util';
import type { RedisAuth } from '../azure/redis-login.ts';
import { parseCacheResourceId, parseRegion } from '../azure/resource-id.ts';
import type { AzureTarget } from '../azure/types.ts';
import { azureAccessOf, type Deps } from '../config/deps.ts';
import { loadConfig, type Config } from '../config/env.ts';
import { isGlobPattern, type Query, type Scope, type Tier } from '../domain/query.ts';
import { investigate } from '../investigate.ts';
import { closeRecordStore, openRecordStore } from '../record/check.ts';
import { describeError, redact } from '../redact.ts';
import { LOCAL_REDIS_URL, parseRedisUrl } from '../redis/url.ts';
import { renderText } from '../report/text.ts';
import { parseDbIndex, parseKeyPattern, parseScope, parseSince, parseTier } from '../runbook/formats.ts';
import { loadDefaultRunbook } from '../runbook/load.ts';

const MAX_RATE_INTERVAL_MS = 60_000;

export const USAGE = `usage: keyloss diagnose --key <key-or-glob> [options]

Runs every check against the cache and prints the diagnosis: the verdict, each cause
with its evidence and fixes, and what could not be checked.

  --redis <url>             redis://[user:pass@]host:port[/db] or rediss://… (TLS)
                            default: $REDIS_URL, else ${LOCAL_REDIS_URL}
  --entra                   sign in with a Microsoft Entra token (az login, or the managed identity)
                            instead of a password: the user is the identity's object id; needs rediss://
  --key <k>                 the key that went missing: exact (session:17) or a glob (session:*)  (required)
  --db <n>                  the database the application uses (default: the db in the URL, else 0)
  --since <t>               when the keys were last seen: ISO-8601 or a duration ago (90s, 15m, 2h, 1d); default 1h
  --tier <t>                basic, standard, premium or enterprise (default: unknown, or Azure's when read)
  --scope <s>               partial (some keys) or complete (most or all keys); default: inferred
  --json                    print the report as one JSON document
  --charts <dir>            also write the Azure Monitor metric charts the report cites as PNG files into <dir>
  --azure-resource <id>     the cache's Azure resource id, to read Azure Monitor and the activity log
  --azure-region <region>   the cache's Azure region (e.g. westeurope), with --azure-resource
  --rate-interval <ms>      least time between the two INFO samples of the rates check; they also span the
                            other checks (default 250; 0: only the other checks' time)
  --state <url>             keyloss's state Redis, to read the cache's record (keyloss record); default $STATE_REDIS_URL
  --help                    this text

Exit status: 0 the diagnosis ran, 2 bad arguments, 3 cache unreachable or credentials refused, 1 anything else.
`;

const FLAGS = {
  redis: { type: 'string' },
  key: { type: 'string' },
  db: { type: 'string' },
  since: { type: 'string' },
  tier: { type: 'string' },
  scope: { type: 'string' },
  json: { type: 'boolean' },
  charts: { type: 'string' },
  'azure-resource': { type: 'string' },
  'azure-region': { type: 'string' },
  entra: { type: 'boolean' },
  'rate-interval': { type: 'string' },
  state: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FLAG_LIST = Object.keys(FLAGS)
  .map((name) => `--${name}`)
  .join(', ');

export interface DiagnoseArgs {
  help: boolean;
  json: boolean;
  /** Where to write the charts; null: none. */
  chartsDir: string | null;
  redisUrl: string;
  auth: RedisAuth;
  query: Query;
  azure: AzureTarget | null;
  rateIntervalMs: number | null;
  /** The state Redis whose record of the cache is read (--state, else STATE_REDIS_URL); null: none. */
  stateUrl: string | null;
  statePrefix: string;
}

/** Reads the flags; a bad one gives one sentence naming the flag and what it accepts. Pure but for `now` and the configuration. */
export function parseDiagnoseArgs(argv: string[], config: Pick<Config, 'redisUrl' | 'rateIntervalMs' | 'state'>, now: Date): { ok: true; args: DiagnoseArgs } | { ok: false; message: string } {
  let values: { [K in keyof typeof FLAGS]?: (typeof FLAGS)[K]['type'] extends 'boolean' ? boolean : string };
  try {
    ({ values } = parseArgs({ args: valuesWithDashes(argv), options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    return { ok: false, message: explainParseError(error) };
  }
  const chartsDir = values.charts === undefined ? null : values.charts.trim();
  if (chartsDir === '') return { ok: false, message: '--charts needs a directory to write the PNG files into' };
  const base = { help: values.help ?? false, json: values.json ?? false, chartsDir };
  if (base.help) {
    return { ok: true, args: { ...base, redisUrl: '', auth: 'key', azure: null, rateIntervalMs: null, stateUrl: null, statePrefix: '', query: { key: '', isPattern: false, db: 0, since: now, tier: null, scope: null } } };
  }

  const redisUrl = values.redis ?? config.redisUrl;
  const endpoint = parseRedisUrl(redisUrl);
  if (!endpoint.ok) return { ok: false, message: `${values.redis !== undefined ? '--redis' : 'REDIS_URL'}: ${endpoint.reason}` };

  if (values.key === undefined) return { ok: false, message: '--key is required: the key that went missing, exact (session:17) or a glob (session:*)' };
  const key = parseKeyPattern(values.key);
  if (!key.ok) return { ok: false, message: `--key: ${key.message}` };

  let db = endpoint.endpoint.db;
  if (values.db !== undefined) {
    const parsed = parseDbIndex(values.db);
    if (!parsed.ok) return { ok: false, message: `--db: ${parsed.message}` };
    db = parsed.db;
  }

  const since = parseSince(values.since ?? '1h', now);
  if (!since.ok) return { ok: false, message: `--since: ${since.message}` };

  let tier: Tier | null = null;
  if (values.tier !== undefined) {
    const parsed = parseTier(values.tier);
    if (!parsed.ok) return { ok: false, message: `--tier: ${parsed.message}` };
    tier = parsed.tier;
  }

  let scope: Scope | null = null;
  if (values.scope !== undefined) {
    const parsed = parseScope(values.scope);
    if (!parsed.ok) return { ok: false, message: `--scope: ${parsed.message}` };
    scope = parsed.scope;
  }

  let azure: AzureTarget | null = null;
  const resourceId = values['azure-resource'];
  const region = values['azure-region'];
  if (resourceId !== undefined || region !== undefined) {
    if (resourceId === undefined) return { ok: false, message: '--azure-region needs --azure-resource: the cache\'s resource id, /subscriptions/…/providers/Microsoft.Cache/redis/<name>' };
    if (region === undefined) return { ok: false, message: '--azure-resource needs --azure-region: the cache\'s region, e.g. westeurope' };
    const resource = parseCacheResourceId(resourceId);
    if (!resource.ok) return { ok: false, message: `--azure-resource: ${resource.reason}` };
    const parsedRegion = parseRegion(region);
    if (!parsedRegion.ok) return { ok: false, message: `--azure-region: ${parsedRegion.reason}` };
    azure = { resourceId: resource.resource.id, region: parsedRegion.region };
  }

  let rateIntervalMs: number | null = config.rateIntervalMs;
  if (values['rate-interval'] !== undefined) {
    const text = values['rate-interval'].trim();
    const ms = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(ms) || ms > MAX_RATE_INTERVAL_MS) {
      return { ok: false, message: `--rate-interval: "${short(text)}" is not a time in milliseconds; use a whole number from 0 to ${MAX_RATE_INTERVAL_MS.toLocaleString('en-US')}` };
    }
    rateIntervalMs = ms;
  }

  return {
    ok: true,
    args: {
      ...base,
      redisUrl,
      auth: values.entra ? 'entra' : 'key',
      azure,
      rateIntervalMs,
      stateUrl: values.state ?? config.state.url,
      statePrefix: config.state.prefix,
      query: { key: key.key, isPattern: isGlobPattern(key.key), db, since: since.date, tier, scope },
    },
  };
}

/**
 * `--since -5m`, `--db -1`: parseArgs takes a value starting with "-" for a flag and says the flag "needs a value".
 * Handed over as `--since=-5m`, the value reaches its parser, which says what is wrong with it.
 */
function valuesWithDashes(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : null;
    const spec = name !== null ? (FLAGS as Record<string, { type: string }>)[name] : undefined;
    if (spec?.type === 'string' && next !== undefined && /^-(?!-)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Node's parseArgs errors as one line naming the flag; never echoes a stray argument (it may be a password). */
function explainParseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[A-Za-z0-9-]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `${flag ? `${redact(short(flag))} is not a flag` : 'unknown flag'}; accepted: ${FLAG_LIST}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return flag && flag in flagByOption()
        ? flagByOption()[flag]!
        : `${flag ? redact(short(flag)) : 'a flag'} was given a value it does not take, or none where one is needed; see --help`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument without a flag; every value follows its flag (--key session:17), accepted: ${FLAG_LIST}`;
    default:
      return describeError(error);
  }
}

/** What each flag wants, for "missing value" errors. */
function flagByOption(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(FLAGS)) {
    out[`--${name}`] =
      spec.type === 'boolean' ? `--${name} takes no value` : `--${name} needs a value; see keyloss diagnose --help for what it accepts`;
  }
  return out;
}

function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

export async function run(argv: string[], deps: Deps): Promise<number> {
  const loaded = loadConfig();
  if (!loaded.ok) {
    process.stderr.write(`keyloss diagnose: ${redact(loaded.reason)}\n`);
    return 2;
  }
  const { config } = loaded;
  const parsed = parseDiagnoseArgs(argv, config, deps.now());
  if (!parsed.ok) {
    process.stderr.write(`keyloss diagnose: ${redact(parsed.message)}\n`);
    return 2;
  }
  const { args } = parsed;
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const runbook = await loadDefaultRunbook();
  const record = args.stateUrl !== null ? await openRecordStore(args.stateUrl, args.statePrefix) : null;
  const result = await investigate({
    record,
    redisUrl: args.redisUrl,
    auth: args.auth,
    query: args.query,
    runbook,
    azure: args.azure,
    azureAccess: azureAccessOf(config, deps),
    ...(args.rateIntervalMs !== null ? { options: { rateIntervalMs: args.rateIntervalMs } } : {}),
  }, { now: deps.now }).finally(() => closeRecordStore(record));
  if (!result.ok) {
    if (result.kind === 'invalid-url') {
      process.stderr.write(`keyloss diagnose: --redis: ${redact(result.reason)}\n`);
      return 2;
    }
    if (result.kind === 'no-such-db') {
      process.stderr.write(`keyloss diagnose: --db: ${result.reason}\n`);
      return 2;
    }
    const what = result.kind === 'auth' ? 'refused the credentials' : 'cannot be reached';
    process.stderr.write(`keyloss diagnose: ${result.endpoint} ${what}: ${redact(result.reason)}\n`);
    return 3;
  }
  if (args.chartsDir !== null) {
    // On stderr, so that --json output stays one JSON document. echarts and resvg load only when charts are asked for.
    const { writeCharts } = await import('../report/chart-png.ts');
    const written = await writeCharts(result.report, args.chartsDir).catch((error: unknown) => {
      process.stderr.write(`keyloss diagnose: --charts: cannot write into ${args.chartsDir}: ${describeError(error)}\n`);
      return null;
    });
    if (written === null) return 1;
    process.stderr.write(
      written.length > 0
        ? `keyloss diagnose: wrote ${written.length} chart${written.length === 1 ? '' : 's'}: ${written.join(', ')}\n`
        : 'keyloss diagnose: no charts: the report has no Azure Monitor metrics (give --azure-resource and --azure-region)\n',
    );
  }
  if (args.json) {
    process.stdout.write(redact(`${JSON.stringify(result.report, null, 2)}\n`));
  } else {
    const color = Boolean(process.stdout.isTTY) && !config.noColor;
    process.stdout.write(redact(renderText(result.report, { color })));
  }
  return 0;
}
