// The redis-server binaries the tests can start: this machine's (Debian bookworm: 7.0.15), and the newer ones
// `.ci/servers` installs (Valkey 8.0.1 from bookworm-backports; Redis 8.0.2 built into a cache folder).
// A test that needs one it cannot find fails with the reason and the command that installs it; it does not skip.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

export type ServerKind = 'redis' | 'redis-8' | 'valkey-8';

const cache = process.env.KEYLOSS_SERVERS ?? '/var/cache/keyloss-servers';

const binaries: Record<ServerKind, { path: string; version: RegExp }> = {
  redis: { path: 'redis-server', version: /^Redis server v=/ },
  'redis-8': { path: join(cache, 'redis-8.0.2', 'bin', 'redis-server'), version: /^Redis server v=8\./ },
  'valkey-8': { path: 'valkey-server', version: /^Valkey server v=8\./ },
};

const checked = new Map<ServerKind, string>();

/** The binary for `kind`, checked once by asking it its version; throws a sentence that says how to get it. */
export function serverBinary(kind: ServerKind): string {
  const known = checked.get(kind);
  if (known) return known;
  const { path, version } = binaries[kind];
  let said: string;
  try {
    if (path.includes('/')) accessSync(path, constants.X_OK);
    said = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch (error) {
    throw new Error(`${kind} is not installed here (${path}: ${(error as Error).message.split('\n')[0]}); run \`bash .ci/servers\` once`);
  }
  if (!version.test(said)) throw new Error(`${path} is not ${kind}: it says "${said}"; run \`bash .ci/servers\` once`);
  checked.set(kind, path);
  return path;
}
