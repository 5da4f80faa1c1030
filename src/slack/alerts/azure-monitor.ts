// Azure Monitor's common alert schema, read once through zod into the few facts keyloss acts on.
// https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema
import { z } from 'zod';

const isoTime = z
  .string()
  .max(64)
  .refine((v) => Number.isFinite(Date.parse(v)), 'is not a date and time')
  .transform((v) => new Date(Date.parse(v)).toISOString());

const MetricCriterion = z.object({
  metricName: z.string().max(256),
  metricNamespace: z.string().max(256).nullish(),
  operator: z.string().max(64).nullish(),
  // Azure sends the threshold as a string for static criteria, as a number in some payloads.
  threshold: z.union([z.string().max(64), z.number()]).nullish(),
  timeAggregation: z.string().max(64).nullish(),
  metricValue: z.number().nullish(),
});

export const CommonAlert = z.object({
  schemaId: z.literal('azureMonitorCommonAlertSchema', { error: 'schemaId is not azureMonitorCommonAlertSchema: turn on "Enable the common alert schema" in the action group' }),
  data: z.object({
    essentials: z.object({
      alertId: z.string().min(1).max(512),
      alertRule: z.string().min(1).max(512),
      severity: z.string().max(16),
      monitorCondition: z.enum(['Fired', 'Resolved']),
      alertTargetIDs: z.array(z.string().max(1024)).min(1).max(50),
      firedDateTime: isoTime,
      resolvedDateTime: isoTime.nullish(),
      signalType: z.string().max(64).nullish(),
      description: z.string().max(4000).nullish(),
    }),
    // Log, activity-log and service-health alerts have other contexts: only the metric condition is read.
    alertContext: z
      .object({
        condition: z
          .object({
            windowStartTime: isoTime.nullish(),
            windowEndTime: isoTime.nullish(),
            allOf: z.array(MetricCriterion).max(20).nullish(),
          })
          .nullish(),
      })
      .nullish(),
  }),
});

export interface AlertCondition {
  metric: string;
  /** `GreaterThan 90`, `LessThan 1000`. */
  rule: string | null;
  value: number | null;
}

export interface AzureMonitorAlert {
  id: string;
  rule: string;
  severity: string;
  condition: 'Fired' | 'Resolved';
  targets: string[];
  firedAt: string;
  resolvedAt: string | null;
  /** The metric alert's evaluation window, when it has one. */
  window: { from: string; to: string | null } | null;
  conditions: AlertCondition[];
}

export type ParsedAlert = { ok: true; alert: AzureMonitorAlert } | { ok: false; reason: string };

/** Reads a webhook body; a body that does not fit says where (`data.essentials.alertId: required`). */
export function parseAzureMonitorAlert(body: unknown): ParsedAlert {
  const parsed = CommonAlert.safeParse(body);
  if (!parsed.success) {
    const reasons = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    return { ok: false, reason: reasons.join('; ') };
  }
  const { essentials, alertContext } = parsed.data.data;
  const condition = alertContext?.condition;
  return {
    ok: true,
    alert: {
      id: essentials.alertId,
      rule: essentials.alertRule,
      severity: essentials.severity,
      condition: essentials.monitorCondition,
      targets: essentials.alertTargetIDs,
      firedAt: essentials.firedDateTime,
      resolvedAt: essentials.resolvedDateTime ?? null,
      window: condition?.windowStartTime ? { from: condition.windowStartTime, to: condition.windowEndTime ?? null } : null,
      conditions: (condition?.allOf ?? []).map((c) => ({
        metric: c.metricName,
        rule: c.operator && c.threshold !== null && c.threshold !== undefined ? `${c.operator} ${c.threshold}` : null,
        value: c.metricValue ?? null,
      })),
    },
  };
}
