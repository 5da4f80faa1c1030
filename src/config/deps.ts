// What a command is given besides its arguments and its configuration: the things a test replaces. A process gets
// PROCESS_DEPS from src/cli/main.ts; tests pass their own (in process, or through test/support/keyloss-entry.ts).
import type { TokenCredential } from '@azure/core-auth';
import { azureAccess, type AzureAccess } from '../azure/context.ts';
import { defaultAzureCredential } from '../azure/credential.ts';
import type { Config } from './env.ts';

export interface Deps {
  /** Makes the process's Azure credential; called once, on first use. */
  azureCredential: () => TokenCredential;
  /** The clock. */
  now: () => Date;
}

export const PROCESS_DEPS: Deps = { azureCredential: defaultAzureCredential, now: () => new Date() };

/** How this process reaches Azure: the configured endpoints and the injected credential. */
export function azureAccessOf(config: Pick<Config, 'azureEndpoints'>, deps: Pick<Deps, 'azureCredential'>): AzureAccess {
  return azureAccess(config.azureEndpoints, deps.azureCredential);
}
