// keyloss commands (`diagnose`, `watch`, `record`) as a child process, as a script would run it: exit code, stdout and stderr.
import { execFile, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const ENTRY = fileURLToPath(new URL('./keyloss-entry.ts', import.meta.url));

/** How tests start keyloss: node running the test entry (the real command line, the test's Azure credential). */
export const KEYLOSS_ARGV: readonly string[] = ['--import', 'tsx', ENTRY];

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `keyloss diagnose <args>` with `env` over a copy of this environment without a developer's own Azure or Redis settings. */
export function runDiagnose(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runKeyloss('diagnose', args, env);
}

/** Runs `keyloss <command> <args>` the same way; `onSpawn` gets the child (to send it a signal). */
export function runKeyloss(command: string, args: string[], env: NodeJS.ProcessEnv = {}, onSpawn?: (child: ChildProcess) => void): Promise<Run> {
  const parentEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(KEYLOSS_AZURE_|AZURE_|REDIS_URL$)/.test(name)));
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...KEYLOSS_ARGV, command, ...args], { env: { ...parentEnv, NO_COLOR: '1', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error && typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : error ? -1 : 0;
      resolve({ code, stdout, stderr });
    });
    onSpawn?.(child);
  });
}

/** The one line a refused command wrote on stderr, after checking it exited with `code` and wrote nothing else. */
export function oneLine(run: Run, code: number): string {
  expect(run.code, run.stderr).toBe(code);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  return lines[0] ?? '';
}
