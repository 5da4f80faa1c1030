// Evidence read from Azure: the cache resource, Monitor metrics and the activity log.

/** Where a cache lives in Azure; from the caches file or `--azure-resource/--azure-region`. */
export interface AzureTarget {
  /** /subscriptions/…/resourceGroups/…/providers/Microsoft.Cache/redis/<name> (or redisEnterprise). */
  resourceId: string;
  /** e.g. westeurope; selects the regional metrics endpoint. */
  region: string;
}

/** What Azure checks need at run time: where the cache is and how to reach Azure. Built in src/azure/context.ts. */
export interface AzureContext {
  target: AzureTarget;
  credential: import('@azure/core-auth').TokenCredential;
  /** Overrides for tests and sovereign clouds; production leaves them undefined. */
  endpoints?: { metrics?: string; arm?: string };
  httpClient?: import('@azure/core-rest-pipeline').HttpClient;
}
