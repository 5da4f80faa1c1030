// Parses INFO text into typed sections; tolerant of missing fields (Azure Managed Redis, Redis Enterprise, old servers).
import { anyField, INFO_SECTIONS, type CommandStat, type Info, type InfoSection, type KeyspaceEntry } from '../domain/info.ts';


/** `a=1,b=x` → { a: '1', b: 'x' } */
function parsePairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

function toNumber(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

export function parseInfo(text: string): Info {
  const raw: Record<string, Record<string, string>> = {};
  const info: Info = {
    server: {},
    clients: {},
    memory: {},
    persistence: {},
    stats: {},
    replication: {},
    replicas: [],
    commandstats: {},
    errorstats: {},
    keyspace: [],
    cluster: {},
    other: {},
  };
  // Servers without section headers (very old ones, some proxies) still get their fields placed by name below.
  let current = 'unknown';
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) {
      current = line.slice(1).trim().toLowerCase();
      continue;
    }
    const at = line.indexOf(':');
    if (at <= 0) continue;
    const key = line.slice(0, at);
    const value = line.slice(at + 1).trim();

    if (key.startsWith('cmdstat_')) {
      const p = parsePairs(value);
      const stat: CommandStat = {
        calls: toNumber(p.calls) ?? 0,
        usec: toNumber(p.usec) ?? 0,
        usecPerCall: toNumber(p.usec_per_call) ?? 0,
      };
      const rejected = toNumber(p.rejected_calls);
      const failed = toNumber(p.failed_calls);
      if (rejected !== undefined) stat.rejectedCalls = rejected;
      if (failed !== undefined) stat.failedCalls = failed;
      info.commandstats[key.slice('cmdstat_'.length).toLowerCase()] = stat;
      continue;
    }
    if (key.startsWith('errorstat_')) {
      info.errorstats[key.slice('errorstat_'.length)] = { count: toNumber(parsePairs(value).count) ?? 0 };
      continue;
    }
    const db = /^db(\d+)$/.exec(key);
    if (db && value.includes('keys=')) {
      const p = parsePairs(value);
      const entry: KeyspaceEntry = {
        db: Number(db[1]),
        keys: toNumber(p.keys) ?? 0,
        expires: toNumber(p.expires) ?? 0,
        avgTtl: toNumber(p.avg_ttl) ?? 0,
      };
      const subexpiry = toNumber(p.subexpiry);
      if (subexpiry !== undefined) entry.subexpiry = subexpiry;
      info.keyspace.push(entry);
      continue;
    }
    if (/^slave\d+$/.test(key) && value.includes('ip=')) {
      const p = parsePairs(value);
      info.replicas.push({
        ip: p.ip ?? '',
        port: toNumber(p.port) ?? 0,
        state: p.state ?? 'unknown',
        offset: toNumber(p.offset) ?? 0,
        lag: toNumber(p.lag) ?? null,
      });
      continue;
    }
    const target = current in INFO_SECTIONS ? current : sectionOf(key) ?? current;
    raw[target] ??= {};
    raw[target][key] = value;
  }

  for (const [name, fields] of Object.entries(raw)) {
    if (name in INFO_SECTIONS) {
      const schema = INFO_SECTIONS[name as InfoSection];
      // A field the server formats unexpectedly is dropped rather than failing the whole INFO.
      const parsed = schema.safeParse(fields);
      const values = parsed.success ? parsed.data : schema.parse(dropInvalid(schema, fields));
      Object.assign(info[name as InfoSection], values);
    } else {
      info.other[name] = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, anyField.parse(v)]));
    }
  }
  info.keyspace.sort((a, b) => a.db - b.db);
  return info;
}

function dropInvalid(schema: (typeof INFO_SECTIONS)[InfoSection], fields: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (schema.safeParse({ [key]: value }).success) kept[key] = value;
  }
  return kept;
}

// For header-less INFO output: the section a well-known field belongs to.
function sectionOf(key: string): InfoSection | undefined {
  for (const [name, schema] of Object.entries(INFO_SECTIONS)) {
    if (key in schema.shape) return name as InfoSection;
  }
  return undefined;
}

const NEVER_PROMOTED_REPLID = '0'.repeat(40);

/** A primary whose replication id was shifted (REPLICAOF NO ONE, a failover) at `second_repl_offset`. */
export function wasPromoted(info: Info): boolean {
  const replid2 = info.replication.master_replid2;
  const second = info.replication.second_repl_offset;
  return replid2 !== undefined && replid2 !== NEVER_PROMOTED_REPLID && second !== undefined && second !== -1;
}

export function roleOf(info: Info): 'primary' | 'replica' | 'unknown' {
  const role = info.replication.role;
  if (role === 'master') return 'primary';
  if (role === 'slave' || role === 'replica') return 'replica';
  return 'unknown';
}
