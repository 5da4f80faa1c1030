// `keyloss diagnose`: the non-interactive diagnosis of spec/diagnose-cli.md; flags instead of questions, text or JSON out.
import { parseCacheResourceId, parseRegion } from '../azure/resource-id.ts';
import type { AzureTarget } from '../azure/types.ts';
import { azureAccessOf, type Deps } from '../config/deps.ts';
import { loadConfig, type Config } from '../config/env.ts';
import { isGlobPattern } from '../domain/query.ts';
import { ANSWER_TABLE, answersFromCache, INFERRED_SLOTS, type FlagSpec } from '../core/answers.ts';
import { runCheckNode } from '../core/check-node.ts';
import { flagUsage, HELP_FLAG, readRunFlags, SHARED_FLAGS, type RunOptions } from '../core/flags.ts';
import { resolveTarget, type ResolvedTarget, type TargetSource } from '../core/target.ts';
import { describeError, redact } from '../redact.ts';
import { LOCAL_REDIS_URL, parseRedisUrl } from '../redis/url.ts';
import { renderText } from '../report/text.ts';
import { createEngine, type Engine, type Session } from '../runbook/engine.ts';
import { loadDefaultRunbook } from '../runbook/load.ts';

/** diagnose's own flags, beside the answer flags and run options every command that runs the checks shares. */
const DIAGNOSE_FLAGS: readonly FlagSpec[] = [
  ...SHARED_FLAGS,
  { name: '--json', value: null, help: 'print the report as one JSON document' },
  { name: '--charts', value: '<dir>', help: 'also write the Azure Monitor metric charts the report cites as PNG files into <dir>' },
  { name: '--azure-resource', value: '<id>', help: 'the cache\'s Azure resource id, to read Azure Monitor and the activity log' },
  { name: '--azure-region', value: '<region>', help: 'the cache\'s Azure region (e.g. westeurope), with --azure-resource' },
  HELP_FLAG,
];

export const USAGE = `usage: keyloss diagnose --key <key-or-glob> [options]

Runs the runbook's checks against the cache with the answers given as flags and prints the diagnosis:
the verdict, each cause with its evidence and fixes, and what could not be checked.

${flagUsage(DIAGNOSE_FLAGS)}

Not given: the cache is $REDIS_URL (else ${LOCAL_REDIS_URL}), since is 1h, the db is the one in the URL or the
caches file (else 0), the tier is the caches file's (else read from Azure when it can be), the scope is inferred.

Exit status: 0 the diagnosis ran, 2 bad arguments, 3 cache unreachable or credentials refused, 1 anything else.
`;

export interface DiagnoseArgs {
  help: boolean;
  json: boolean;
  /** Where to write the charts; null: none. */
  chartsDir: string | null;
  /** Slot → the text the flags give (the cache and since always: REDIS_URL and 1h when not given). */
  prefill: Record<string, string>;
  /** Slot → the flag (or variable) that gave it, to name it in an error. */
  flags: Record<string, string>;
  azure: AzureTarget | null;
  options: RunOptions;
  statePrefix: string;
}

/** Reads the flags; a bad one gives one sentence naming the flag and what it accepts. Pure but for `now` and the configuration. */
export function parseDiagnoseArgs(argv: string[], config: Pick<Config, 'redisUrl' | 'rateIntervalMs' | 'state'>, now: Date): { ok: true; args: DiagnoseArgs } | { ok: false; message: string } {
  const read = readRunFlags(argv, DIAGNOSE_FLAGS, config, now);
  if (!read.ok) return read;
  const { values } = read;
  const charts = values['--charts'];
  const chartsDir = typeof charts === 'string' ? charts.trim() : null;
  if (chartsDir === '') return { ok: false, message: '--charts needs a directory to write the PNG files into' };
  const base = { help: read.help, json: values['--json'] === true, chartsDir, options: read.options, statePrefix: config.state.prefix };
  if (read.help) return { ok: true, args: { ...base, prefill: {}, flags: {}, azure: null } };

  const prefill = { ...read.prefill };
  const flags = { ...read.flags };
  if (prefill.key === undefined) return { ok: false, message: `--key is required: ${ANSWER_TABLE.key.flags[0]?.help}` };
  if (prefill.field !== undefined && isGlobPattern(prefill.key)) {
    return { ok: false, message: `--field needs an exact --key, not the glob "${prefill.key}": a field belongs to one hash` };
  }
  if (prefill.cache === undefined) {
    // REDIS_URL is read by the same slot as --redis; its errors name the variable.
    const fromEnv = ANSWER_TABLE.cache.parse(config.redisUrl, now);
    if (!fromEnv.ok) return { ok: false, message: `REDIS_URL: ${fromEnv.message}` };
    prefill.cache = config.redisUrl;
    flags.cache = 'REDIS_URL';
  }
  prefill.since ??= DEFAULT_SINCE;

  let azure: AzureTarget | null = null;
  const resourceId = values['--azure-resource'];
  const region = values['--azure-region'];
  if (typeof resourceId === 'string' || typeof region === 'string') {
    if (typeof resourceId !== 'string') return { ok: false, message: '--azure-region needs --azure-resource: the cache\'s resource id, /subscriptions/…/providers/Microsoft.Cache/redis/<name>' };
    if (typeof region !== 'string') return { ok: false, message: '--azure-resource needs --azure-region: the cache\'s region, e.g. westeurope' };
    const resource = parseCacheResourceId(resourceId);
    if (!resource.ok) return { ok: false, message: `--azure-resource: ${resource.reason}` };
    const parsedRegion = parseRegion(region);
    if (!parsedRegion.ok) return { ok: false, message: `--azure-region: ${parsedRegion.reason}` };
    azure = { resourceId: resource.resource.id, region: parsedRegion.region };
  }
  return { ok: true, args: { ...base, prefill, flags, azure } };
}

const DEFAULT_SINCE = '1h';

/**
 * The session diagnose runs, as the other surfaces start theirs: the flags' answers given ahead, the caches file's
 * (or the URL's) db and tier where no flag gives them, tier and scope inferred when nothing does. It stands at the
 * runbook's check node, or the first problem names its flag.
 */
export function startDiagnosis(engine: Engine, args: DiagnoseArgs, now: Date, target: ResolvedTarget | null): { ok: true; session: Session } | { ok: false; message: string } {
  const prefill = { ...answersOfTarget(target, args.prefill.cache), ...args.prefill };
  const started = engine.start(now, prefill, { infer: INFERRED_SLOTS });
  if (!started.ok) {
    const flag = started.error.slot !== undefined ? args.flags[started.error.slot] : undefined;
    return { ok: false, message: `${flag ? `${flag}: ` : ''}${started.error.message}` };
  }
  const step = engine.current(started.session);
  if (step?.kind === 'question') return { ok: false, message: `runbook ${engine.runbook.id} asks “${step.node.prompt}”, which no flag of keyloss diagnose answers` };
  return started;
}

/** What the target itself answers: a named cache's caches-file fields, a URL's db. */
function answersOfTarget(target: ResolvedTarget | null, answer: string | undefined): Record<string, string> {
  if (target?.cache) return answersFromCache(target);
  const url = answer !== undefined ? parseRedisUrl(answer) : null;
  return url?.ok ? { db: String(url.endpoint.db) } : {};
}

export async function run(argv: string[], deps: Deps): Promise<number> {
  const fail = (message: string, code: number): number => {
    process.stderr.write(`keyloss diagnose: ${redact(message)}\n`);
    return code;
  };
  const loaded = loadConfig();
  if (!loaded.ok) return fail(loaded.reason, 2);
  const { config } = loaded;
  const now = deps.now();
  const parsed = parseDiagnoseArgs(argv, config, now);
  if (!parsed.ok) return fail(parsed.message, 2);
  const { args } = parsed;
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const engine = createEngine(await loadDefaultRunbook());
  const targets: TargetSource = { ...config, urlAuth: args.options.entra ? 'entra' : 'key' };
  const cacheFlag = args.flags.cache ?? '--redis';
  const target = await resolveTarget(args.prefill.cache ?? config.redisUrl, targets);
  if (!target.ok) return fail(`${cacheFlag}: ${target.reason}`, 2);
  const started = startDiagnosis(engine, args, now, target.target);
  if (!started.ok) return fail(started.message, 2);

  const checked = await runCheckNode(
    {
      engine,
      session: started.session,
      targets,
      azure: azureAccessOf(config, deps),
      record: args.options.stateUrl !== null ? { url: args.options.stateUrl, prefix: args.statePrefix, source: args.options.stateSource } : null,
      rateIntervalMs: args.options.rateIntervalMs,
      // The flags name the Azure resource of a cache given as a URL.
      ...(args.azure ? { azureTarget: args.azure } : {}),
    },
    { now: deps.now },
  );
  if (!checked.ok) {
    switch (checked.kind) {
      case 'target':
      case 'invalid-url':
        return fail(`${cacheFlag}: ${checked.sentence}`, 2);
      case 'no-such-db':
        // Named by what gave the db: --db, else the URL's /N (--redis) or the caches file's db (--cache).
        return fail(`${args.flags.db ?? (target.target.cache ? `${cacheFlag} ${target.target.cache} (its db in the caches file)` : cacheFlag)}: ${checked.sentence}`, 2);
      case 'unreachable':
      case 'auth':
        return fail(checked.sentence, 3);
      default:
        return fail(checked.sentence, 1);
    }
  }
  const report = checked.report;
  if (args.chartsDir !== null) {
    // On stderr, so that --json output stays one JSON document.
    // Loaded only here: echarts and resvg are not needed for a diagnosis without charts.
    const { writeCharts } = await import('../report/chart-png.ts');
    const written = await writeCharts(report, args.chartsDir).catch((error: unknown) => {
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
    process.stdout.write(redact(`${JSON.stringify(report, null, 2)}\n`));
  } else {
    const color = Boolean(process.stdout.isTTY) && !config.noColor;
    process.stdout.write(redact(renderText(report, { color })));
  }
  return 0;
}
