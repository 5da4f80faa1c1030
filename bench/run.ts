// `npm run bench`: runs every benchmark (or those named on the command line) and prints their numbers.
import { benchCharts } from './charts.ts';
import { benchClientList } from './client-list.ts';
import { benchDiagnose } from './diagnose.ts';
import { benchFootprint } from './footprint.ts';
import { benchFlood } from './flood.ts';
import { benchHostile } from './hostile.ts';
import { benchLoad } from './load.ts';
import { benchRecord } from './record.ts';
import { benchScanLoad } from './scan-load.ts';
import { benchStateHang } from './state-hang.ts';

const benchmarks: Record<string, () => Promise<Record<string, number | string>>> = {
  charts: benchCharts,
  clientlist: benchClientList,
  diagnose: benchDiagnose,
  footprint: () => benchFootprint(),
  flood: benchFlood,
  hostile: benchHostile,
  load: benchLoad,
  record: benchRecord,
  scanload: benchScanLoad,
  statehang: benchStateHang,
};

async function main(names: string[]): Promise<number> {
  const selected = names.length > 0 ? names : Object.keys(benchmarks);
  const unknown = selected.filter((name) => !(name in benchmarks));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}\n`);
    return 2;
  }
  for (const name of selected) {
    process.stdout.write(`\n## ${name}\n`);
    const numbers = await benchmarks[name]!();
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
