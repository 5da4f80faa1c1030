// The state Redis is never a watched cache: keyloss would write its record into the cache it diagnoses. Same address,
// or the same server behind another name (the same run_id in INFO server), is refused before anything is recorded.
import type { Redis } from 'ioredis';
import { openGateway } from '../redis/connection.ts';
import { parseInfo } from '../redis/info.ts';
import { describeEndpoint, type RedisEndpoint } from '../redis/url.ts';

/** How long the run_id of a cache is waited for; a cache that does not answer is checked again by nothing (it is not recorded yet). */
const PROBE_MS = 3_000;

const sameAddress = (a: { host: string; port: number }, b: { host: string; port: number }): boolean => a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;

/** Why recording these caches into this state Redis is refused, or null when none of them is the state Redis. */
export async function stateAmongCaches(state: Redis, stateEndpoint: { host: string; port: number }, caches: ReadonlyArray<{ id: string; endpoint: RedisEndpoint }>): Promise<string | null> {
  for (const cache of caches) {
    if (sameAddress(cache.endpoint, stateEndpoint)) return refusal(cache.id, `the same address (${describeEndpoint(stateEndpoint)})`);
  }
  const stateRunId = parseInfo(await state.info('server')).server.run_id ?? null;
  if (stateRunId === null) return null;
  for (const cache of caches) {
    const opened = await openGateway(cache.endpoint, { connectTimeoutMs: PROBE_MS, commandTimeoutMs: PROBE_MS, connectionName: 'keyloss-record' });
    if (!opened.ok) continue;
    try {
      const runId = parseInfo(await opened.gateway.info('server')).server.run_id ?? null;
      if (runId === stateRunId) return refusal(cache.id, `the same server under another address (run_id ${runId.slice(0, 12)}…)`);
    } catch {
      // A cache that cannot answer INFO now is not the state Redis as far as can be told; the recorder retries it.
    } finally {
      opened.gateway.close();
    }
  }
  return null;
}

function refusal(cache: string, how: string): string {
  return `the state Redis is ${cache}, a cache it would record (${how}): keyloss would write its record into the cache it watches; use a Redis of its own for --state / STATE_REDIS_URL`;
}
