// `keyloss walk`: the terminal walkthrough, on a terminal or driven through a pipe; flags answer questions ahead.
import { ANSWER_TABLE, SLOT_NAMES } from '../core/answers.ts';
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
import { reachTarget, resolveTarget } from '../core/target.ts';
import type { RedisAuth } from '../azure/redis-login.ts';
import { walkthrough } from '../terminal/walkthrough.ts';

const USAGE = `usage: keyloss walk [--runbook <file>] [--redis <url>] [--entra] [--key <k>] [--db <n>] [--since <t>] [--tier <t>] [--scope <s>]

Asks which cache, which key and since when, checks the cache (read-only) and explains why keys went missing.
Answers given as flags are not asked. Driven through a pipe it reads one answer per line: a choice's number or
value, free text, "skip" or "back". --entra signs in to a cache given as a rediss:// URL with a Microsoft Entra
token (az login, or the managed identity) instead of a password; a named cache says so in the caches file.

environment:
  REDIS_URL          offered as the cache to check (default ${LOCAL_REDIS_URL})
  KEYLOSS_CACHES     caches file, to answer with a cache name (default keyloss.caches.yaml)
  NO_COLOR           no colours
`;

/** Flags that answer a runbook question, by the slot they fill. */
const ANSWER_FLAGS: Record<string, string> = Object.fromEntries(SLOT_NAMES.flatMap((slot) => ANSWER_TABLE[slot].flags.map((flag) => [flag, slot])));

type Args =
  | { ok: true; help: boolean; runbook: string | null; prefill: Record<string, string>; flags: Record<string, string>; entra: boolean }
  | { ok: false; problem: string };

export function parseWalkArgs(argv: string[]): Args {
  let runbook: string | null = null;
  let entra = false;
  const prefill: Record<string, string> = {};
  /** slot → the flag that filled it, to name it in an error. */
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { ok: true, help: true, runbook, prefill, flags, entra };
    if (arg === '--entra') {
      entra = true;
      continue;
    }
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const slot = ANSWER_FLAGS[name];
    if (name !== '--runbook' && slot === undefined) {
      return { ok: false, problem: `unknown argument "${arg}"; accepted: --runbook <file>, ${Object.keys(ANSWER_FLAGS).map((f) => `${f} <value>`).join(', ')}, --entra, --help` };
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) return { ok: false, problem: `${name} needs a value` };
    if (slot === undefined) runbook = value;
    else {
      prefill[slot] = value;
      flags[slot] = name;
    }
  }
  return { ok: true, help: false, runbook, prefill, flags, entra };
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
): Promise<{ ok: true } | { ok: false; message: string; slot?: string }> {
  const started = createEngine(runbook).start(new Date(), prefill);
  if (!started.ok) return { ok: false, message: started.error.message, ...(started.error.slot ? { slot: started.error.slot } : {}) };
  if (prefill.cache !== undefined) {
    const target = await resolveTarget(prefill.cache, { ...config, urlAuth });
    if (!target.ok) return { ok: false, message: target.reason, slot: 'cache' };
    // A cache given as a flag is checked before anything is asked, as a typed one is when it is given.
    const reached = await reachTarget(target.target, azure);
    if (!reached.ok) return { ok: false, message: reached.reason, slot: 'cache' };
  }
  return { ok: true };
}

export async function run(argv: string[], deps: Deps): Promise<number> {
  const args = parseWalkArgs(argv);
  if (!args.ok) {
    process.stderr.write(`keyloss walk: ${args.problem}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const configured = loadConfig();
  if (!configured.ok) {
    process.stderr.write(`keyloss walk: ${redact(configured.reason)}\n`);
    return 2;
  }
  const { config } = configured;
  const loaded = await runbookFrom(args.runbook);
  if (!loaded.ok) {
    process.stderr.write(`keyloss walk: ${loaded.problem}\n`);
    return 1;
  }
  const azure = azureAccessOf(config, deps);
  const prefilled = await checkPrefill(loaded.runbook, args.prefill, config, args.entra ? 'entra' : 'key', azure);
  if (!prefilled.ok) {
    const flag = prefilled.slot !== undefined ? args.flags[prefilled.slot] : undefined;
    process.stderr.write(`keyloss walk: ${flag ? `${flag}: ` : ''}${redact(prefilled.message)}\n`);
    return 2;
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
      ...(args.entra ? { urlAuth: 'entra' as const } : {}),
      width: interactive && process.stdout.columns ? process.stdout.columns : PIPE_WIDTH,
    });
  } finally {
    prompter.close();
    process.off('SIGINT', onSigint);
  }
}
