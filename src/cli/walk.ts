// `keyloss walk [--runbook <file>]`: the terminal walkthrough, on a terminal or driven through a pipe.
import { describeError } from '../redact.ts';
import { formatRunbookError, loadDefaultRunbook, loadRunbook } from '../runbook/load.ts';
import type { Runbook } from '../runbook/schema.ts';
import { createLinePrompter } from '../terminal/line-prompter.ts';
import type { Prompter } from '../terminal/prompter.ts';
import { colourWanted, createStyle } from '../terminal/style.ts';
import { createTtyPrompter } from '../terminal/tty-prompter.ts';
import { walkthrough } from '../terminal/walkthrough.ts';

const USAGE = `usage: keyloss walk [--runbook <file>]

Asks which cache, which key and since when, checks the cache (read-only) and explains why keys went missing.
Driven through a pipe it reads one answer per line: a choice's number or value, free text, "skip", "back".

environment:
  REDIS_URL          offered as the cache to check (default redis://127.0.0.1:6379)
  KEYLOSS_CACHES     caches file, to answer with a cache name (default keyloss.caches.yaml)
  NO_COLOR           no colours
`;

type Args = { ok: true; help: boolean; runbook: string | null } | { ok: false; problem: string };

export function parseWalkArgs(argv: string[]): Args {
  let runbook: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { ok: true, help: true, runbook };
    if (arg === '--runbook') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) return { ok: false, problem: '--runbook needs a file, e.g. --runbook runbooks/redis-data-loss.yaml' };
      runbook = value;
      continue;
    }
    return { ok: false, problem: `unknown argument "${arg}"; accepted: --runbook <file>, --help` };
  }
  return { ok: true, help: false, runbook };
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

function rateInterval(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.KEYLOSS_RATE_INTERVAL_MS?.trim();
  return value && /^\d+$/.test(value) ? Number(value) : undefined;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseWalkArgs(argv);
  if (!args.ok) {
    process.stderr.write(`keyloss walk: ${args.problem}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const loaded = await runbookFrom(args.runbook);
  if (!loaded.ok) {
    process.stderr.write(`keyloss walk: ${loaded.problem}\n`);
    return 1;
  }

  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const style = createStyle(colourWanted(process.stdout.isTTY === true, process.env));
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
    const rateIntervalMs = rateInterval(process.env);
    return await walkthrough({
      runbook: loaded.runbook,
      prompter,
      style,
      env: process.env,
      interrupted: interrupt.signal,
      ...(interactive && process.stdout.columns ? { width: Math.min(process.stdout.columns, 100) } : {}),
      ...(rateIntervalMs !== undefined ? { rateIntervalMs } : {}),
    });
  } finally {
    prompter.close();
    process.off('SIGINT', onSigint);
  }
}
