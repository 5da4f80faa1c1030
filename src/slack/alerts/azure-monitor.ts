// Azure Monitor's common alert schema, read once through zod into the few facts keyloss acts on. Every signal the
// schema carries is read: metric (static, dynamic), log search V1 (SearchIntervalStartTimeUtc) and V2
// (LogQueryCriteria), activity log (Administrative, Resource Health, Service Health) and the rest (cost, smart
// detection), whose essentials alone say what happened. Only the essentials Azure always sends are required; a context
// field of a shape keyloss does not expect is read as absent, never a refusal of Microsoft's own body.
// https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema
import { z } from 'zod';

/** Log search V1 writes its interval as `3/22/2019 1:36:31 PM` (UTC, by the field's name) as well as ISO 8601. */
const US_DATE_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) ?([AP]M)$/i;

/** An ISO time, or log search V1's US form read as UTC; null when it is neither. */
export function alertTime(text: string): string | null {
  const us = US_DATE_TIME.exec(text.trim());
  if (us) {
    const [, month, day, year, hour, minute, second, half] = us;
    const h = (Number(hour) % 12) + (half!.toUpperCase() === 'PM' ? 12 : 0);
    const ms = Date.UTC(Number(year), Number(month) - 1, Number(day), h, Number(minute), Number(second));
    return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  }
  // Without a zone JavaScript reads local time: Azure's times carry Z or an offset.
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim())) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

const isoTime = z
  .string()
  .max(64)
  .refine((v) => alertTime(v) !== null, 'is not a date and time with a zone')
  .transform((v) => alertTime(v)!);

/** A context field: its value when it has this shape, else null (never a refusal). */
const lenient = <T extends z.ZodType>(schema: T) => schema.nullish().catch(null);
const text = (max: number) => lenient(z.string().max(max));
const time = lenient(isoTime);
const number = lenient(z.union([z.number(), z.string().max(64)]));

/** One condition of a metric alert (metricName) or a log search V2 alert (searchQuery); unknown fields are ignored. */
const Criterion = z.object({
  metricName: text(256),
  searchQuery: text(4000),
  operator: text(64),
  // Azure sends the threshold as a string for static criteria, as a number in some payloads.
  threshold: number,
  metricValue: number,
  dimensions: lenient(z.array(z.object({ name: z.string().max(256), value: z.unknown() })).max(50)),
});

const ActivityProperties = z.object({
  title: text(1000),
  currentHealthStatus: text(64),
  previousHealthStatus: text(64),
  cause: text(128),
  type: text(128),
  stage: text(64),
  service: text(256),
  region: text(256),
  incidentType: text(64),
  trackingId: text(128),
  impactStartTime: time,
});

const AlertContext = z.object({
  condition: lenient(
    z.object({
      windowStartTime: time,
      windowEndTime: time,
      allOf: lenient(z.array(lenient(Criterion)).max(50)),
    }),
  ),
  // Log search V1.
  SearchQuery: text(4000),
  SearchIntervalStartTimeUtc: time,
  SearchIntervalEndtimeUtc: time,
  Operator: text(64),
  Threshold: number,
  ResultCount: number,
  // Activity log (Administrative, Resource Health, Service Health …).
  eventSource: lenient(z.union([z.string().max(128), z.number()])),
  eventTimestamp: time,
  operationName: text(512),
  status: text(64),
  caller: text(256),
  properties: lenient(ActivityProperties),
});

export const CommonAlert = z.object({
  schemaId: z.literal('azureMonitorCommonAlertSchema', { error: 'schemaId is not azureMonitorCommonAlertSchema: turn on "Enable the common alert schema" in the action group' }),
  data: z.object({
    essentials: z.object({
      alertId: z.string().min(1).max(512),
      // Cost alerts send null for the rule, severity, condition and targets.
      alertRule: z.string().max(512).nullish(),
      severity: z.string().max(16).nullish(),
      monitorCondition: z.enum(['Fired', 'Resolved']).nullish(),
      monitoringService: z.string().max(128).nullish(),
      alertTargetIDs: z.array(z.string().max(1024)).max(50).nullish(),
      firedDateTime: isoTime,
      resolvedDateTime: isoTime.nullish(),
      signalType: z.string().max(64).nullish(),
      description: z.string().max(4000).nullish(),
    }),
    alertContext: AlertContext.nullish().catch(null),
  }),
});

export type AlertSignal = 'metric' | 'log' | 'activity log' | 'resource health' | 'service health' | 'other';

export interface AlertCondition {
  metric: string;
  /** `GreaterThan 90`, `LessThan 1000`. */
  rule: string | null;
  value: number | null;
}

/** What an activity-log alert reports: the event, not a measurement. */
export interface AlertEvent {
  at: string | null;
  operation: string | null;
  status: string | null;
  title: string | null;
  /** Resource Health: the status now and before. */
  health: { current: string; previous: string | null } | null;
  cause: string | null;
  /** Service Health: the service, region, incident type, stage, tracking id. */
  service: { name: string | null; region: string | null; incidentType: string | null; stage: string | null; trackingId: string | null } | null;
}

export interface AzureMonitorAlert {
  id: string;
  /** The rule's name; the monitoring service's when the alert has none (cost alerts). */
  rule: string;
  severity: string;
  condition: 'Fired' | 'Resolved';
  service: string | null;
  signal: AlertSignal;
  /** alertTargetIDs, then any resource id among the dimensions (multi-resource metric, log search rules). */
  targets: string[];
  firedAt: string;
  resolvedAt: string | null;
  /** The alert's evaluation window: metric and log V2 windowStartTime, log V1 SearchIntervalStartTimeUtc. */
  window: { from: string; to: string | null } | null;
  conditions: AlertCondition[];
  event: AlertEvent | null;
  /** Set when the alert reports a recovery (health Available again, an event Resolved): said, never investigated. */
  recovery: string | null;
  description: string | null;
}

export type ParsedAlert = { ok: true; alert: AzureMonitorAlert } | { ok: false; reason: string };

type Context = z.output<typeof AlertContext>;

function numeric(v: number | string | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

function ruleText(operator: string | null | undefined, threshold: number | string | null | undefined): string | null {
  return operator && threshold !== null && threshold !== undefined ? `${operator} ${threshold}` : null;
}

function signalOf(signalType: string | null | undefined, service: string | null | undefined, context: Context | null): AlertSignal {
  const kind = (signalType ?? '').toLowerCase();
  const where = `${service ?? ''} ${typeof context?.eventSource === 'string' ? context.eventSource : ''}`.toLowerCase().replace(/\s+/g, '');
  if (kind === 'metric') return 'metric';
  if (kind === 'log') return 'log';
  if (where.includes('resourcehealth')) return 'resource health';
  if (where.includes('servicehealth')) return 'service health';
  if (kind === 'activity log') return 'activity log';
  return 'other';
}

function conditionsOf(context: Context | null): AlertCondition[] {
  const criteria = context?.condition?.allOf ?? [];
  const fromCriteria = criteria.flatMap((c): AlertCondition[] => {
    if (!c) return [];
    const metric = c.metricName ?? (c.searchQuery ? `log query ${c.searchQuery.length > 120 ? `${c.searchQuery.slice(0, 119)}…` : c.searchQuery}` : null);
    return metric ? [{ metric, rule: ruleText(c.operator, c.threshold), value: numeric(c.metricValue) }] : [];
  });
  if (fromCriteria.length > 0 || !context?.SearchQuery) return fromCriteria;
  const query = context.SearchQuery.length > 120 ? `${context.SearchQuery.slice(0, 119)}…` : context.SearchQuery;
  return [{ metric: `log query ${query}`, rule: ruleText(context.Operator, context.Threshold), value: numeric(context.ResultCount) }];
}

function windowOf(context: Context | null): AzureMonitorAlert['window'] {
  const condition = context?.condition;
  if (condition?.windowStartTime) return { from: condition.windowStartTime, to: condition.windowEndTime ?? null };
  if (context?.SearchIntervalStartTimeUtc) return { from: context.SearchIntervalStartTimeUtc, to: context.SearchIntervalEndtimeUtc ?? null };
  return null;
}

function eventOf(signal: AlertSignal, context: Context | null): AlertEvent | null {
  if (!context || !['activity log', 'resource health', 'service health'].includes(signal)) return null;
  const p = context.properties;
  return {
    at: context.eventTimestamp ?? p?.impactStartTime ?? null,
    operation: context.operationName ?? null,
    status: context.status ?? null,
    title: p?.title ?? null,
    health: p?.currentHealthStatus ? { current: p.currentHealthStatus, previous: p.previousHealthStatus ?? null } : null,
    cause: p?.cause ?? null,
    service:
      signal === 'service health'
        ? { name: p?.service ?? null, region: p?.region ?? null, incidentType: p?.incidentType ?? null, stage: p?.stage ?? null, trackingId: p?.trackingId ?? null }
        : null,
  };
}

/** A recovery the event reports, in words; null when it reports trouble. */
function recoveryOf(event: AlertEvent | null): string | null {
  if (!event) return null;
  if (event.health && /^available$/i.test(event.health.current)) {
    return `health Available again${event.health.previous ? ` (was ${event.health.previous})` : ''}`;
  }
  if (event.service?.stage && /^(resolved|complete|completed|rca)$/i.test(event.service.stage)) return `stage ${event.service.stage}`;
  if (event.status && /^resolved$/i.test(event.status)) return 'status Resolved';
  return null;
}

/** Resource ids among the criteria's dimensions (`ResourceId`, `_ResourceId`), which name the resource of a multi-resource rule. */
function dimensionTargets(context: Context | null): string[] {
  return (context?.condition?.allOf ?? []).flatMap((c) =>
    (c?.dimensions ?? []).flatMap((d) => (typeof d.value === 'string' && /^\/subscriptions\//i.test(d.value) && /resourceid/i.test(d.name) ? [d.value] : [])),
  );
}

/** Reads a webhook body; a body that does not fit says where (`data.essentials.alertId: required`). */
export function parseAzureMonitorAlert(body: unknown): ParsedAlert {
  const parsed = CommonAlert.safeParse(body);
  if (!parsed.success) {
    const reasons = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    return { ok: false, reason: reasons.join('; ') };
  }
  const { essentials } = parsed.data.data;
  const context = parsed.data.data.alertContext ?? null;
  const signal = signalOf(essentials.signalType, essentials.monitoringService, context);
  const event = eventOf(signal, context);
  return {
    ok: true,
    alert: {
      id: essentials.alertId,
      rule: essentials.alertRule || essentials.monitoringService || 'Azure Monitor alert',
      severity: essentials.severity || 'no severity',
      condition: essentials.monitorCondition ?? 'Fired',
      service: essentials.monitoringService ?? null,
      signal,
      targets: [...new Set([...(essentials.alertTargetIDs ?? []), ...dimensionTargets(context)])],
      firedAt: essentials.firedDateTime,
      resolvedAt: essentials.resolvedDateTime ?? null,
      window: windowOf(context),
      conditions: conditionsOf(context),
      event,
      recovery: recoveryOf(event),
      description: essentials.description || null,
    },
  };
}
