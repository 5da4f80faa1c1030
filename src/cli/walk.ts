// `keyloss walk`: the terminal walkthrough, on a terminal or driven through a pipe; flags answer questions ahead.
import type { FlagSpec } from '../core/answers.ts';
import { flagUsage, HELP_FLAG, readRunFlags, SHARED_FLAGS, type RunOptions } from '../core/flags.ts';
import { DEFAULT_STATE_PREFIX } from '../state/redis.ts';
import type { AzureAccess } from '../azure/context.ts';
import { azureAccessOf, type Deps } from '../config/deps.ts';
import { loadConfig, type Config } from '../config/env.ts';
import { describeError, redact } from '../redact.ts';
import { createEngine } from '../runbook/engine.ts';
import { formatRunbookError, loadDefaultRunbook, loadRunbook } from '../runbook/load.ts';
import type { Runbook } from '../runbook/schema.ts';
import { createLinePrompter, PIPE_WIDTH } from '../terminal/line-prompter.ts';
import type { Prompter } from '../terminal/prompter.ts';
import { colourWanted, createStyle } from '../terminal/style.ts';
import { createTtyPrompter } from '../terminal/tty-prompter.ts';
import { LOCAL_REDIS_URL } from '../redis/url.ts';
import { reachTarget } from '../core/target.ts';
import { databaseProblem } from '../core/databases.ts';
import { parseDbIndex } from '../runbook/formats.ts';
import type { RedisAuth } from '../azure/redis-login.ts';
import { walkthrough } from '../terminal/walkthrough.ts';

/** walk's own flags, beside the answer flags and run options every command that runs the checks shares. */
const WALK_FLAGS: readonly FlagSpec[] = [
  { name: '--runbook', value: '<file>', help: 'the runbook to walk (default: runbooks/redis-data-loss.yaml)' },
  ...SHARED_FLAGS,
  HELP_FLAG,
];

const USAGE = `usage: keyloss walk [options]

Asks which cache, which key and since when, checks the cache (read-only) and explains why keys went missing.
Answers given as flags are not asked (diagnose takes the same flags); the others are. Driven through a pipe it reads
one answer per line: a choice's number or value, free text, "skip" or "back".

${flagUsage(WALK_FLAGS)}

Exit status: 0 at a conclusion, 1 when the input ends first, 2 bad flags, 3 the cache given as a flag is
unreachable or refused the credentials, 130 Ctrl-C.

environment:
  REDIS_URL          offered as the cache to check (default ${LOCAL_REDIS_URL})
  KEYLOSS_CACHES     caches file, to answer with a cache name (default keyloss.caches.yaml)
  NO_COLOR           no colours
`;

/** What walk needs of the configuration to read its flags; a command that has none yet reads them without it. */
const NO_CONFIG: Pick<Config, 'rateIntervalMs' | 'state'> = { rateIntervalMs: null, state: { url: null, prefix: DEFAULT_STATE_PREFIX } };

type Args =
  | { ok: true; help: boolean; runbook: string | null; prefill: Record<string, string>; flags: Record<string, string>; options: RunOptions }
  | { ok: false; problem: string };

/** The flags, read as diagnose reads them (src/core/flags.ts): the same flag gives the same answer or the same refusal. */
export function parseWalkArgs(argv: string[], config: Pick<Config, 'rateIntervalMs' | 'state'> = NO_CONFIG, now: Date = new Date()): Args {
  const read = readRunFlags(argv, WALK_FLAGS, config, now);
  if (!read.ok) return { ok: false, problem: read.message };
  const runbook = read.values['--runbook'];
  return { ok: true, help: read.help, runbook: typeof runbook === 'string' ? runbook : null, prefill: read.prefill, flags: read.flags, options: read.options };
}

async function runbookFrom(path: string | null): Promise<{ ok: true; runbook: Runbook } | { ok: false; problem: string }> {
  if (path === null) {
    try {
      return { ok: true, runbook: await loadDefaultRunbook() };
    } catch (error) {
      return { ok: false, problem: describeError(error) };
    }
  }
  const loaded = await loadRunbook(path);
  return loaded.ok ? loaded : { ok: false, problem: loaded.errors.map(formatRunbookError).join('\n') };
}

/** Flags are checked before anything is asked: a bad one is a usage error, not a question. */
async function checkPrefill(
  runbook: Runbook,
  prefill: Record<string, string>,
  config: Config,
  urlAuth: RedisAuth,
  azure: AzureAccess,
): Promise<{ ok: true } | { ok: false; message: string; slot?: string; code: 2 | 3 }> {
  const started = createEngine(runbook).start(new Date(), prefill);
  if (!started.ok) return { ok: false, message: started.error.message, code: 2, ...(started.error.slot ? { slot: started.error.slot } : {}) };
  if (prefill.cache !== undefined) {
    // A cache given as a flag is checked before anything is asked, as a typed one is when it is given. As diagnose:
    // a cache that does not answer or refuses the credentials is exit 3, one line naming host:port; a bad flag is 2.
    const reached = await reachTarget(prefill.cache, { ...config, urlAuth }, azure);
    if (!reached.ok && (reached.kind === 'unreachable' || reached.kind === 'auth')) return { ok: false, message: reached.reason, code: 3 };
    if (!reached.ok) return { ok: false, message: reached.reason, slot: 'cache', code: 2 };
    // The db flag against the cache, by the rule diagnose applies: exit 2, one line.
    const db = prefill.db !== undefined ? parseDbIndex(prefill.db) : null;
    const problem = db?.ok ? await databaseProblem(reached.target, db.db, azure) : null;
    if (problem !== null) return { ok: false, message: problem, slot: 'db', code: 2 };
  }
  return { ok: true };
}

export async function run(argv: string[], deps: Deps): Promise<number> {
  const configured = loadConfig();
  if (!configured.ok) {
    process.stderr.write(`keyloss walk: ${redact(configured.reason)}\n`);
    return 2;
  }
  const args = parseWalkArgs(argv, configured.config, deps.now());
  if (!args.ok) {
    process.stderr.write(`keyloss walk: ${redact(args.problem)}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  // The flags' run options over the environment's, as diagnose takes them.
  const config: Config = {
    ...configured.config,
    rateIntervalMs: args.options.rateIntervalMs,
    state: { ...configured.config.state, url: args.options.stateUrl },
  };
  const loaded = await runbookFrom(args.runbook);
  if (!loaded.ok) {
    process.stderr.write(`keyloss walk: ${loaded.problem}\n`);
    return 1;
  }
  const azure = azureAccessOf(config, deps);
  const prefilled = await checkPrefill(loaded.runbook, args.prefill, config, args.options.entra ? 'entra' : 'key', azure);
  if (!prefilled.ok) {
    const flag = prefilled.slot !== undefined ? args.flags[prefilled.slot] : undefined;
    process.stderr.write(`keyloss walk: ${flag ? `${flag}: ` : ''}${redact(prefilled.message)}\n`);
    return prefilled.code;
  }

  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const style = createStyle(colourWanted(process.stdout.isTTY === true, config.noColor));
  const interrupt = new AbortController();
  // Ctrl-C while checks run (or in a pipe) arrives as SIGINT; a second one ends the process at once.
  const onSigint = () => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  const prompter: Prompter = interactive
    ? createTtyPrompter(process.stdin, process.stdout, style)
    : createLinePrompter(process.stdin, process.stdout, style, interrupt.signal);
  try {
    return await walkthrough({
      runbook: loaded.runbook,
      prompter,
      style,
      config,
      azure,
      now: deps.now,
      interrupted: interrupt.signal,
      prefill: args.prefill,
      ...(args.options.entra ? { urlAuth: 'entra' as const } : {}),
      width: interactive && process.stdout.columns ? process.stdout.columns : PIPE_WIDTH,
    });
  } finally {
    prompter.close();
    process.off('SIGINT', onSigint);
  }
}
