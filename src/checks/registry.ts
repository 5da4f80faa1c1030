// Every Redis check and the default bounds they run with; the Azure checks are appended by src/azure.
import { clientsCheck } from './clients.ts';
import { deletionCheck } from './deletion.ts';
import { fieldTtlCheck } from './field-ttl.ts';
import { infoCheck } from './info.ts';
import { memoryCheck } from './memory.ts';
import { presenceCheck } from './presence.ts';
import { ratesCheck } from './rates.ts';
import { replicationCheck } from './replication.ts';
import { restartCheck } from './restart.ts';
import { ttlSampleCheck } from './ttl-sample.ts';
import type { Check, CheckOptions } from './types.ts';

export const redisChecks: Check[] = [
  infoCheck,
  presenceCheck,
  ttlSampleCheck,
  fieldTtlCheck,
  clientsCheck,
  memoryCheck,
  deletionCheck,
  replicationCheck,
  restartCheck,
  ratesCheck,
];

export const DEFAULT_CHECK_OPTIONS: CheckOptions = {
  scanKeyBudget: 100_000,
  scanMsBudget: 1_500,
  scanCount: 500,
  scanDutyCycle: 'adaptive',
  ttlSampleSize: 50,
  // A floor: the second INFO sample also waits for the other checks, so rates cover the whole run.
  rateIntervalMs: 250,
  commandTimeoutMs: 3_000,
};
