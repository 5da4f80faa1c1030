// Reads the cache's activity log for the window: flushes, reboots, imports, scaling and health events, with caller and time.
import { z } from 'zod';
import type { ActivityEvent, ActivityKind } from '../domain/azure-evidence.ts';
import type { AzureContext } from './types.ts';
import type { CacheResourceId } from './resource-id.ts';
import { createMonitorClient } from './clients.ts';
import { shapeProblem } from './errors.ts';

/** A busy cache can log many writes; the diagnosis needs the notable ones, not an archive. */
export const MAX_ACTIVITY_EVENTS = 500;

/** The $filter the activity log API allows for one resource in a time range (no other syntax is accepted). */
export function activityFilter(resourceId: string, from: Date, to: Date): string {
  return `eventTimestamp ge '${from.toISOString()}' and eventTimestamp le '${to.toISOString()}' and resourceUri eq '${resourceId}'`;
}

const SELECT = 'eventTimestamp,operationName,caller,status,category,correlationId,resourceId';

export async function readActivity(
  azure: AzureContext,
  resource: CacheResourceId,
  window: { from: Date; to: Date },
  signal: AbortSignal,
): Promise<ActivityEvent[]> {
  const client = await createMonitorClient(azure, resource.subscriptionId);
  const raw: unknown[] = [];
  for await (const event of client.activityLogs.list(activityFilter(resource.id, window.from, window.to), {
    select: SELECT,
    abortSignal: signal,
  })) {
    raw.push(event);
    if (raw.length >= MAX_ACTIVITY_EVENTS) break;
  }
  return activityEvents(raw);
}

const Localizable = z.object({ value: z.string().nullish(), localizedValue: z.string().nullish() }).nullish();
const EventSchema = z.object({
  operationName: Localizable,
  eventTimestamp: z.date({ error: 'invalid timestamp' }),
  caller: z.string().nullish(),
  status: Localizable,
  category: Localizable,
  correlationId: z.string().nullish(),
});

// Started/Accepted come first and are superseded by the outcome of the same operation.
const FINAL_STATUS = new Set(['succeeded', 'failed', 'canceled', 'resolved']);

/** Pure: the SDK's EventData as notable events, one per operation, oldest first; routine reads (listKeys, …) left out. */
export function activityEvents(raw: unknown[]): ActivityEvent[] {
  const parsed = z.array(EventSchema).safeParse(raw);
  if (!parsed.success) throw shapeProblem('the activity log query', parsed.error);
  const byOperation = new Map<string, ActivityEvent>();
  for (const e of parsed.data) {
    const operation = e.operationName?.value ?? '';
    const kind = classifyOperation(operation, e.category?.value ?? null);
    if (kind === 'other') continue;
    const at = e.eventTimestamp.toISOString();
    const status = e.status?.value ?? null;
    const key = `${e.correlationId ?? at}|${operation.toLowerCase()}`;
    const prior = byOperation.get(key);
    if (!prior) {
      byOperation.set(key, { operation, kind, at, caller: e.caller ?? null, status });
      continue;
    }
    const final = status && FINAL_STATUS.has(status.toLowerCase());
    byOperation.set(key, {
      ...prior,
      // biome-ignore lint/complexity/useMathMinMax: ISO strings, not numbers: the earlier one sorts first
      at: at < prior.at ? at : prior.at,
      caller: prior.caller ?? e.caller ?? null,
      status: final || !prior.status ? status : prior.status,
    });
  }
  return [...byOperation.values()].sort((a, b) => a.at.localeCompare(b.at));
}

export function classifyOperation(operation: string, category: string | null): ActivityKind {
  const op = operation.toLowerCase();
  if (op.includes('healthevent') || /^(resourcehealth|servicehealth)$/i.test(category ?? '')) return 'health';
  if (!op.startsWith('microsoft.cache/')) return 'other';
  // Microsoft.Cache/redis/flush/action (the portal's "Flush data"); Azure Managed Redis flushes its geo-replicated
  // databases, which refuse FLUSHALL, through …/redisEnterprise/databases/flush/action.
  if (op.endsWith('/flush/action')) return 'flush';
  // Active geo-replication (Azure Managed Redis): ARM's operation names are the REST paths (Databases_ForceUnlink,
  // Databases_ForceLinkToReplicationGroup) as …/databases/<name>/action.
  if (op.endsWith('/forceunlink/action')) return 'force-unlink';
  if (op.endsWith('/forcelinktoreplicationgroup/action')) return 'force-link';
  if (op.endsWith('/forcereboot/action')) return 'reboot';
  if (op.endsWith('/import/action')) return 'import';
  if (op.endsWith('/export/action')) return 'export';
  if (op.endsWith('/stop/action')) return 'stop';
  if (op.endsWith('/start/action')) return 'start';
  if (op.endsWith('/delete')) return 'delete';
  // Scaling and settings changes on the cache itself, not on its firewall rules or patch schedules.
  if (/^microsoft\.cache\/(redis|redisenterprise)\/write$/.test(op) || /^microsoft\.cache\/redisenterprise\/databases\/write$/.test(op)) return 'write';
  return 'other';
}
