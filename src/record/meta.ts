// A record's meta hash, read as the untrusted input every state record is: its type and each field's length are asked
// first (TYPE, HSTRLEN), and only the fields a recorder writes are read, so a huge value put there never leaves the
// state Redis.
import type { StateClient } from '../state/redis.ts';
import type { RecordLayout } from './layout.ts';

/** The fields a recorder writes, with the most bytes each may hold (`nodes` and `addresses` list a cluster's nodes). */
const META_FIELDS = {
  firstAt: 20,
  lastAt: 20,
  holder: 512,
  retentionMs: 20,
  flushMs: 20,
  stoppedAt: 20,
  lastSampleAt: 20,
  lastSampleNode: 300,
  nodes: 65_536,
  addresses: 65_536,
} as const;

export type MetaField = keyof typeof META_FIELDS;
export type RecordMeta = Partial<Record<MetaField, string>>;

/** The meta's fields ({} when there is none), or why it is no meta a recorder wrote. */
export type MetaRead = { ok: true; meta: RecordMeta } | { ok: false; why: string };

export async function readMeta(client: StateClient, layout: RecordLayout): Promise<MetaRead> {
  const fields = Object.keys(META_FIELDS) as MetaField[];
  const pipeline = client.pipeline().type(layout.meta);
  for (const field of fields) pipeline.hstrlen(layout.meta, field);
  const [[typeError, type] = [new Error('the pipeline was aborted'), null], ...lengths] = (await pipeline.exec()) ?? [];
  if (typeError) throw typeError;
  if (type === 'none') return { ok: true, meta: {} };
  if (type !== 'hash') return { ok: false, why: `is a ${String(type)}, not a hash` };
  for (const [index, [error, length]] of lengths.entries()) {
    if (error) throw error;
    const field = fields[index]!;
    if (Number(length) > META_FIELDS[field]) return { ok: false, why: `holds ${Number(length)} bytes in ${field}, more than the ${META_FIELDS[field]} a recorder writes` };
  }
  const values = await client.hmget(layout.meta, ...fields);
  const meta: RecordMeta = {};
  fields.forEach((field, index) => {
    const value = values[index];
    if (value != null) meta[field] = value;
  });
  return { ok: true, meta };
}
