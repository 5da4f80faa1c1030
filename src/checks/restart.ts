// Restarts inside the window and whether the node came back with its data (persistence, keys loaded).
import type { Info } from '../domain/info.ts';
import { neededData } from './needs.ts';
import type { Check, CheckContext } from './types.ts';
import type { RestartNode } from '../domain/evidence.ts';

export const restartCheck: Check<'persistence.restart'> = {
  id: 'persistence.restart',
  title: 'Restarts and persistence',
  budgetMs: 5_000,
  needs: ['info'],
  async run(ctx) {
    const info = neededData(ctx, 'info');
    const nodes = await Promise.all(info.nodes.map(({ address, info: node }) => restartNode(ctx, address, node)));
    return { nodes };
  },
};

async function restartNode(ctx: CheckContext, address: string, info: Info): Promise<RestartNode> {
  // Missing or garbled (dropped by the parser), uptime is unknown: never a start "0 s ago".
  const uptimeSeconds = info.server.uptime_in_seconds !== undefined && info.server.uptime_in_seconds >= 0 ? info.server.uptime_in_seconds : null;
  // server_time_usec is the node's own clock: uptime measured against it does not depend on our clock's skew.
  const nodeNowMs = info.server.server_time_usec !== undefined ? info.server.server_time_usec / 1000 : ctx.now.getTime();
  const startedMs = uptimeSeconds === null ? null : nodeNowMs - uptimeSeconds * 1000;
  const aofEnabled = info.persistence.aof_enabled === 1;
  const lastSave = info.persistence.rdb_last_save_time;
  return {
    address,
    uptimeSeconds,
    startedAt: startedMs === null ? null : new Date(startedMs).toISOString(),
    restartedInWindow: startedMs === null ? null : startedMs > ctx.query.since.getTime(),
    rdbLastLoadKeysLoaded: info.persistence.rdb_last_load_keys_loaded ?? null,
    aofEnabled,
    persistenceOff: await persistenceOff(ctx, address, info, startedMs),
    rdbLastSaveAt: lastSave !== undefined && lastSave > 0 ? new Date(lastSave * 1000).toISOString() : null,
    loading: info.persistence.loading === 1,
  };
}

/**
 * True when neither RDB save points nor AOF are configured, false when either is, null when it cannot be told.
 * CONFIG GET settles it where allowed (Azure refuses CONFIG); otherwise INFO can only prove persistence is on.
 */
async function persistenceOff(ctx: CheckContext, address: string, info: Info, startedMs: number | null): Promise<boolean | null> {
  if (info.persistence.aof_enabled === 1) return false;
  try {
    const gateway = await ctx.redis.gateway(address);
    const reply = (await gateway.call('CONFIG', 'GET', 'save')) as string[];
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
