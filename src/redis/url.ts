// Parses redis:// and rediss:// URLs into an endpoint, registering credentials as secrets the moment they are read.
import { registerSecret } from '../redact.ts';

export interface RedisEndpoint {
  host: string;
  port: number;
  tls: boolean;
  /** The db in the URL path; 0 when absent. */
  db: number;
  username: string | null;
  password: string | null;
}

export type ParsedUrl = { ok: true; endpoint: RedisEndpoint } | { ok: false; reason: string };

const DEFAULT_PORT = { redis: 6379, rediss: 6380 } as const;

// Azure access keys and Entra tokens used as user names are long base64-like strings; ordinary user names are not.
const KEY_LIKE = /^[A-Za-z0-9+/=_-]{24,}$/;

/**
 * A target as Azure users hold them: a redis:// or rediss:// URL (its password URL-encoded or raw, with / + = @ :
 * unencoded), or the StackExchange.Redis connection string the portal shows (host:port,password=…,ssl=True,…).
 * Secrets are registered before anything else is done with the text; no reason ever repeats it.
 */
export function parseRedisUrl(text: string): ParsedUrl {
  const input = text.trim();
  if (isBareAddress(input)) return parseRedisUrl(`${bareAddressScheme(input)}://${input}`);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(input) && CONNECTION_STRING.test(input)) return parseConnectionString(input);
  const url = withEncodedCredentials(input);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The text may hold a password we could not parse out: register nothing, echo nothing (but the port, a number).
    const port = /^rediss?:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/@]*):(\d+)(?:\/|$)/i.exec(url.trim())?.[1];
    if (port !== undefined && Number(port) > 65535) return { ok: false, reason: `port ${port} is not a port number; ports go from 1 to 65535` };
    return { ok: false, reason: 'not a URL; expected redis://[user:pass@]host:port[/db], rediss://… or host:port' };
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme !== 'redis' && scheme !== 'rediss') {
    return { ok: false, reason: `unsupported scheme "${scheme}:"; expected redis:// or rediss://` };
  }
  const password = parsed.password ? safeDecode(parsed.password) : null;
  const username = parsed.username ? safeDecode(parsed.username) : null;
  if (password) {
    registerSecret(password);
    registerSecret(parsed.password);
  }
  if (username && KEY_LIKE.test(username)) {
    registerSecret(username);
    registerSecret(parsed.username);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) return { ok: false, reason: 'the URL names no host' };
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORT[scheme];
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, reason: `port "${parsed.port}" is not a port number` };
  const path = parsed.pathname.replace(/^\//, '');
  let db = 0;
  if (path !== '') {
    if (!/^\d+$/.test(path)) return { ok: false, reason: `"/${path}" is not a database number` };
    db = Number(path);
  }
  return { ok: true, endpoint: { host, port, tls: scheme === 'rediss', db, username, password } };
}

// `host:port[/db]` or `[v6]:port[/db]`, as redis-cli, logs and dashboards name a cache; a URL without its scheme.
const BARE_ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):\d+(?:\/\d+)?$/;

// Azure's endpoints that speak only TLS except on 6379 (off by default): 6380 on Azure Cache for Redis, 10000 on
// Enterprise and Azure Managed Redis, in the public and sovereign clouds.
const AZURE_TLS_HOST = /\.(?:redis\.cache\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)|redisenterprise\.cache\.azure\.net|redis\.azure\.net)$/i;

/** `127.0.0.1:7412`, `localhost:7412/2`, `[::1]:7000`: an address with a port and no scheme, read as redis:// (rediss:// for Azure's TLS ports). */
export function isBareAddress(text: string): boolean {
  return BARE_ADDRESS.test(text.trim());
}

function bareAddressScheme(address: string): 'redis' | 'rediss' {
  const { host, port } = parseAddress(address.replace(/\/\d+$/, ''));
  return AZURE_TLS_HOST.test(host) && port !== 6379 ? 'rediss' : 'redis';
}

// `host[:port],key=value,…`: StackExchange.Redis's configuration string.
const CONNECTION_STRING = /^[^\s,=]+(:\d+)?(,\s*[A-Za-z]+\s*=[^,]*)+,?$/;

function parseConnectionString(text: string): ParsedUrl {
  const [first = '', ...parts] = text.split(',');
  const options = new Map<string, string>();
  for (const part of parts) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    // The value is everything after the first "=": base64 keys end in "=".
    options.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const password = options.get('password') || null;
  registerSecret(password);
  const user = options.get('user') || null;
  if (user && KEY_LIKE.test(user)) registerSecret(user);
  const tls = /^true$/i.test(options.get('ssl') ?? '');
  const hostPort = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(first.trim());
  const host = hostPort?.[1] ?? '';
  if (!host) return { ok: false, reason: 'the connection string names no host (expected host:port,password=…,ssl=True)' };
  const port = hostPort?.[2] ? Number(hostPort[2]) : tls ? DEFAULT_PORT.rediss : DEFAULT_PORT.redis;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, reason: 'the connection string\'s port is not a port number' };
  const database = options.get('defaultdatabase');
  if (database !== undefined && !/^\d+$/.test(database)) return { ok: false, reason: 'defaultDatabase is not a database number' };
  return { ok: true, endpoint: { host, port, tls, db: database ? Number(database) : 0, username: user, password } };
}

/**
 * A URL whose credentials are raw (an Azure access key pasted as is: / + = and even @ or :) gets them encoded, so
 * that the URL parser sees one user info up to the last "@". The raw password is registered first, whatever follows.
 */
function withEncodedCredentials(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)(.*)@([^@]*)$/is.exec(url);
  if (!match) return url;
  const [, scheme = '', userinfo = '', rest = ''] = match;
  const colon = userinfo.indexOf(':');
  const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
  const password = colon < 0 ? '' : userinfo.slice(colon + 1);
  registerSecret(password);
  // Already encoded (nothing a URL parser would stop at): left as it is, and decoded as before.
  if (!/[/?#@:\s]/.test(password) && !/[/?#@\s]/.test(user) && !/%(?![0-9a-f]{2})/i.test(userinfo)) return url;
  const encode = (part: string) => encodeURIComponent(part);
  return `${scheme}${encode(user)}${colon < 0 ? '' : `:${encode(password)}`}@${rest}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `host:port`, with IPv6 hosts in brackets; how every message names a node. */
export function describeEndpoint(endpoint: { host: string; port: number }): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

/** Splits `host:port` (or `[v6]:port`) back into its parts. */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^\[?(.*?)\]?:(\d+)$/.exec(address);
  if (!match) throw new Error(`"${address}" is not host:port`);
  return { host: match[1] ?? '', port: Number(match[2]) };
}

/** The local Redis, diagnosed when neither a URL nor REDIS_URL names another. */
export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

