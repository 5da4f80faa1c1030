// Is the key (or pattern) there, and in which db: PTTL (Gateway.exists) or a bounded SCAN in the app's db and every db INFO lists.
import { describeError } from '../redact.ts';
import { CommandUnavailable } from '../redis/gateway.ts';
import { parseInfo } from '../redis/info.ts';
import type { KeyspaceEntry } from '../domain/info.ts';
import { databasesOf } from '../redis/databases.ts';
import { boundedScan } from '../redis/scan.ts';
import type { ClusterNode } from '../redis/topology.ts';
import { NodeUnreachable } from '../redis/target.ts';
import { keySlot, patternSlot } from '../redis/slot.ts';
import { literalKey } from '../domain/keys.ts';
import type { Check, CheckContext } from './types.ts';
import type { FieldPresence, KeyspaceLine, NearNameFinding, PresenceData, SampleEstimate, ShardPresence } from '../domain/evidence.ts';
import { nearName } from '../domain/near-names.ts';
import { estimateMatches } from './estimate.ts';
import { scanPacing } from './scan-pacing.ts';

/** At most this many dbs are searched: the application's, then those holding the most keys; the rest are reported. */
export const MAX_DBS_SEARCHED = 64;
/** A db other than the application's with at most this many keys (INFO keyspace) is counted whole, not stopped at its first match. */
export const COUNTED_WHOLE_KEYS = 10_000;
/** All scans of one search share this much time (paced scans are slow by design); each db gets its share of what is left. */
export const SEARCH_MS_BUDGET = 8_000;
/** Near names are looked for in a sample of this many names per db, in at most this many dbs (the app's first). */
export const NEAR_SAMPLE_KEYS = 2_000;
export const NEAR_MAX_DBS = 4;

interface DbOutcome {
  db: number;
  count: number;
  scannedKeys: number;
  complete: boolean;
  ms: number;
  sampleKeys: string[];
  refused: string | null;
  /** What each primary answered, for the per-shard view. */
  byNode: Array<{ address: string; matched: number; complete: boolean }>;
  stoppedAtMatch?: boolean;
  estimate?: SampleEstimate;
}

export const presenceCheck: Check<'keyspace.presence'> = {
  id: 'keyspace.presence',
  title: 'Key presence in every database',
  budgetMs: 20_000,
  needs: [],
  async run(ctx) {
    const { query } = ctx;
    const topology = await ctx.redis.nodes();
    const primaries: ClusterNode[] = topology.clusterEnabled
      ? topology.nodes.filter((node) => node.role === 'primary')
      : topology.nodes;
    const keyspaceByNode = await Promise.all(primaries.map((node) => readKeyspace(ctx, node.address)));
    const keyspace = sumKeyspace(keyspaceByNode.flatMap((entries) => entries ?? []));

    const dbsRefused: PresenceData['dbsRefused'] = [];
    let dbs = [...new Set([query.db, ...keyspace.map((line) => line.db)])].sort((a, b) => a - b);
    // Only db 0 here (a cluster, SELECT refused): the application's db must be 0, and no other db can hold the keys.
    const databases = await databasesOf(ctx.redis).catch(() => null);
    const oneDatabase = databases?.kind === 'one' ? databases.reason : null;
    if (oneDatabase !== null && query.db !== 0) throw new Error(`db ${query.db} cannot be searched: only db 0 can be read (${oneDatabase})`);
    if (topology.clusterEnabled) {
      for (const db of dbs.filter((db) => db !== 0)) dbsRefused.push({ db, reason: 'a cluster has only db 0' });
      dbs = [0];
    }

    if (dbs.length > MAX_DBS_SEARCHED) {
      const keysIn = (db: number) => keyspace.find((line) => line.db === db)?.keys ?? 0;
      const ranked = [query.db, ...dbs.filter((db) => db !== query.db).sort((a, b) => keysIn(b) - keysIn(a) || a - b)];
      const searched = new Set(ranked.slice(0, MAX_DBS_SEARCHED));
      for (const db of dbs.filter((db) => !searched.has(db))) {
        dbsRefused.push({ db, reason: `not searched: keyloss searches at most ${MAX_DBS_SEARCHED} dbs, the application's and those with the most keys` });
      }
      dbs = dbs.filter((db) => searched.has(db));
    }

    // One db after another, on each node's one db-walking connection: never a connection per db, never all at once.
    const outcomes: DbOutcome[] = [];
    const deadline = performance.now() + SEARCH_MS_BUDGET;
    for (const [i, db] of dbs.entries()) {
      ctx.signal?.throwIfAborted();
      // A db that finishes early leaves its share to the dbs after it.
      const share = Math.max(50, Math.min(ctx.options.scanMsBudget, (deadline - performance.now()) / (dbs.length - i)));
      outcomes.push(await (query.isPattern ? scanDb(ctx, primaries, db, keyspaceByNode, share) : existsInDb(ctx, db)));
    }
    for (const outcome of outcomes) if (outcome.refused !== null) dbsRefused.push({ db: outcome.db, reason: outcome.refused });
    const looked = outcomes.filter((outcome) => outcome.refused === null);
    const appDb = looked.find((outcome) => outcome.db === query.db);
    // The application's db could not be searched: "not found there" would be a claim nobody checked.
    if (appDb === undefined) {
      throw new Error(`db ${query.db} could not be searched: ${dbsRefused.find((entry) => entry.db === query.db)?.reason ?? 'it was not reached'}`);
    }
    const slot = query.isPattern ? patternSlot(query.key) : keySlot(literalKey(query.key));
    const shards: ShardPresence[] = primaries.map((node, i) => {
      const owns = !topology.clusterEnabled || slot === null || node.slots.some(([from, to]) => slot >= from && slot <= to);
      const answered = appDb?.byNode.find((entry) => entry.address === node.address);
      const lines = keyspaceByNode[i] ?? null;
      return {
        address: node.address,
        slots: node.slots,
        ownsKeys: owns,
        keySlot: owns && topology.clusterEnabled ? slot : null,
        keyspace: lines === null ? null : sumKeyspace(lines),
        matches: answered ? answered.matched : null,
        complete: answered?.complete ?? false,
      };
    });
    // Nothing anywhere: before any cause, the name itself may be off (ORDER:17 for order:17).
    const nothing = looked.length > 0 && looked.every((outcome) => outcome.count === 0);
    const near = nothing ? await nearNameIn(ctx, primaries, looked.map((o) => o.db), keyspaceByNode, deadline) : null;
    const exactThere = !query.isPattern && (appDb?.count ?? 0) > 0;
    const keyType = exactThere ? await typeOfKey(ctx) : null;
    const field = exactThere && query.field !== undefined ? await fieldPresence(ctx, query.field) : null;
    const pacers = await ctx.redis.pacersStarted();
    const pacing = [...pacers].map(([address, pacer]) => pacer.summary(address));
    return {
      pattern: query.key,
      isPattern: query.isPattern,
      db: query.db,
      present: (appDb?.count ?? 0) > 0,
      matches: looked
        .filter((outcome) => outcome.count > 0)
        .map(({ db, count, complete, estimate }) => ({ db, count, sampled: !complete, ...(estimate ? { estimate } : {}) })),
      dbsChecked: looked.map(({ db, scannedKeys, complete, ms, stoppedAtMatch, estimate }) => ({
        db,
        scannedKeys,
        complete,
        ms,
        ...(stoppedAtMatch ? { stoppedAtMatch } : {}),
        ...(estimate ? { estimate } : {}),
      })),
      dbsRefused: dbsRefused.sort((a, b) => a.db - b.db),
      keyspace,
      sampleKeys: appDb?.sampleKeys ?? [],
      shards,
      ...(pacing.length > 0 ? { pacing } : {}),
      ...(near ? { near } : {}),
      // Only when no other db shows keys: an ACL may keep SELECT from us while other users write elsewhere.
      ...(oneDatabase !== null && keyspace.every((line) => line.db === 0) ? { oneDatabase } : {}),
      ...(keyType ? { keyType } : {}),
      ...(field ? { field } : {}),
    };
  },
};

/** The type of the asked key, which exists (`hash`, `string`, …): whether a field of it can be asked; null when TYPE failed. */
async function typeOfKey(ctx: CheckContext): Promise<string | null> {
  const key = literalKey(ctx.query.key);
  try {
    return String(await (await ctx.redis.gateway(await ctx.redis.addressForKey(key), ctx.query.db)).call('TYPE', key));
  } catch {
    return null;
  }
}

/** Is the asked field in the asked key (which exists): HEXISTS, which every server version has. */
async function fieldPresence(ctx: CheckContext, name: string): Promise<FieldPresence> {
  const key = literalKey(ctx.query.key);
  const gateway = await ctx.redis.gateway(await ctx.redis.addressForKey(key), ctx.query.db);
  try {
    return { name, present: Number(await gateway.call('HEXISTS', key, name)) > 0 };
  } catch (error) {
    const reason = describeError(error);
    // The key holds a string, a list…: it has no fields, so the field cannot be in it.
    if (/WRONGTYPE/.test(reason)) return { name, present: false, notAHash: true };
    return { name, present: null, reason };
  }
}

async function readKeyspace(ctx: CheckContext, address: string): Promise<KeyspaceEntry[] | null> {
  try {
    return parseInfo(await (await ctx.redis.gateway(address)).info('keyspace')).keyspace;
  } catch {
    // An unreachable shard shows up as an incomplete scan below; its keyspace lines are simply missing.
    return null;
  }
}

function sumKeyspace(entries: KeyspaceEntry[]): KeyspaceLine[] {
  const byDb = new Map<number, { keys: number; expires: number; ttlWeighted: number; subexpiry?: number }>();
  for (const entry of entries) {
    const line = byDb.get(entry.db) ?? { keys: 0, expires: 0, ttlWeighted: 0 };
    line.keys += entry.keys;
    line.expires += entry.expires;
    line.ttlWeighted += entry.avgTtl * entry.expires;
    // Only servers that expire hash fields (Redis 7.4+) print subexpiry; elsewhere it stays absent, never 0.
    if (entry.subexpiry !== undefined) line.subexpiry = (line.subexpiry ?? 0) + entry.subexpiry;
    byDb.set(entry.db, line);
  }
  return [...byDb]
    .map(([db, line]) => ({
      db,
      keys: line.keys,
      expires: line.expires,
      avgTtlMs: line.expires > 0 ? Math.round(line.ttlWeighted / line.expires) : 0,
      ...(line.subexpiry !== undefined ? { subexpiry: line.subexpiry } : {}),
    }))
    .sort((a, b) => a.db - b.db);
}

function refusal(error: unknown): string | null {
  return error instanceof CommandUnavailable ? describeError(error) : null;
}

async function existsInDb(ctx: CheckContext, db: number): Promise<DbOutcome> {
  const started = performance.now();
  const key = literalKey(ctx.query.key);
  try {
    const address = await ctx.redis.addressForKey(key);
    const gateway = await ctx.redis.gateway(address, db);
    const count = (await gateway.exists(key)) ? 1 : 0;
    const sampleKeys = count > 0 && db === ctx.query.db ? [key] : [];
    const byNode = [{ address, matched: count, complete: true }];
    return { db, count, scannedKeys: 1, complete: true, ms: Math.round(performance.now() - started), sampleKeys, refused: null, byNode };
  } catch (error) {
    const refused = refusal(error);
    if (refused === null) throw error;
    return { db, count: 0, scannedKeys: 0, complete: false, ms: Math.round(performance.now() - started), sampleKeys: [], refused, byNode: [] };
  }
}

async function scanDb(ctx: CheckContext, primaries: ClusterNode[], db: number, keyspaceByNode: Array<KeyspaceEntry[] | null>, msBudget: number): Promise<DbOutcome> {
  const started = performance.now();
  const { options } = ctx;
  const appDb = db === ctx.query.db;
  const sampleLimit = appDb ? options.ttlSampleSize : 0;
  const perNode = await Promise.all(
    primaries.map(async (node, i) => {
      const lines = keyspaceByNode[i];
      const dbKeys = lines ? (lines.find((line) => line.db === db)?.keys ?? 0) : undefined;
      try {
        const gateway = await ctx.redis.gateway(node.address, db);
        const scan = await boundedScan(gateway, ctx.query.key, {
          pacing: await scanPacing(ctx, node.address),
          keyBudget: options.scanKeyBudget,
          msBudget,
          signal: ctx.signal,
          sampleLimit,
          // In another db a match is a match: once one is found, the wrong-database question is answered. A small db
          // is counted whole all the same: that costs a few ms of server time, paced like any scan.
          ...(appDb || (dbKeys !== undefined && dbKeys <= COUNTED_WHOLE_KEYS) ? {} : { stopAfterMatches: 1 }),
          ...(dbKeys !== undefined ? { dbKeys } : {}),
        });
        return { ...scan, dbKeys, refused: null as string | null };
      } catch (error) {
        // One shard down in a cluster: count what the others hold and say the count is incomplete.
        if (error instanceof NodeUnreachable && primaries.length > 1) {
          return { matched: 0, visited: 0, complete: false, ms: 0, sample: [], dbKeys: undefined, refused: null };
        }
        const refused = refusal(error);
        if (refused === null) throw error;
        return { matched: 0, visited: 0, complete: false, ms: 0, sample: [], dbKeys: undefined, refused };
      }
    }),
  );
  const refused = perNode.find((scan) => scan.refused !== null)?.refused ?? null;
  const count = perNode.reduce((sum, scan) => sum + scan.matched, 0);
  const scannedKeys = perNode.reduce((sum, scan) => sum + scan.visited, 0);
  const complete = perNode.every((scan) => scan.complete);
  const stoppedAtMatch = !appDb && !complete && count > 0;
  // An estimate needs every node's db size, and a scan that stopped for its budget (stopping at a match would bias it).
  const sizes = perNode.map((scan) => scan.dbKeys);
  const dbKeys = sizes.every((size) => size !== undefined) ? sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0) : undefined;
  const estimate = !complete && !stoppedAtMatch && dbKeys !== undefined ? estimateMatches(count, scannedKeys, dbKeys) : undefined;
  return {
    db,
    count,
    scannedKeys,
    complete,
    ms: Math.round(performance.now() - started),
    sampleKeys: perNode.flatMap((scan) => scan.sample).slice(0, sampleLimit),
    refused,
    byNode: perNode.map((scan, i) => ({ address: primaries[i]?.address ?? '', matched: scan.matched, complete: scan.complete })),
    stoppedAtMatch,
    ...(estimate ? { estimate } : {}),
  };
}

/**
 * A near name when nothing matched: a bounded sample of names (SCAN with no pattern, at most NEAR_SAMPLE_KEYS per db,
 * the app's db and then those with the most keys), then a bounded count of the near pattern where it was seen.
 */
async function nearNameIn(
  ctx: CheckContext,
  primaries: ClusterNode[],
  searched: number[],
  keyspaceByNode: Array<KeyspaceEntry[] | null>,
  deadline: number,
): Promise<NearNameFinding | null> {
  const { query, options } = ctx;
  const keysIn = (db: number, i: number) => keyspaceByNode[i]?.find((line) => line.db === db)?.keys;
  const total = (db: number) => primaries.reduce((sum, _, i) => sum + (keysIn(db, i) ?? 0), 0);
  const dbs = searched.filter((db) => total(db) > 0).sort((a, b) => Number(b === query.db) - Number(a === query.db) || total(b) - total(a)).slice(0, NEAR_MAX_DBS);
  const msLeft = () => Math.max(100, Math.min(ctx.options.scanMsBudget, deadline - performance.now()));
  const scanAll = async (db: number, match: string, bounds: { keyBudget: number; sampleLimit?: number }) =>
    Promise.all(
      primaries.map(async (node, i) => {
        const dbKeys = keysIn(db, i);
        return boundedScan(await ctx.redis.gateway(node.address, db), match, {
          pacing: await scanPacing(ctx, node.address),
          msBudget: msLeft() / 2,
          signal: ctx.signal,
          ...bounds,
          ...(dbKeys !== undefined ? { dbKeys } : {}),
        });
      }),
    );
  for (const db of dbs) {
    ctx.signal?.throwIfAborted();
    try {
      const sampled = await scanAll(db, '*', { keyBudget: NEAR_SAMPLE_KEYS, sampleLimit: NEAR_SAMPLE_KEYS });
      const candidate = nearName(query.key, query.isPattern, sampled.flatMap((scan) => scan.sample));
      if (!candidate) continue;
      const finding: NearNameFinding = { name: candidate.name, isPattern: candidate.isPattern, differs: candidate.differs, db, count: 1, sampled: false };
      if (candidate.isPattern) {
        const counted = await scanAll(db, candidate.name, { keyBudget: options.scanKeyBudget });
        finding.count = counted.reduce((sum, scan) => sum + scan.matched, 0);
        finding.sampled = !counted.every((scan) => scan.complete);
        const visited = counted.reduce((sum, scan) => sum + scan.visited, 0);
        if (finding.sampled && total(db) > 0) finding.estimate = estimateMatches(finding.count, visited, total(db));
      }
      if (candidate.key !== undefined) {
        const gateway = await ctx.redis.gateway(await ctx.redis.addressForKey(candidate.key), db);
        finding.key = candidate.key;
        finding.keyExists = await gateway.exists(candidate.key);
      }
      return finding;
    } catch (error) {
      // A near name is a hint: a db that cannot be read leaves it out, never the presence check.
      if (refusal(error) === null && !(error instanceof NodeUnreachable)) throw error;
    }
  }
  return null;
}
