// Every common-alert-schema sample Microsoft publishes is read, never refused: its signal, window, conditions, event
// and whether it reports a recovery.
import { describe, expect, it } from 'vitest';
import { alertTime, parseAzureMonitorAlert, type AzureMonitorAlert } from '../../../src/slack/alerts/azure-monitor.ts';
import { alertSample, logV1PlatformSample, type AlertSample } from '../../support/alert-samples.ts';

function parsed(body: unknown): AzureMonitorAlert {
  const result = parseAzureMonitorAlert(body);
  if (!result.ok) throw new Error(result.reason);
  return result.alert;
}

describe('parseAzureMonitorAlert on Microsoft samples', () => {
  it.each<[AlertSample, Partial<AzureMonitorAlert>]>([
    ['metric-static', { signal: 'metric', condition: 'Resolved', window: null, recovery: null }],
    ['metric-dynamic', { signal: 'metric', condition: 'Fired', window: { from: '2021-12-15T01:04:11.719Z', to: '2021-12-15T01:19:11.719Z' } }],
    ['log-v1-metric-measurement', { signal: 'log', window: { from: '2021-11-15T15:16:49.000Z', to: '2021-11-16T15:16:49.000Z' } }],
    ['log-v1-number-of-results', { signal: 'log', window: { from: '2021-11-15T15:15:24.000Z', to: '2021-11-16T15:15:24.000Z' } }],
    ['log-v2', { signal: 'log', window: { from: '2021-11-16T10:17:39.000Z', to: '2021-11-16T11:17:39.000Z' } }],
    ['activity-log-administrative', { signal: 'activity log', window: null, recovery: null }],
    ['resource-health', { signal: 'resource health', recovery: null }],
    ['service-health', { signal: 'service health', recovery: 'stage Resolved' }],
    ['cost-budget-actual', { signal: 'other', rule: 'CostAlerts', severity: 'no severity', condition: 'Fired', targets: [] }],
  ])('%s', (name, expected) => {
    expect(parsed(alertSample(name))).toMatchObject(expected);
  });

  it('metric criteria keep their rule and value; a log V2 criterion (LogQueryCriteria) is its query', () => {
    expect(parsed(alertSample('metric-dynamic')).conditions).toEqual([{ metric: 'Transactions', rule: 'GreaterThan 0.3', value: 78.09 }]);
    expect(parsed(alertSample('log-v2')).conditions).toEqual([{ metric: 'log query Heartbeat', rule: 'GreaterThan 0', value: 3 }]);
    expect(parsed(alertSample('log-v1-number-of-results')).conditions).toEqual([{ metric: 'log query Heartbeat', rule: 'Greater Than 0', value: 1 }]);
  });

  it("log search V1's SearchIntervalStartTimeUtc in the US form is read as UTC", () => {
    expect(parsed(logV1PlatformSample()).window).toEqual({ from: '2019-03-22T13:36:31.000Z', to: '2019-03-22T13:51:31.000Z' });
    expect(alertTime('3/22/2019 12:05:00 AM')).toBe('2019-03-22T00:05:00.000Z');
    expect(alertTime('2019-03-22T13:36:31')).toBeNull();
  });

  it('activity-log events: what happened, when, and a recovery when health is Available again', () => {
    expect(parsed(alertSample('activity-log-administrative')).event).toMatchObject({ at: '2021-11-16T08:27:36.183Z', operation: 'Microsoft.Compute/virtualMachines/restart/action', status: 'Succeeded' });
    const health = alertSample('resource-health');
    expect(parsed(health).event).toMatchObject({ title: 'Rebooted by user', health: { current: 'Unavailable', previous: 'Available' }, cause: 'UserInitiated' });
    const properties = health.data.alertContext.properties!;
    Object.assign(properties, { currentHealthStatus: 'Available', previousHealthStatus: 'Unavailable' });
    expect(parsed(health).recovery).toBe('health Available again (was Unavailable)');
  });

  it('a context field of an unexpected shape is read as absent, not a refusal', () => {
    const body = alertSample('log-v2');
    (body.data.alertContext as Record<string, unknown>).condition = { allOf: [{ searchQuery: 42 }, 'junk'], windowStartTime: 'yesterday' };
    expect(parsed(body)).toMatchObject({ window: null, conditions: [] });
  });
});
