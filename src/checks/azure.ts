// The three Azure checks: the cache's settings, its Monitor metrics, its activity log. Skipped without an Azure target or credential.
import { CheckSkipped, type Check, type CheckContext } from './types.ts';
import { describeError } from '../redact.ts';
import type { AzureContext } from '../azure/types.ts';
import { parseCacheResourceId, type CacheResourceId } from '../azure/resource-id.ts';
import { NO_AZURE_TARGET } from '../azure/context.ts';
import { summarizeCredentialFailure } from '../azure/credential.ts';
import { armEndpoint, metricsEndpoint, tokenScope } from '../azure/clients.ts';
import { explainAzureError, hostOf, withThrottleRetry, type AzureCall } from '../azure/errors.ts';
import { metricsWindow, type MetricsWindow } from '../azure/window.ts';
import { METRIC_ORDER, minimumGrainMs, NAMESPACE, readMetrics } from '../azure/metrics.ts';
import { grainMs } from '../domain/format.ts';
import { findMetricEvents } from '../azure/changes.ts';
import { metricLines } from '../azure/metric-lines.ts';
import { readResource } from '../azure/resource.ts';
import { readActivity } from '../azure/activity.ts';

/** A throttled call is retried once when Azure asks for at most this wait (and half the budget is left). */
const MAX_THROTTLE_WAIT_MS = 5_000;

interface AzureRun {
  azure: AzureContext;
  resource: CacheResourceId;
  /** Runs an Azure call within the check: one retry on a short throttle, every failure a readable sentence. */
  call<T>(what: string, role: AzureCall['role'], endpoint: string, fn: () => Promise<T>): Promise<T>;
}

async function prepare(ctx: CheckContext, budgetMs: number): Promise<AzureRun> {
  const azure = ctx.azure;
  if (!azure) throw new CheckSkipped(NO_AZURE_TARGET);
  const parsed = parseCacheResourceId(azure.target.resourceId);
  if (!parsed.ok) throw new CheckSkipped(parsed.reason);
  const resource = parsed.resource;
  const deadline = Date.now() + budgetMs;
  try {
    await azure.credential.getToken(tokenScope(azure), { abortSignal: ctx.signal });
  } catch (error) {
    if (ctx.signal.aborted) throw new Error(`getting an Azure token for ${resource.name} timed out`);
    throw new CheckSkipped(`no Azure credential could be obtained (az login, or a managed identity): ${summarizeCredentialFailure(describeError(error))}`);
  }
  return {
    azure,
    resource,
    async call(what, role, endpoint, fn) {
      const maxWaitMs = Math.min(MAX_THROTTLE_WAIT_MS, (deadline - Date.now()) / 2);
      try {
        return await withThrottleRetry(fn, { signal: ctx.signal, maxWaitMs });
      } catch (error) {
        throw new Error(explainAzureError(error, { what, role, host: hostOf(endpoint), resourceId: resource.id }, ctx.signal));
      }
    },
  };
}

/** The window the metrics and the activity log are both read over, so an operation and its effect on a metric are seen together. */
function readingWindow(ctx: CheckContext, resource: CacheResourceId): MetricsWindow {
  return metricsWindow(ctx.query.since, ctx.now, { minIntervalMs: minimumGrainMs(resource.kind) });
}

function isoBounds(window: MetricsWindow): { from: string; to: string } {
  return { from: window.from.toISOString(), to: window.to.toISOString() };
}

const RESOURCE_BUDGET_MS = 10_000;
const METRICS_BUDGET_MS = 20_000;
const ACTIVITY_BUDGET_MS = 20_000;

export const azureResourceCheck: Check<'azure.resource'> = {
  id: 'azure.resource',
  title: "The cache's Azure settings (tier, shards, eviction policy, persistence)",
  budgetMs: RESOURCE_BUDGET_MS,
  needs: [],
  async run(ctx) {
    const run = await prepare(ctx, RESOURCE_BUDGET_MS);
    return run.call(`reading the settings of cache ${run.resource.name}`, 'Reader', armEndpoint(run.azure), () =>
      readResource(run.azure, run.resource, ctx.signal),
    );
  },
};

export const azureMetricsCheck: Check<'azure.metrics'> = {
  id: 'azure.metrics',
  title: 'Azure Monitor metrics in the window (keys, evictions, expirations, errors, memory, clients)',
  budgetMs: METRICS_BUDGET_MS,
  needs: [],
  async run(ctx) {
    const run = await prepare(ctx, METRICS_BUDGET_MS);
    const window = readingWindow(ctx, run.resource);
    const { series, missing, interval } = await run.call(`reading metrics of cache ${run.resource.name}`, 'Monitoring Reader', metricsEndpoint(run.azure), () =>
      readMetrics(run.azure, run.resource, window, ctx.signal),
    );
    const bounds = isoBounds(window);
    // The grain the points are at is the one Azure answered with (Azure Managed Redis: PT5M at the finest).
    const returnedMs = interval ? grainMs(interval) : null;
    const grain = interval && returnedMs ? { interval, intervalMs: returnedMs } : window;
    const events = findMetricEvents(series, { ...bounds, intervalMs: grain.intervalMs });
    return {
      window: { ...bounds, interval: grain.interval },
      namespace: NAMESPACE[run.resource.kind],
      series,
      missing,
      events,
      sparklines: metricLines(series, events, METRIC_ORDER),
    };
  },
};

export const azureActivityLogCheck: Check<'azure.activity-log'> = {
  id: 'azure.activity-log',
  title: "The cache's Azure activity log (flush, reboot, import, scaling, health events)",
  budgetMs: ACTIVITY_BUDGET_MS,
  needs: [],
  async run(ctx) {
    const run = await prepare(ctx, ACTIVITY_BUDGET_MS);
    const window = readingWindow(ctx, run.resource);
    const events = await run.call(`reading the activity log of cache ${run.resource.name}`, 'Reader', armEndpoint(run.azure), () =>
      readActivity(run.azure, run.resource, window, ctx.signal),
    );
    return { window: isoBounds(window), events };
  },
};

/** In the order a report lists them. */
export const azureChecks = [azureResourceCheck, azureMetricsCheck, azureActivityLogCheck] as const;
