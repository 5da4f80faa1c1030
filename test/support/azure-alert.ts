// Azure Monitor webhook bodies in the common alert schema, as an action group posts them (field names from
// Microsoft's sample payloads), and a poster for the alert route.
export interface AlertFields {
  alertId?: string;
  rule?: string;
  severity?: string;
  condition?: 'Fired' | 'Resolved';
  target: string;
  firedAt: Date;
  resolvedAt?: Date;
  windowStart?: Date;
  windowEnd?: Date;
}

export function commonAlert(f: AlertFields): Record<string, unknown> {
  const alertId = f.alertId ?? '/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.AlertsManagement/alerts/b9569717-bc32-442f-add5-83a997729330';
  return {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId,
        alertRule: f.rule ?? 'orders-cache total keys dropped',
        severity: f.severity ?? 'Sev1',
        signalType: 'Metric',
        monitorCondition: f.condition ?? 'Fired',
        monitoringService: 'Platform',
        // Azure lower-cases resource ids in alerts.
        alertTargetIDs: [f.target.toLowerCase()],
        configurationItems: [f.target.split('/').pop()],
        originAlertId: '3f2d4487-b0fc-4125-8bd5-7ad17384221e_PipeLineAlertRG_microsoft.insights_metricAlerts_WCUS-R2-Gen2_-117781227',
        firedDateTime: f.firedAt.toISOString().replace('Z', '1234Z'),
        ...(f.resolvedAt ? { resolvedDateTime: f.resolvedAt.toISOString() } : {}),
        description: '',
        essentialsVersion: '1.0',
        alertContextVersion: '1.0',
      },
      alertContext: {
        properties: null,
        conditionType: 'SingleResourceMultipleMetricCriteria',
        condition: {
          windowSize: 'PT5M',
          allOf: [
            {
              metricName: 'Total Keys',
              metricNamespace: 'Microsoft.Cache/redis',
              operator: 'LessThan',
              threshold: '1000',
              timeAggregation: 'Maximum',
              dimensions: [{ name: 'ResourceId', value: f.target }],
              metricValue: 12,
              webTestName: null,
            },
          ],
          ...(f.windowStart ? { windowStartTime: f.windowStart.toISOString() } : {}),
          ...(f.windowEnd ? { windowEndTime: f.windowEnd.toISOString() } : {}),
        },
      },
      customProperties: null,
    },
  };
}

export interface AlertResponse {
  status: number;
  json: Record<string, unknown> | null;
  ms: number;
}

/** POSTs `body` (an object as JSON, or raw text) to the alert route; `token` as ?token= unless `bearer`. */
export async function postAlert(url: string, body: unknown, auth: { token?: string; bearer?: string } = {}): Promise<AlertResponse> {
  const target = new URL(url);
  if (auth.token !== undefined) target.searchParams.set('token', auth.token);
  const started = performance.now();
  const res = await fetch(target, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(auth.bearer !== undefined ? { Authorization: `Bearer ${auth.bearer}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = null;
  }
  return { status: res.status, json, ms: performance.now() - started };
}
