// Restarts inside the window and whether the node came back with its data (persistence, keys loaded).
import type { Info } from '../domain/info.ts';
import { neededData } from './needs.ts';
import type { Gateway } from '../redis/gateway.ts';
import type { Check, CheckContext } from './types.ts';
import type { RestartNode } from '../domain/evidence.ts';

export const restartCheck: Check<'persistence.restart'> = {
  id: 'persistence.restart',
  title: 'Restarts and persistence',
  budgetMs: 5_000,
  needs: ['info'],
  async run(ctx) {
    const info = neededData(ctx, 'info');
    const proxy = info.endpoint?.proxy === true;
    const nodes = await Promise.all(info.nodes.map(({ address, info: node }) => restartNode(ctx, address, node, () => ctx.redis.gateway(address), proxy)));
    return { nodes };
  },
};

/**
 * A node's start and persistence from its INFO; `gateway` reaches it for CONFIG GET save (refused on Azure). Behind a
 * proxy (`proxy`), the uptime is the proxy's: kept as such, and when a shard started is unknown.
 */
export async function restartNode(ctx: CheckContext, address: string, info: Info, gateway: () => Promise<Gateway>, proxy = false): Promise<RestartNode> {
  // Missing or garbled (dropped by the parser), uptime is unknown: never a start "0 s ago".
  const readUptime = info.server.uptime_in_seconds !== undefined && info.server.uptime_in_seconds >= 0 ? info.server.uptime_in_seconds : null;
  const uptimeSeconds = proxy ? null : readUptime;
  const within = uptimeSeconds === null ? null : startWindow(uptimeSeconds, info.server.server_time_usec, ctx.now.getTime());
  const since = ctx.query.since.getTime();
  const aofEnabled = info.persistence.aof_enabled === 1;
  const lastSave = info.persistence.rdb_last_save_time;
  return {
    address,
    uptimeSeconds,
    startedAt: within === null ? null : new Date(within.at).toISOString(),
    startedWithin: within === null ? null : { from: new Date(within.from).toISOString(), to: new Date(within.to).toISOString() },
    // null when the start is unknown, or when whole-second uptime cannot order it and `since`.
    restartedInWindow: within === null ? null : within.from > since ? true : within.to <= since ? false : null,
    rdbLastLoadKeysLoaded: info.persistence.rdb_last_load_keys_loaded ?? null,
    aofEnabled,
    persistenceOff: await persistenceOff(gateway, info, within?.at ?? null),
    rdbLastSaveAt: lastSave !== undefined && lastSave > 0 ? new Date(lastSave * 1000).toISOString() : null,
    loading: info.persistence.loading === 1,
    ...(proxy ? { proxyUptimeSeconds: readUptime } : {}),
  };
}

/**
 * When a node started, from its whole-second uptime: Redis and Valkey count `uptime_in_seconds` as the node's clock second
 * (server_time_usec truncated) minus the second it started, so with server_time_usec the start lies in one exact second.
 * Without it (before 6.2) our clock stands in, with a second either side.
 */
export function startWindow(uptimeSeconds: number, serverTimeUsec: number | undefined, nowMs: number): { at: number; from: number; to: number } {
  if (serverTimeUsec !== undefined) {
    const second = (Math.floor(serverTimeUsec / 1_000_000) - uptimeSeconds) * 1000;
    return { at: serverTimeUsec / 1000 - uptimeSeconds * 1000, from: second, to: second + 1000 };
  }
  const at = nowMs - uptimeSeconds * 1000;
  return { at, from: at - 1000, to: at + 1000 };
}

/**
 * True when neither RDB save points nor AOF are configured, false when either is, null when it cannot be told.
 * CONFIG GET settles it where allowed (Azure refuses CONFIG); otherwise INFO can only prove persistence is on.
 */
async function persistenceOff(gateway: () => Promise<Gateway>, info: Info, startedMs: number | null): Promise<boolean | null> {
  if (info.persistence.aof_enabled === 1) return false;
  try {
    const reply = (await (await gateway()).call('CONFIG', 'GET', 'save')) as string[];
    const savePoints = reply[1];
    if (savePoints !== undefined) return savePoints.trim() === '';
  } catch {
    // Refused (Azure blocks CONFIG) or failed: INFO is what is left, and it is no reason to fail the check.
  }
  const saves = info.persistence.rdb_saves;
  const lastSave = info.persistence.rdb_last_save_time;
  // A snapshot taken since the start proves RDB is on; the start itself sets rdb_last_save_time, so allow a minute.
  if ((saves !== undefined && saves > 0) || (lastSave !== undefined && startedMs !== null && lastSave * 1000 > startedMs + 60_000)) return false;
  return null;
}
