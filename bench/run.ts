// `npm run bench`: runs every benchmark (or those named on the command line) and prints their numbers;
// `--smoke` runs each at its small size (what the tests run).
import { type BenchSize, benchmarks } from './registry.ts';

async function main(args: string[]): Promise<number> {
  const size: BenchSize = args.includes('--smoke') ? 'smoke' : 'full';
  const names = args.filter((arg) => arg !== '--smoke');
  const selected = names.length > 0 ? names : Object.keys(benchmarks);
  const unknown = selected.filter((name) => !(name in benchmarks));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}\n`);
    return 2;
  }
  for (const name of selected) {
    process.stdout.write(`\n## ${name}\n`);
    const numbers = await benchmarks[name]!(size);
    for (const [metric, value] of Object.entries(numbers)) process.stdout.write(`${metric.padEnd(40)} ${value}\n`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
