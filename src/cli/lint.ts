// `keyloss lint [files…]`: validates runbook files, `ok <file>` for each good one, every problem of the others on stderr.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../redact.ts';
import { formatRunbookError, loadRunbook } from '../runbook/load.ts';

const USAGE = `usage: keyloss lint [files...]

Validates runbook files (default: runbooks/*.yaml in the current directory).
Exit status: 0 all valid, 1 some file invalid, 2 bad usage.
`;

const DEFAULT_DIR = 'runbooks';

async function defaultFiles(): Promise<{ ok: true; files: string[] } | { ok: false; reason: string }> {
  try {
    const names = await readdir(DEFAULT_DIR);
    const files = names.filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => join(DEFAULT_DIR, n));
    if (files.length > 0) return { ok: true, files };
    return { ok: false, reason: `no .yaml files in ${DEFAULT_DIR}/` };
  } catch (error) {
    return { ok: false, reason: `cannot list ${DEFAULT_DIR}/: ${describeError(error)}` };
  }
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const unknown = argv.find((a) => a.startsWith('-'));
  if (unknown !== undefined) {
    process.stderr.write(`keyloss lint: unknown option "${unknown}"\n${USAGE}`);
    return 2;
  }
  let files = argv;
  if (files.length === 0) {
    const found = await defaultFiles();
    if (!found.ok) {
      process.stderr.write(`keyloss lint: ${found.reason}; run it from the project root or name the files\n`);
      return 2;
    }
    files = found.files;
  }
  let invalid = 0;
  for (const file of files) {
    const result = await loadRunbook(file);
    if (result.ok) {
      process.stdout.write(`ok ${file}\n`);
    } else {
      invalid++;
      process.stderr.write(result.errors.map((e) => `${formatRunbookError(e)}\n`).join(''));
    }
  }
  if (invalid > 0) process.stderr.write(`keyloss lint: ${invalid} of ${files.length} ${files.length === 1 ? 'file' : 'files'} invalid\n`);
  return invalid > 0 ? 1 : 0;
}
