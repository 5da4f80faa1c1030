// A caches file (keyloss.caches.yaml) in a temporary directory, for an app a test starts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes `yaml` as a caches file (none when null: the path then names a file that does not exist); `remove` deletes it. */
export function writeCachesFile(yaml: string | null): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'keyloss-caches-'));
  const path = join(dir, 'keyloss.caches.yaml');
  if (yaml !== null) writeFileSync(path, yaml);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
