// The checks by id, and what they return: typed evidence, a failure with its reason, or a skip.
import { z } from 'zod';
import { JsonNumber } from './json-number.ts';
import type { AzureActivityData, AzureMetricsData, AzureResourceData } from './azure-evidence.ts';
import type { ClientsData, DeletionData, FieldTtlData, InfoData, MemoryData, PresenceData, RatesData, ReplicationData, RestartData, TtlSampleData } from './evidence.ts';
import type { Query } from './query.ts';
import type { RecordData } from './record.ts';

export const REDIS_CHECK_IDS = [
  'info',
  'keyspace.presence',
  'keyspace.ttl-sample',
  'keyspace.field-ttl',
  'clients',
  'memory',
  'commands.deletion',
  'replication',
  'persistence.restart',
  'rates',
] as const;
export const AZURE_CHECK_IDS = ['azure.resource', 'azure.metrics', 'azure.activity-log'] as const;
/** The check that reads keyloss's own record of the cache (keyloss record), when a state Redis is configured. */
export const RECORD_CHECK_IDS = ['record'] as const;
export const CHECK_IDS = [...REDIS_CHECK_IDS, ...AZURE_CHECK_IDS, ...RECORD_CHECK_IDS] as const;
export type CheckId = (typeof CHECK_IDS)[number];
export const CheckIdSchema = z.enum(CHECK_IDS);

/** Each check as a sentence names it ("the TTL sample"): people read these, not the ids. */
export const CHECK_NAMES: Record<CheckId, string> = {
  info: 'server information',
  'keyspace.presence': 'key presence',
  'keyspace.ttl-sample': 'TTL sample',
  'keyspace.field-ttl': 'hash-field TTL sample',
  clients: 'client list',
  memory: 'memory',
  'commands.deletion': 'deleting commands',
  replication: 'replication',
  'persistence.restart': 'restart and persistence',
  rates: 'removal rates',
  'azure.resource': 'Azure settings',
  'azure.metrics': 'Azure Monitor metrics',
  'azure.activity-log': 'Azure activity log',
  record: 'keyloss record',
};

export function isCheckId(value: string): value is CheckId {
  return (CHECK_IDS as readonly string[]).includes(value);
}

export interface CheckData {
  info: InfoData;
  'keyspace.presence': PresenceData;
  'keyspace.ttl-sample': TtlSampleData;
  'keyspace.field-ttl': FieldTtlData;
  clients: ClientsData;
  memory: MemoryData;
  'commands.deletion': DeletionData;
  replication: ReplicationData;
  'persistence.restart': RestartData;
  rates: RatesData;
  'azure.resource': AzureResourceData;
  'azure.metrics': AzureMetricsData;
  'azure.activity-log': AzureActivityData;
  record: RecordData;
}

export type CheckResult<K extends CheckId = CheckId> =
  | { id: K; status: 'ok'; ms: number; data: CheckData[K] }
  | { id: K; status: 'failed'; ms: number; error: string }
  | { id: K; status: 'skipped'; ms: number; reason: string };

/** Everything the checks found, keyed by check id; what the diagnosis reads. */
export type CheckResults = { [K in CheckId]?: CheckResult<K> };

export interface Evidence {
  query: Query;
  now: Date;
  results: CheckResults;
}

/** Reported to surfaces while checks run (the Slack progress message, the terminal). */
export interface CheckProgress {
  id: CheckId;
  title: string;
  status: 'running' | 'ok' | 'failed' | 'skipped';
  ms?: number;
  /** The failure or skip reason. */
  detail?: string;
}

export const CheckProgressSchema: z.ZodType<CheckProgress> = z.object({
  id: CheckIdSchema,
  title: z.string(),
  status: z.enum(['running', 'ok', 'failed', 'skipped']),
  ms: JsonNumber.optional(),
  detail: z.string().optional(),
});
