// `keyloss diagnose` as a child process, as a script would run it: exit code, stdout and stderr.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/keyloss.js', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `keyloss diagnose <args>` with `env` over a copy of this environment without a developer's own Azure or Redis settings. */
export function runDiagnose(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const parentEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(KEYLOSS_AZURE_|AZURE_|REDIS_URL$)/.test(name)));
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'diagnose', ...args], { env: { ...parentEnv, NO_COLOR: '1', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error && typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : error ? -1 : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
