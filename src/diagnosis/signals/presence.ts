// Where the keys are: present in the application's db, in another db (wrong database), or nowhere.
import type { Evidence } from '../../domain/checks.ts';
import type { Finding } from '../../domain/facts.ts';
import type { Signal } from '../signal.ts';
import { dataOf } from '../evidence.ts';
import { formatCount, formatMatchCount, formatPercent, joinAnd, plural } from '../../domain/format.ts';
import type { PresenceMatch } from '../../domain/evidence.ts';

export function presenceSignals(evidence: Evidence): Signal[] {
  const presence = dataOf(evidence, 'keyspace.presence');
  if (!presence) return [];
  const signals: Signal[] = [];
  const { pattern, db } = presence;
  const elsewhere = presence.matches.filter((match) => match.db !== db && match.count > 0);
  const here = presence.matches.find((match) => match.db === db);
  const countText = (count: number, sampled: boolean, match?: PresenceMatch): string => {
    if (match?.estimate) return formatMatchCount(match);
    const stopped = match && presence.dbsChecked.find((d) => d.db === match.db)?.stoppedAtMatch;
    return `${sampled ? 'at least ' : ''}${plural(count, 'key')}${stopped ? ', the scan stopped once keys were found' : ''}`;
  };

  if (elsewhere.length > 0) {
    const where = elsewhere.map((m) => `db ${m.db} (${countText(m.count, m.sampled, m)})`).join(', ');
    if (!presence.isPattern) {
      signals.push({
        cause: 'wrong-database',
        check: 'keyspace.presence',
        weight: presence.present ? 0.2 : 0.9,
        summary: presence.present
          ? `${pattern} exists in db ${db} and also in ${where}`
          : `${pattern} is not in db ${db} but exists in ${where}`,
      });
    } else {
      const hereCount = here?.count ?? 0;
      signals.push({
        cause: 'wrong-database',
        check: 'keyspace.presence',
        weight: hereCount === 0 ? 0.85 : 0.4,
        summary:
          hereCount === 0
            ? `no key matches ${pattern} in db ${db}, but keys match in ${where}`
            : `${countText(hereCount, here?.sampled ?? false, here)}${here?.estimate ? ' keys' : ''} match ${pattern} in db ${db}, and more in ${where}`,
      });
    }
  } else if (presence.oneDatabase !== undefined || (evidence.results.info?.status === 'ok' && evidence.results.info.data.clusterEnabled)) {
    // Not unlikely but not applicable: there is no other database to write to.
    signals.push({
      cause: 'wrong-database',
      check: 'keyspace.presence',
      weight: -1,
      rulesOut: true,
      summary: `not applicable: this cache has only db 0 (${presence.oneDatabase ?? 'it is a cluster'}), so there is no other database to write to`,
    });
  } else {
    const complete = presence.dbsChecked.filter((d) => d.complete).length;
    const looked = presence.dbsChecked.filter((d) => d.db !== db).length;
    const scanned = presence.dbsChecked.reduce((sum, d) => sum + d.scannedKeys, 0);
    const refused = presence.dbsRefused.length;
    const partial = complete < presence.dbsChecked.length || refused > 0;
    const refusedNote = refused ? `${plural(refused, 'db')} refused SELECT` : null;
    const how =
      looked === 0
        ? ['INFO keyspace', refusedNote]
        : presence.isPattern
          ? [`${plural(scanned, 'key')} scanned`, partial ? `${complete} of ${presence.dbsChecked.length} dbs scanned completely` : 'every db scanned completely', refusedNote]
          : ['looked up in each', refusedNote];
    const searched =
      looked === 0
        ? 'no other db holds any key'
        : `${presence.isPattern ? `no key matching ${pattern} in any of the` : `${pattern} is in none of the`} ${plural(looked, 'other db')} with keys`;
    // A sampled db with no match could still hold a few unseen: say how many at most.
    const unseen = presence.dbsChecked
      .filter((d) => d.db !== db && !d.complete && d.estimate)
      .map((d) => `db ${d.db} could hold up to ${formatCount(d.estimate?.high ?? 0)} unseen (${formatPercent(d.estimate?.fraction ?? 0)} scanned)`);
    signals.push({
      cause: 'wrong-database',
      check: 'keyspace.presence',
      weight: partial ? -0.4 : -0.7,
      summary: `${searched} (${[...how, ...unseen].filter((part) => part !== null).join('; ')})`,
    });
  }

  const clients = dataOf(evidence, 'clients');
  if (clients && clients.total > 0) {
    const onOtherDbs = clients.byDb.filter((entry) => entry.db !== db && entry.clients > 0);
    const otherCount = onOtherDbs.reduce((sum, entry) => sum + entry.clients, 0);
    if (otherCount > 0) {
      const matchDbs = new Set(elsewhere.map((m) => m.db));
      const onMatchDb = onOtherDbs.some((entry) => matchDbs.has(entry.db));
      signals.push({
        cause: 'wrong-database',
        check: 'clients',
        weight: onMatchDb ? 0.4 : 0.15,
        summary: `${formatCount(otherCount)} of ${plural(clients.total, 'client')} ${otherCount === 1 ? 'uses' : 'use'} ${onOtherDbs.length === 1 ? `db ${onOtherDbs[0]?.db}` : joinAnd(onOtherDbs.map((e) => `db ${e.db} (${e.clients})`))}, not db ${db}`,
      });
    } else {
      signals.push({
        cause: 'wrong-database',
        check: 'clients',
        weight: -0.2,
        summary: clients.total === 1 ? `the one connected client uses db ${db}` : `all ${plural(clients.total, 'connected client')} use db ${db}`,
      });
    }
  }
  return signals;
}

export function presenceFacts(evidence: Evidence): Finding[] {
  const presence = dataOf(evidence, 'keyspace.presence');
  const facts: Finding[] = [];
  const elsewhere = presence?.matches.filter((m) => m.db !== presence.db && m.count > 0) ?? [];
  const most = elsewhere.reduce<PresenceMatch | null>((best, m) => (best === null || m.count > best.count ? m : best), null);
  if (most) facts.push({ fact: 'keys-in-other-db', values: { 'other-db': String(most.db) } });
  if (dataOf(evidence, 'info')?.clusterEnabled) facts.push('clustered');
  const clients = dataOf(evidence, 'clients');
  if (clients && clients.total > 0 && clients.names.reduce((sum, n) => sum + n.clients, 0) >= clients.total) facts.push('clients-named');
  return facts;
}
