// keyloss command line: dispatches to one module per command; each returns the exit code. The process entry is
// src/cli/main.ts; tests run commands with their own dependencies through test/support/keyloss-entry.ts.
import { readFileSync } from 'node:fs';
import type { Deps } from '../config/deps.ts';
import { sayLibraryNotices } from '../redis/library-notices.ts';

const USAGE = `usage: keyloss <command> [options]
       keyloss --version

commands:
  start                       Slack app when SLACK_BOT_TOKEN is set, otherwise the terminal walkthrough
  walk                        the terminal walkthrough, whatever the environment
  diagnose --key <k> [...]    run the checks non-interactively (see: keyloss diagnose --help)
  watch [--redis <url>] [...]  what is being removed right now, for a bounded time (see: keyloss watch --help)
  record [--cache <name>] ... keep a history of removals in the state Redis (see: keyloss record --help)
  record status [...]         what the state Redis holds of each recorded cache (see: keyloss record status --help)
  demo [--cause <c>] [...]    a throwaway redis-server with one staged incident, and the walkthrough on it
  lint [files...]             validate runbook files (default: runbooks/*.yaml)
  graph <runbook>             print a Mermaid flowchart of a runbook
`;

type Command = { run(argv: string[], deps: Deps): Promise<number> };

const commands: Record<string, () => Promise<Command>> = {
  start: () => import('./start.ts'),
  walk: () => import('./walk.ts'),
  diagnose: () => import('./diagnose.ts'),
  watch: () => import('./watch.ts'),
  record: () => import('./record.ts'),
  demo: () => import('./demo.ts'),
  lint: () => import('./lint.ts'),
  graph: () => import('./graph.ts'),
};

export async function runCommand(argv: string[], deps: Deps): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`keyloss ${packageVersion()}\n`);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`keyloss: unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  // ioredis's own notices, in keyloss's words and once, on stderr (stdout may be one JSON document).
  const restore = sayLibraryNotices((line) => process.stderr.write(`keyloss ${name}: ${line}\n`));
  try {
    return await (await load()).run(rest, deps);
  } finally {
    restore();
  }
}


/** The version in package.json, one directory above src/ and dist/ alike. */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
