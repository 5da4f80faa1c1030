// What could not be checked, as sentences: failed and skipped checks, refused dbs, partial scans, unreachable nodes.
import { CAUSE_IDS, type CauseId } from '../domain/causes.ts';
import { CHECK_NAMES, type CheckId, type Evidence } from '../domain/checks.ts';
import type { Info } from '../domain/info.ts';
import { RELATED_CHECKS } from './score.ts';
import { dataOf } from './evidence.ts';
import { formatCount, joinAnd as list } from '../domain/format.ts';

function causesTouching(ids: CheckId[]): CauseId[] {
  return CAUSE_IDS.filter((cause) => ids.some((id) => RELATED_CHECKS[cause].includes(id)));
}

/** A reason as a clause inside a sentence: without its closing full stop or trailing space. */
function clause(reason: string): string {
  return reason.replace(/[.\s]+$/, '');
}

/** The values grouped by their reason (as a clause), in the order the reasons first appear. */
function groupByReason<T>(items: readonly T[], reason: (item: T) => string, value: (item: T) => string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const item of items) {
    const key = clause(reason(item));
    const values = groups.get(key);
    if (values) values.push(value(item));
    else groups.set(key, [value(item)]);
  }
  return groups;
}

/** Up to five names in full; past five, the first four and how many more. */
function shortList(names: string[]): string[] {
  return names.length > 5 ? [...names.slice(0, 4), `${formatCount(names.length - 4)} more`] : names;
}

/** "Azure settings, Azure Monitor metrics and Azure activity log": the checks as people name them. */
function names(ids: readonly CheckId[]): string {
  return list(ids.map((id) => CHECK_NAMES[id]));
}

/** `wrong-database` → "wrong database". */
function causeWords(cause: CauseId): string {
  return cause.replace(/-/g, ' ');
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

/** INFO fields the diagnosis reads that older servers do not report (6.0 has neither), and what each would show. */
const VERSION_FIELDS = [
  { field: 'server_time_usec', shows: "the server's clock, which dates a restart to the second", read: (info: Info) => info.server.server_time_usec },
  { field: 'rdb_last_load_keys_loaded', shows: 'how many keys the last start loaded from disk', read: (info: Info) => info.persistence.rdb_last_load_keys_loaded },
] as const;

/** Nodes whose server does not report a field of VERSION_FIELDS, one sentence per server version and set of fields. */
function versionLacks(evidence: Evidence): string[] {
  const groups = new Map<string, string[]>();
  for (const node of dataOf(evidence, 'info')?.nodes ?? []) {
    const version = node.info.server.redis_version;
    // Only a server that answered INFO server: a node that said nothing is reported as unreadable, not as lacking.
    if (version === undefined) continue;
    const lacking = VERSION_FIELDS.filter((entry) => entry.read(node.info) === undefined);
    if (lacking.length === 0) continue;
    const key = `${version}\u0000${lacking.map((entry) => entry.field).join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), node.address]);
  }
  return [...groups].map(([key, addresses]) => {
    const [version = '', fields = ''] = key.split('\u0000');
    const lacking = VERSION_FIELDS.filter((entry) => fields.split(',').includes(entry.field));
    const what = lacking.map((entry) => `${entry.field} (${entry.shows})`);
    const them = lacking.length === 1 ? 'what it shows' : 'what they show';
    return sentence(`${list(shortList(addresses))} (redis_version ${version}) ${addresses.length === 1 ? 'does' : 'do'} not report ${what.join(' or ')}: ${them} could not be checked`);
  });
}

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
    const reason = clause(key.slice(key.indexOf('\u0000') + 1));
    if (verb === 'failed') {
      const causes = causesTouching(ids);
      out.push(
        sentence(
          `The ${names(ids)} ${ids.length === 1 ? 'check' : 'checks'} failed: ${reason}` +
            (causes.length > 0 ? `; ${list(causes.map(causeWords))} ${causes.length === 1 ? 'rests' : 'rest'} on the other evidence` : ''),
        ),
      );
    } else {
      out.push(sentence(`Not run: the ${names(ids)} ${ids.length === 1 ? 'check' : 'checks'}, because ${reason}`));
    }
  }

  const record = dataOf(evidence, 'record');
  for (const gap of record?.record.gaps ?? []) {
    out.push(sentence(`The record has a gap from ${gap.from.slice(0, 19).replace('T', ' ')} to ${gap.to.slice(0, 19).replace('T', ' ')} UTC (${clause(gap.why)}): what was removed then could not be checked`));
  }
  if (record?.unreadable) {
    const entries = record.unreadable === 1 ? 'entry' : 'entries';
    out.push(sentence(`${formatCount(record.unreadable)} ${entries} of the record could not be read (malformed or oversized) and ${record.unreadable === 1 ? 'was' : 'were'} skipped`));
  }
  const presence = dataOf(evidence, 'keyspace.presence');
  if (presence) {
    // Dbs sharing one reason make one sentence: 2,000 dbs beyond the search bound are one line.
    for (const [reason, dbs] of groupByReason(presence.dbsRefused, (refused) => refused.reason, (refused) => `db ${refused.db}`)) {
      if (dbs.length === 1) out.push(sentence(`${dbs[0]} could not be searched (${reason})`));
      else out.push(sentence(`${formatCount(dbs.length)} dbs could not be searched (${reason}): ${list(shortList(dbs))}`));
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
    out.push(sentence(`SLOWLOG could not be read (${clause(deletion.slowlogError ?? 'refused')}), so no removing command can be tied to a key`));
  }
  const metrics = dataOf(evidence, 'azure.metrics');
  for (const [reason, names] of groupByReason(metrics?.missing ?? [], (m) => m.reason, (m) => m.metric)) {
    out.push(sentence(`Azure metric${names.length === 1 ? '' : 's'} ${list(names)} could not be checked: ${reason}`));
  }
  const resource = dataOf(evidence, 'azure.resource');
  for (const field of resource?.unknown ?? []) {
    const reason = resource?.unknownReasons?.[field];
    if (reason && UNKNOWN_SETTING_NAMES[field]) out.push(sentence(`The cache's ${UNKNOWN_SETTING_NAMES[field]} could not be checked: ${clause(reason)}`));
  }
  const info = dataOf(evidence, 'info');
  // Nodes sharing one reason make one sentence: a cluster announcing a thousand foreign nodes is one line, not a thousand.
  for (const [reason, addresses] of groupByReason(info?.unreachable ?? [], (node) => node.reason, (node) => node.address)) {
    if (addresses.length === 1) out.push(sentence(`Node ${addresses[0]} could not be read (${reason})`));
    else out.push(sentence(`${formatCount(addresses.length)} nodes could not be read (${reason}): ${list(shortList(addresses))}`));
  }
  out.push(...versionLacks(evidence));
  return out;
}
