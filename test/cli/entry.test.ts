// bin/keyloss.js runs the compiled dist/ only while it is at least as new as every source, the sources through tsx
// otherwise: a build never hides an edit. Each case is a throwaway tree holding the real bin and two tiny programs.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..');
const trees: string[] = [];

/** A tree with bin/keyloss.js, src/cli/main.ts and dist/cli/main.js, each program printing which one it is. */
function tree(): { root: string; source: string; built: string; extra: string } {
  const root = mkdtempSync(join(tmpdir(), 'keyloss-entry-'));
  trees.push(root);
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
  copyFileSync(join(repo, 'bin', 'keyloss.js'), join(root, 'bin', 'keyloss.js'));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  const source = join(root, 'src', 'cli', 'main.ts');
  // A type annotation: only tsx can run this file.
  writeFileSync(source, "const which: string = 'sources';\nprocess.stdout.write([which, ...process.argv.slice(2)].join(' '));\n");
  const built = join(root, 'dist', 'cli', 'main.js');
  writeFileSync(built, "process.stdout.write(['build', ...process.argv.slice(2)].join(' '));\n");
  return { root, source, built, extra: join(root, 'src', 'cli', 'extra.ts') };
}

/** Sets a file's (or folder's) times to `secondsAgo` before now. */
function age(path: string, secondsAgo: number): void {
  const at = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path, at, at);
}

async function entry(root: string): Promise<string> {
  const { stdout } = await run(process.execPath, [join(root, 'bin', 'keyloss.js'), 'diagnose', '--json']);
  return stdout;
}

afterEach(() => {
  for (const root of trees.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('bin/keyloss.js', () => {
  it('runs the build when it is newer than every source, with the arguments', async () => {
    const t = tree();
    for (const path of [t.source, join(t.root, 'src', 'cli'), join(t.root, 'src')]) age(path, 60);
    expect(await entry(t.root)).toBe('build diagnose --json');
  });

  it('runs the sources through tsx once a source changed after the build', async () => {
    const t = tree();
    for (const path of [join(t.root, 'src', 'cli'), join(t.root, 'src')]) age(path, 60);
    age(t.built, 30);
    expect(await entry(t.root)).toBe('sources diagnose --json');
  });

  it('runs the sources once a source file was added or removed after the build', async () => {
    const t = tree();
    writeFileSync(t.extra, 'export {};\n');
    for (const path of [t.source, t.extra, join(t.root, 'src')]) age(path, 60);
    age(t.built, 30);
    unlinkSync(t.extra);
    expect(await entry(t.root)).toBe('sources diagnose --json');
  });

  it('runs the sources without a build, and the build without sources (an installed package)', async () => {
    const withoutBuild = tree();
    rmSync(join(withoutBuild.root, 'dist'), { recursive: true });
    expect(await entry(withoutBuild.root)).toBe('sources diagnose --json');
    const installed = tree();
    rmSync(join(installed.root, 'src'), { recursive: true });
    expect(await entry(installed.root)).toBe('build diagnose --json');
  });
});
