// The record's reader as a check: keyloss's own history of the cache for the diagnosis window, as evidence with times.
import type { RecordData } from '../domain/record.ts';
import { CheckSkipped, type Check } from '../checks/types.ts';
import { openStateClient, type StateClient } from '../state/redis.ts';
import { RecordLayout } from './layout.ts';
import { findRecordName, type RecordIdentity } from './identity.ts';
import { readRecord } from './reader.ts';

/** `orders (at host:6380)`, or the address alone: every way the record was looked for. */
export function noRecordOf(identity: RecordIdentity): string {
  return identity.name && identity.name !== identity.address ? `${identity.name} (nor of its address ${identity.address})` : identity.address;
}

/** Where records are read: the state Redis and its key prefix (KEYLOSS_STATE_PREFIX), or why it cannot be. */
export type RecordStore = { client: StateClient; prefix: string } | { unavailable: string };

/** Opens the state Redis for reading records; a state Redis that cannot be reached makes the record check fail with why. */
export async function openRecordStore(url: string, prefix: string, source?: string): Promise<RecordStore> {
  const opened = await openStateClient(url, { prefix, connectionName: 'keyloss-record-reader', ...(source ? { source } : {}) });
  return opened.ok ? { client: opened.client, prefix } : { unavailable: opened.reason };
}

export async function closeRecordStore(store: RecordStore | null): Promise<void> {
  if (store && 'client' in store) await store.client.quit().catch(() => store.client.disconnect());
}

/** The check for one cache's record, found by its name or its address (src/record/identity.ts). */
export function recordCheck(store: RecordStore, identity: RecordIdentity): Check<'record'> {
  return {
    id: 'record',
    title: 'keyloss record (history of removals)',
    budgetMs: 5_000,
    needs: [],
    async run(ctx): Promise<RecordData> {
      if ('unavailable' in store) throw new Error(store.unavailable);
      const cache = await findRecordName(store.client, store.prefix, identity);
      if (cache === null) throw new CheckSkipped(`the state Redis has no record of ${noRecordOf(identity)} (keyloss record keeps one)`);
      const data = await readRecord(store.client, new RecordLayout(store.prefix, cache), {
        key: ctx.query.key,
        isPattern: ctx.query.isPattern,
        db: ctx.query.db,
        from: ctx.query.since,
        to: ctx.now,
      });
      if (!data) throw new CheckSkipped(`the state Redis has no record of ${noRecordOf(identity)} (keyloss record keeps one)`);
      return data;
    },
  };
}
