// The Azure credential tests inject in place of DefaultAzureCredential: one fixed token for every scope, so the real
// SDK clients can talk to the local fake Azure. Child processes get it through test/support/keyloss-entry.ts.
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { azureAccess, type AzureAccess } from '../../src/azure/context.ts';
import { registerSecret } from '../../src/redact.ts';

/** The variable test/support/keyloss-entry.ts reads the fixed token from; it exists only in tests. */
export const TEST_TOKEN_VARIABLE = 'KEYLOSS_AZURE_TEST_TOKEN';

export class StaticTokenCredential implements TokenCredential {
  constructor(private readonly token: string) {
    registerSecret(token);
  }

  async getToken(): Promise<AccessToken> {
    return { token: this.token, expiresOnTimestamp: Date.now() + 60 * 60_000, tokenType: 'Bearer' };
  }
}

/** Azure access with the fixed token and, when given, the fake's endpoints (as KEYLOSS_AZURE_*_ENDPOINT would set). */
export function testAzureAccess(token: string, endpoint: string | null = null): AzureAccess {
  return azureAccess({ metrics: endpoint, arm: endpoint }, () => new StaticTokenCredential(token));
}
