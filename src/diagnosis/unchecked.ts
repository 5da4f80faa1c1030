// What could not be checked, as sentences: failed and skipped checks, refused dbs, partial scans, unreachable nodes.
import { CAUSE_IDS, type CauseId } from '../domain/causes.ts';
import type { CheckId, Evidence } from '../domain/checks.ts';
import { RELATED_CHECKS } from './score.ts';
import { dataOf } from './evidence.ts';
import { formatCount, joinAnd as list } from '../domain/format.ts';

function causesTouching(ids: CheckId[]): CauseId[] {
  return CAUSE_IDS.filter((cause) => ids.some((id) => RELATED_CHECKS[cause].includes(id)));
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** The Azure settings whose absence changes a verdict, as a reader names them; the rest stay in the evidence only. */
const UNKNOWN_SETTING_NAMES: Record<string, string> = {
  replicasPerPrimary: 'replica count (high availability)',
  maxmemoryPolicy: 'eviction policy',
};

export function uncheckedSentences(evidence: Evidence): string[] {
  const out: string[] = [];
  // Checks that stopped for the same reason (all Azure checks without a resource) read better as one sentence.
  const byReason = new Map<string, { verb: string; ids: CheckId[] }>();
  for (const result of Object.values(evidence.results)) {
    if (!result || result.status === 'ok') continue;
    const reason = result.status === 'failed' ? result.error : result.reason;
    const verb = result.status === 'failed' ? 'failed' : 'skipped';
    const key = `${verb}\u0000${reason}`;
    const entry = byReason.get(key) ?? { verb, ids: [] };
    entry.ids.push(result.id);
    byReason.set(key, entry);
  }
  for (const [key, { verb, ids }] of byReason) {
    const reason = key.slice(key.indexOf('\u0000') + 1).replace(/[.\s]+$/, '');
    if (verb === 'failed') {
      const causes = causesTouching(ids);
      out.push(
        sentence(
          `${ids.length === 1 ? `The ${ids[0]} check` : `The ${list(ids)} checks`} failed: ${reason}` +
            (causes.length > 0 ? `; ${list(causes)} ${causes.length === 1 ? 'rests' : 'rest'} on the other evidence` : ''),
        ),
      );
    } else {
      out.push(sentence(`Not run: ${list(ids)}, because ${reason}`));
    }
  }

  const record = dataOf(evidence, 'record');
  for (const gap of record?.record.gaps ?? []) {
    out.push(sentence(`The record has a gap from ${gap.from.slice(0, 19).replace('T', ' ')} to ${gap.to.slice(0, 19).replace('T', ' ')} UTC (${gap.why.replace(/[.\s]+$/, '')}): what was removed then could not be checked`));
  }
  const presence = dataOf(evidence, 'keyspace.presence');
  if (presence) {
    // Dbs sharing one reason make one sentence: 2,000 dbs beyond the search bound are one line.
    const dbsByReason = new Map<string, number[]>();
    for (const refused of presence.dbsRefused) {
      const reason = refused.reason.replace(/[.\s]+$/, '');
      const dbs = dbsByReason.get(reason) ?? [];
      dbs.push(refused.db);
      dbsByReason.set(reason, dbs);
    }
    for (const [reason, dbs] of dbsByReason) {
      if (dbs.length === 1) out.push(sentence(`db ${dbs[0]} could not be searched (${reason})`));
      else {
        const shown = dbs.length > 5 ? [...dbs.slice(0, 4).map((db) => `db ${db}`), `${formatCount(dbs.length - 4)} more`] : dbs.map((db) => `db ${db}`);
        out.push(sentence(`${formatCount(dbs.length)} dbs could not be searched (${reason}): ${list(shown)}`));
      }
    }
    const partial = presence.dbsChecked.filter((d) => !d.complete);
    if (partial.length > 0) {
      out.push(
        sentence(
          `The scan stopped at its budget in ${list(partial.map((d) => `db ${d.db} (${formatCount(d.scannedKeys)} keys visited)`))}, so key counts there are lower bounds`,
        ),
      );
    }
  }
  const deletion = dataOf(evidence, 'commands.deletion');
  if (deletion && !deletion.slowlogRead) {
    out.push(sentence(`SLOWLOG could not be read (${(deletion.slowlogError ?? 'refused').replace(/[.\s]+$/, '')}), so no removing command can be tied to a key`));
  }
  const metrics = dataOf(evidence, 'azure.metrics');
  const missingByReason = new Map<string, string[]>();
  for (const m of metrics?.missing ?? []) missingByReason.set(m.reason, [...(missingByReason.get(m.reason) ?? []), m.metric]);
  for (const [reason, names] of missingByReason) {
    out.push(sentence(`Azure metric${names.length === 1 ? '' : 's'} ${list(names)} could not be checked: ${reason.replace(/[.\s]+$/, '')}`));
  }
  const resource = dataOf(evidence, 'azure.resource');
  for (const field of resource?.unknown ?? []) {
    const reason = resource?.unknownReasons?.[field];
    if (reason && UNKNOWN_SETTING_NAMES[field]) out.push(sentence(`The cache's ${UNKNOWN_SETTING_NAMES[field]} could not be checked: ${reason.replace(/[.\s]+$/, '')}`));
  }
  const info = dataOf(evidence, 'info');
  // Nodes sharing one reason make one sentence: a cluster announcing a thousand foreign nodes is one line, not a thousand.
  const nodesByReason = new Map<string, string[]>();
  for (const node of info?.unreachable ?? []) {
    const reason = node.reason.replace(/[.\s]+$/, '');
    const addresses = nodesByReason.get(reason) ?? [];
    addresses.push(node.address);
    nodesByReason.set(reason, addresses);
  }
  for (const [reason, addresses] of nodesByReason) {
    if (addresses.length === 1) out.push(sentence(`Node ${addresses[0]} could not be read (${reason})`));
    else {
      const shown = addresses.length > 5 ? [...addresses.slice(0, 4), `${formatCount(addresses.length - 4)} more`] : addresses;
      out.push(sentence(`${formatCount(addresses.length)} nodes could not be read (${reason}): ${list(shown)}`));
    }
  }
  return out;
}
