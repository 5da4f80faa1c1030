// `keyloss graph <runbook>`: prints the runbook as a Mermaid flowchart (paste it into any Markdown that renders Mermaid).
import { toMermaid } from '../runbook/graph.ts';
import { formatRunbookError, loadRunbook } from '../runbook/load.ts';

const USAGE = `usage: keyloss graph <runbook.yaml>

Prints a Mermaid flowchart of the runbook on stdout.
Exit status: 0 printed, 1 the runbook is invalid, 2 bad usage.
`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [file, ...extra] = argv;
  if (file === undefined || file.startsWith('-') || extra.length > 0) {
    process.stderr.write(`keyloss graph: ${file === undefined ? 'name one runbook file' : `expected one runbook file, got "${argv.join(' ')}"`}\n${USAGE}`);
    return 2;
  }
  const result = await loadRunbook(file);
  if (!result.ok) {
    process.stderr.write(result.errors.map((e) => `${formatRunbookError(e)}\n`).join(''));
    return 1;
  }
  process.stdout.write(toMermaid(result.runbook));
  return 0;
}
