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

export function parseRedisUrl(url: string): ParsedUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The text may hold a password we could not parse out: register nothing, echo nothing (but the port, a number).
    const port = /^rediss?:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/@]*):(\d+)(?:\/|$)/i.exec(url.trim())?.[1];
    if (port !== undefined && Number(port) > 65535) return { ok: false, reason: `port ${port} is not a port number; ports go from 1 to 65535` };
    return { ok: false, reason: 'not a URL; expected redis://[user:pass@]host:port[/db] or rediss://…' };
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

