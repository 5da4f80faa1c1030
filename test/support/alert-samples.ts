// Microsoft's common-alert-schema samples (test/fixtures/azure/alerts/, sources in its README), loaded as committed and
// adapted only in ids, times and, to send the other half of a pair, the monitor condition.
import { fixtureFile, withIds, withTimesShifted } from './azure-fixtures.ts';

export type AlertSample =
  | 'metric-static'
  | 'metric-dynamic'
  | 'log-v1-metric-measurement'
  | 'log-v1-number-of-results'
  | 'log-v2'
  | 'activity-log-administrative'
  | 'resource-health'
  | 'service-health'
  | 'cost-budget-actual';

export interface SampleBody {
  schemaId: string;
  data: {
    essentials: Record<string, unknown> & { alertId: string; firedDateTime: string; alertTargetIDs: string[] | null; monitorCondition: string | null };
    alertContext: Record<string, unknown> & { properties?: Record<string, unknown> | null };
  };
}

export function alertSample(name: AlertSample): SampleBody {
  return fixtureFile(`alerts/${name}.json`) as SampleBody;
}

/** Log search V1's context as the page gives it alone (its interval in `3/22/2019 1:36:31 PM` form), under the V1 sample's essentials. */
export function logV1PlatformSample(): SampleBody {
  const body = alertSample('log-v1-metric-measurement');
  body.data.alertContext = (fixtureFile('alerts/log-v1-context-platform.json') as { alertContext: SampleBody['data']['alertContext'] }).alertContext;
  return body;
}

/** The sample aimed at `target` (its resource ids replaced), its fired time moved to `firedAt` with every other time. */
export function adaptedSample(body: SampleBody, options: { target?: string; firedAt?: Date; alertId?: string }): SampleBody {
  let adapted = body;
  const original = body.data.essentials.alertTargetIDs?.[0];
  if (options.target && original) adapted = withIds(adapted, { [original]: options.target });
  if (options.firedAt) {
    const shift = Math.round((options.firedAt.getTime() - Date.parse(body.data.essentials.firedDateTime)) / 1000) * 1000;
    adapted = withTimesShifted(adapted, shift);
  }
  if (options.alertId) adapted = withIds(adapted, { [body.data.essentials.alertId]: options.alertId });
  return adapted;
}

/** The same alert, resolved at `resolvedAt`. */
export function resolvedSample(body: SampleBody, resolvedAt: Date): SampleBody {
  const copy = structuredClone(body);
  copy.data.essentials.monitorCondition = 'Resolved';
  copy.data.essentials.resolvedDateTime = resolvedAt.toISOString();
  return copy;
}

/** Log search V1's US time form, as the sample writes it: `3/22/2019 1:36:31 PM` (UTC). */
export function usTime(t: Date): string {
  const h = t.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCMonth() + 1}/${t.getUTCDate()}/${t.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}
