// `keyloss lint` and `keyloss graph` as a person runs them: a child process, its exit code, stdout and stderr.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'keyloss.js');
const SHIPPED = join(ROOT, 'runbooks', 'redis-data-loss.yaml');

function keyloss(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
let broken: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyloss-lint-'));
  await mkdir(join(dir, 'runbooks'));
  const text = await readFile(SHIPPED, 'utf8');
  expect(text).toContain('    next: tier\n');
  broken = join(dir, 'runbooks', 'broken.yaml');
  await writeFile(broken, text.replace('    next: tier\n', '    next: tire\n'));
  await writeFile(join(dir, 'runbooks', 'good.yaml'), text);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('keyloss lint', () => {
  it('passes the shipped runbook', async () => {
    const result = await keyloss(['lint', 'runbooks/redis-data-loss.yaml']);
    expect(result).toEqual({ code: 0, stdout: 'ok runbooks/redis-data-loss.yaml\n', stderr: '' });
  });

  it('fails a broken copy, naming file, path and reason on stderr', async () => {
    const result = await keyloss(['lint', SHIPPED, broken]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`ok ${SHIPPED}\n`);
    expect(result.stderr).toMatch(new RegExp(`^${broken.replaceAll('.', '\\.')}: nodes\\.cache\\.next: no node named "tire" \\(did you mean "tier"\\?\\) \\(line \\d+\\)$`, 'm'));
    expect(result.stderr).toContain('keyloss lint: 1 of 2 files invalid');
  });

  it('lints runbooks/*.yaml of the current directory by default', async () => {
    const result = await keyloss(['lint'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('ok runbooks/good.yaml\n');
    expect(result.stderr).toContain('runbooks/broken.yaml: nodes.cache.next: no node named "tire"');
  });

  it('exits 2 on an unknown option', async () => {
    const result = await keyloss(['lint', '--strict']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('keyloss lint: unknown option "--strict"');
  });
});

describe('keyloss graph', () => {
  it('prints the flowchart of a valid runbook', async () => {
    const result = await keyloss(['graph', 'runbooks/redis-data-loss.yaml']);
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith('flowchart TD\n')).toBe(true);
    expect(result.stdout).toContain('n_investigate{{');
  });

  it('exits 1 with the errors of an invalid runbook', async () => {
    const result = await keyloss(['graph', broken]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${broken}: nodes.cache.next: no node named "tire" (did you mean "tier"?)`);
  });

  it('exits 2 without a runbook', async () => {
    const result = await keyloss(['graph']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('keyloss graph: name one runbook file');
  });
});
