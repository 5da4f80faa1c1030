// The diagnosing process of bench/beside.ts: loads keyloss, says "ready", diagnoses again and again from "go" until
// "stop", then sends what it did and exits. Its request is the one JSON argument.
import type { CheckId } from '../src/domain/checks.ts';
import { isGlobPattern } from '../src/domain/query.ts';
import { DEFAULT_CHECK_OPTIONS } from '../src/checks/registry.ts';
import { investigate } from '../src/investigate.ts';
import { loadDefaultRunbook } from '../src/runbook/load.ts';
import type { BesideRequest, BesideResult } from './beside.ts';

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
  const outcome = await investigate({
    redisUrl: request.url,
    runbook,
    query: { key: request.key, isPattern: isGlobPattern(request.key), db: 0, since: new Date(Date.now() - 3_600_000), tier: request.tier, scope: null },
    checks: request.checks as CheckId[],
    options: { ...DEFAULT_CHECK_OPTIONS, scanDutyCycle: request.dutyCycle },
  });
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
