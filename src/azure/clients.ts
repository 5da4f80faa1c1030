// The three Azure SDK clients, configured once: endpoints, token scope, and no hidden retries. Each SDK is loaded when
// its first client is made, so a process that never reaches Azure (most diagnoses) does not pay for loading them.
import type { MetricsClient } from '@azure/monitor-query-metrics';
import type { RedisManagementClient } from '@azure/arm-rediscache';
import type { MonitorClient } from '@azure/arm-monitor';
import type { AzureContext } from './types.ts';

export const PUBLIC_ARM_ENDPOINT = 'https://management.azure.com';

export function armEndpoint(azure: AzureContext): string {
  return azure.endpoints?.arm ?? PUBLIC_ARM_ENDPOINT;
}

export function metricsEndpoint(azure: AzureContext): string {
  return azure.endpoints?.metrics ?? `https://${azure.target.region}.metrics.monitor.azure.com`;
}

/**
 * The token audience of all three checks, the metrics batch API included. The batch API's spec names
 * `https://metrics.monitor.azure.com/.default`, but the service accepts an ARM token too: Azure Monitor's
 * REST walkthrough asks for `resource=https://management.azure.com` ("the Azure Resource Manager
 * authentication model"), @azure/monitor-query-metrics 1.0.0 asks for it by default
 * (KnownMonitorMetricsQueryAudience.AzurePublicCloud), and that SDK's own live-test recordings
 * (Azure/azure-sdk-assets, monitor-query-metrics, 2025-07-31) were made with that default and answered
 * 200 (test/fixtures/azure/README.md). One audience means one token for every check; it is set
 * explicitly so a sovereign ARM endpoint moves it along.
 */
export function tokenScope(azure: AzureContext): string {
  return `${armEndpoint(azure)}/.default`;
}

function pipelineOptions(azure: AzureContext) {
  return {
    // The SDK's own retry policy would wait out any Retry-After (minutes, past the check's budget);
    // throttling is handled in ./errors.ts, once, within the budget.
    retryOptions: { maxRetries: 0 },
    ...(azure.httpClient ? { httpClient: azure.httpClient } : {}),
    userAgentOptions: { userAgentPrefix: 'keyloss' },
  };
}

export async function createMetricsClient(azure: AzureContext): Promise<MetricsClient> {
  const { MetricsClient } = await import('@azure/monitor-query-metrics');
  return new MetricsClient(metricsEndpoint(azure), azure.credential, {
    ...pipelineOptions(azure),
    credentials: { scopes: [tokenScope(azure)] },
  });
}

/** The two Resource Manager clients' options: `endpoint` sets the pipeline's base, `$host` the operation URLs; both must move for a non-public cloud. */
function armClientOptions(azure: AzureContext) {
  const arm = armEndpoint(azure);
  return { ...pipelineOptions(azure), endpoint: arm, $host: arm, credentialScopes: [tokenScope(azure)] };
}

export async function createRedisClient(azure: AzureContext, subscriptionId: string): Promise<RedisManagementClient> {
  const { RedisManagementClient } = await import('@azure/arm-rediscache');
  return new RedisManagementClient(azure.credential, subscriptionId, armClientOptions(azure));
}

export async function createMonitorClient(azure: AzureContext, subscriptionId: string): Promise<MonitorClient> {
  const { MonitorClient } = await import('@azure/arm-monitor');
  return new MonitorClient(azure.credential, subscriptionId, armClientOptions(azure));
}
