// Which cluster nodes keyloss follows: only the cache's own host, or hosts the caches file lists for it (pure).
import { isIP } from 'node:net';

/** What a CLUSTER NODES reply may lead keyloss to: the seed as the user named it, and hosts the operator vouched for. */
export interface TrustPolicy {
  /** The host the user gave (URL, caches file). */
  seedHost: string;
  /** The addresses the seed host resolved to (the seed host itself when it is an IP). */
  seedAddresses: readonly string[];
  /** The caches file's `cluster.hosts` for this cache: names, IPs, or `*.suffix` patterns. */
  clusterHosts: readonly string[];
}

export const NOT_THE_CACHES_HOST = "not followed: not the cache's host";
export const NEVER_FOLLOWED = 'not followed: a link-local or metadata address';

/** At most this many primaries are followed, each with at most MAX_REPLICAS_PER_PRIMARY replicas. */
export const MAX_PRIMARIES = 64;
export const MAX_REPLICAS_PER_PRIMARY = 4;

// Cloud metadata services answer on link-local addresses and on these names; nothing keyloss does goes there.
const METADATA_NAMES = /^(metadata|metadata\.google\.internal|metadata\.azure\.internal|instance-data(\.ec2\.internal)?|metadata\.packet\.net)\.?$/i;

/** An address no announcement, and no caches file, can make keyloss dial. */
export function isNeverFollowed(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (METADATA_NAMES.test(h)) return true;
  const kind = isIP(h);
  if (kind === 4) {
    const [a, b] = h.split('.').map(Number);
    return a === 169 && b === 254 || a === 0 || h === '255.255.255.255';
  }
  if (kind === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (mapped) return isNeverFollowed(mapped[1] ?? '');
    return /^fe[89ab]/.test(h) || h === '::' || /^fd00:ec2::254$/.test(h);
  }
  return false;
}

function matchesHost(host: string, pattern: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return h === p;
}

/** Why `host` may not be followed, or null when it may: the seed's name or address, or a host listed for the cache. */
export function refusal(host: string, policy: TrustPolicy): string | null {
  if (host === '' || isNeverFollowed(host)) return NEVER_FOLLOWED;
  if (matchesHost(host, policy.seedHost)) return null;
  if (isIP(host) && policy.seedAddresses.includes(host)) return null;
  if (policy.clusterHosts.some((pattern) => matchesHost(host, pattern))) return null;
  return NOT_THE_CACHES_HOST;
}
