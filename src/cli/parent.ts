// Tells a long-running command that the process that started it has exited, so it stops as on SIGTERM instead of
// running on unseen (holding its leases): its parent, and under `npm run` the npm process itself, which may die while
// the shell between them lives on, or may not forward the signal at all.
import { readFileSync } from 'node:fs';

/** How often the parent is looked at; a parent gone is noticed within this. */
const EVERY_MS = 1_000;
/** How far up the process tree npm is looked for (npm → sh → node, at most a few levels). */
const NPM_DEPTH = 4;

/** The parent of `pid` and its command line, from /proc (Linux); null where /proc does not say. */
function processInfo(pid: number): { ppid: number; cmdline: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may hold spaces and parentheses: the fields after the last `)` are fixed.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return Number.isInteger(ppid) ? { ppid, cmdline } : null;
  } catch {
    return null;
  }
}

/** The npm process this one runs under (`npm run …`, told by npm's lifecycle environment), when /proc finds it. */
function npmAncestor(env: NodeJS.ProcessEnv): number | null {
  if (!env.npm_lifecycle_event) return null;
  let pid = process.ppid;
  for (let depth = 0; depth < NPM_DEPTH && pid > 1; depth++) {
    const info = processInfo(pid);
    if (!info) return null;
    if (/(^|[\s/])npm(-cli\.js)?(\s|$)/.test(info.cmdline)) return pid;
    pid = info.ppid;
  }
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface StarterWatch {
  /** Resolves with a sentence saying which process exited. */
  exited: Promise<string>;
  stop(): void;
}

/**
 * Watches the process that started this one: the parent (this process is re-parented when it exits) and, under
 * `npm run`, npm itself. A process started by init or a service manager (parent pid 1, or 0 in a container) has no parent
 * to outlive.
 */
export function watchStarter(env: NodeJS.ProcessEnv = process.env): StarterWatch {
  const parent = process.ppid;
  const npm = npmAncestor(env);
  let timer: NodeJS.Timeout | null = null;
  const exited = new Promise<string>((resolve) => {
    if (parent <= 1) return;
    timer = setInterval(() => {
      if (process.ppid !== parent) resolve(`the process that started it (pid ${parent}) exited`);
      else if (npm !== null && !alive(npm)) resolve(`npm (pid ${npm}), which started it, exited`);
      else return;
      if (timer) clearInterval(timer);
    }, EVERY_MS);
    timer.unref();
  });
  return {
    exited,
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
