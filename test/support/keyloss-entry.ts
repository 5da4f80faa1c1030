// The keyloss process as tests start it (node --import tsx test/support/keyloss-entry.ts <command> …): the real
// command line with the test's dependencies. With KEYLOSS_AZURE_TEST_TOKEN set, the Azure credential is that fixed
// token instead of DefaultAzureCredential, which would probe for a managed identity beyond 127.0.0.1.
import { runCommand } from '../../src/cli/commands.ts';
import { PROCESS_DEPS, type Deps } from '../../src/config/deps.ts';
import { describeError } from '../../src/redact.ts';
import { StaticTokenCredential, TEST_TOKEN_VARIABLE } from './azure-credential.ts';

const token = process.env[TEST_TOKEN_VARIABLE]?.trim();
const deps: Deps = {
  ...PROCESS_DEPS,
  azureCredential: token
    ? () => new StaticTokenCredential(token)
    : () => ({
        getToken: async () => {
          throw new Error(`no Azure credential in this test (set ${TEST_TOKEN_VARIABLE})`);
        },
      }),
};

runCommand(process.argv.slice(2), deps).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`keyloss: unexpected error: ${describeError(error)}\n`);
    process.exitCode = 1;
  },
);
