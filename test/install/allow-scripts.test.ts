// npm's install-script approval (package.json `allowScripts`) names exactly the dependencies whose install scripts
// the lockfile says exist: `npm ci` on a clean clone ends without "install-scripts … not yet covered" (README).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

describe('install scripts', () => {
  it('allowScripts approves every package of the lockfile with an install script, and nothing else', () => {
    const lock = read('package-lock.json') as { packages: Record<string, { hasInstallScript?: boolean; version?: string }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript === true)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    const approved = read('package.json').allowScripts as Record<string, boolean>;
    // An entry is a name, or name@version; the lockfile has no resolved URLs, so npm matches names only.
    const names = Object.keys(approved).map((entry) => entry.replace(/(?<=.)@[^@]*$/, ''));
    expect([...new Set(withScripts)].sort()).toEqual([...new Set(names)].sort());
    expect(Object.values(approved).every((allowed) => allowed === true)).toBe(true);
  });
});
