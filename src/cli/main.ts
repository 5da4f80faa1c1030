// The keyloss process: runs the command line with the process's own dependencies (DefaultAzureCredential, the clock).
import { PROCESS_DEPS } from '../config/deps.ts';
import { describeError } from '../redact.ts';
import { runCommand } from './commands.ts';

runCommand(process.argv.slice(2), PROCESS_DEPS).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Last resort: a bug. Print only the redacted message, never a stack with arguments in it.
    process.stderr.write(`keyloss: unexpected error: ${describeError(error)}\n`);
    process.exitCode = 1;
  },
);
