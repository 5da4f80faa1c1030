// Every signal and fact source the diagnosis consults; one per area of evidence.
import type { FactSource, SignalSource } from '../signal.ts';
import { azureFacts, azureSignals } from './azure.ts';
import { deletionFacts, deletionSignals, flushSignals } from './deletion.ts';
import { evictionFacts, evictionSignals } from './eviction.ts';
import { expirationFacts, expirationSignals } from './expiration.ts';
import { presenceFacts, presenceSignals } from './presence.ts';
import { replicationFacts, replicationSignals } from './replication.ts';
import { recordSignals } from './record.ts';
import { restartFacts, restartSignals } from './restart.ts';
import { shardSignals } from './shards.ts';

export const signalSources: SignalSource[] = [
  presenceSignals,
  expirationSignals,
  evictionSignals,
  deletionSignals,
  flushSignals,
  replicationSignals,
  restartSignals,
  shardSignals,
  azureSignals,
  recordSignals,
];

export const factSources: FactSource[] = [
  presenceFacts,
  deletionFacts,
  expirationFacts,
  evictionFacts,
  replicationFacts,
  restartFacts,
  azureFacts,
];
