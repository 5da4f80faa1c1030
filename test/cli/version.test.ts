// `keyloss --version` and `-V`: the package's version on stdout, exit 0, from the command line people run.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runKeyloss } from '../support/keyloss-cli.ts';

const repo = join(import.meta.dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;

describe('keyloss --version', () => {
  it('prints the package version, as --version and as -V', async () => {
    for (const flag of ['--version', '-V']) {
      const run = await runKeyloss(flag, []);
      expect(run, flag).toEqual({ code: 0, stdout: `keyloss ${version}\n`, stderr: '' });
    }
  });

  it('through bin/keyloss.js, as an installed keyloss runs', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(repo, 'bin', 'keyloss.js'), '--version']);
    expect(stdout).toBe(`keyloss ${version}\n`);
  });
});
