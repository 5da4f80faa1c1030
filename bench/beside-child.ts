// The diagnosing process of bench/beside.ts: loads keyloss, says "ready", diagnoses again and again from "go" until
// "stop", then sends what it did and exits. Its request is the one JSON argument.
import { loadDefaultRunbook } from '../src/runbook/load.ts';
import { diagnose, type BesideRequest, type BesideResult } from './beside.ts';

const request = JSON.parse(process.argv[2] ?? '{}') as BesideRequest;
const send = (message: unknown) => process.send?.(message);

const runbook = await loadDefaultRunbook();
let stopped = false;
const go = new Promise<void>((resolve) =>
  process.on('message', (message) => {
    if (message === 'go') resolve();
    if (message === 'stop') stopped = true;
  }),
);
send('ready');
await go;

const result: BesideResult = { runs: 0, msPerRun: 0, commands: 0, duties: [], counts: [], cpuMs: 0 };
const cpuBefore = process.cpuUsage();
let totalMs = 0;
do {
  const started = performance.now();
  const outcome = await diagnose(request, runbook);
  if (!outcome.ok) throw new Error(`the diagnosis could not reach the bench server: ${outcome.reason}`);
  totalMs += performance.now() - started;
  result.runs += 1;
  result.commands += outcome.commandsSent;
  for (const node of outcome.report.key.pacing ?? []) {
    result.duties.push(...node.duty);
    result.counts.push(...node.count);
  }
} while (!stopped);
const cpu = process.cpuUsage(cpuBefore);
result.msPerRun = Math.round(totalMs / result.runs);
result.cpuMs = Math.round((cpu.user + cpu.system) / 1000);
send(result);
process.disconnect?.();
