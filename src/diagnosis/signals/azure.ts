// Azure's view: Monitor metrics (errors, evictions, expirations, key count, clients, silences), the activity log and the cache's settings.
import type { Evidence } from '../../domain/checks.ts';
import type { ActivityEvent, AzureMetricsData, MetricEvent, MetricSeries } from '../../domain/azure-evidence.ts';
import type { Fact } from '../../domain/facts.ts';
import type { Signal } from '../signal.ts';
import { dataOf, effectiveTier } from '../evidence.ts';
import { formatCount, formatDuration, formatInstant, grainMs } from '../../domain/format.ts';

/** A key count that ends at or below this share of where it was has been emptied, not trimmed. */
const EMPTIED_RATIO = 0.01;
/** A restart shows as a silence or dropped clients within minutes of the keys vanishing. */
const NEARBY_MS = 5 * 60_000;

export function azureSignals(evidence: Evidence): Signal[] {
  return [...metricSignals(evidence), ...activitySignals(evidence), ...resourceSignals(evidence)];
}

// ---- the cache's state and layout, as Resource Manager reports it now ----

/** provisioningState values of a cache whose nodes are being replaced or restarted (scaling, patching, a settings change). */
const CHANGING_STATES = new Set(['updating', 'scaling', 'patching', 'recoveringscalefailure', 'provisioning', 'upgrading']);

function resourceSignals(evidence: Evidence): Signal[] {
  const resource = dataOf(evidence, 'azure.resource');
  if (!resource) return [];
  const signals: Signal[] = [];
  const cite = (cause: Signal['cause'], weight: number, summary: string, rulesOut?: boolean) =>
    signals.push({ cause, check: 'azure.resource', weight, summary, ...(rulesOut ? { rulesOut } : {}) });
  const state = resource.provisioningState ?? null;
  const knownReplicas = !(resource.unknown ?? []).includes('replicasPerPrimary');
  const noReplica = knownReplicas && resource.replicasPerPrimary === 0;
  if (state && CHANGING_STATES.has(state.toLowerCase())) {
    // The state is as of now, the end of the window: an update under way restarts the nodes one at a time.
    const what = `Azure reports ${resource.name} as ${state} now (scaling, patching or a settings change)`;
    if (noReplica) cite('instance-failure', 0.5, `${what}: with no replica, every node it restarts comes back empty`);
    else {
      cite('replication', 0.3, `${what}: each node it restarts fails over to its replica, and writes the replica had not received are lost`);
      cite('instance-failure', 0.15, `${what}: its nodes are restarted one at a time`);
    }
  } else if (state && state.toLowerCase() === 'failed') {
    cite('instance-failure', 0.2, `Azure reports the last operation on ${resource.name} as Failed: nodes may have been left restarted or replaced`);
  }
  // Basic is ruled out by tier in the replication signals; here a cache whose high availability is off.
  if (noReplica && resource.tier !== 'basic') {
    cite('replication', -1, `${resource.name} has no replica (high availability off), so no failover can lose writes`, true);
  }
  return signals;
}

// ---- Monitor metrics ----

function metricSignals(evidence: Evidence): Signal[] {
  const metrics = dataOf(evidence, 'azure.metrics');
  if (!metrics) return [];
  const since = evidence.query.since.getTime();
  const basic = effectiveTier(evidence).tier === 'basic';
  // The window starts a margin before `since`; what ended before the keys were last seen cannot explain their loss.
  const events = metrics.events.filter((e) => Date.parse(e.to) >= since);
  const signals: Signal[] = [];
  const cite = (cause: Signal['cause'], weight: number, summary: string) => signals.push({ cause, check: 'azure.metrics', weight, summary });

  const errors = events.filter((e) => e.kind === 'error');
  const failovers = errors.filter((e) => e.dimensions.errortype === 'Failover');
  const dataLoss = errors.filter((e) => e.dimensions.errortype === 'Dataloss');
  for (const e of failovers) {
    if (basic) cite('instance-failure', 0.6, `${e.summary}: a Basic cache has no replica, so its data went with the node`);
    else {
      cite('replication', 0.7, `${e.summary}: a replica was promoted; writes it had not yet received were lost`);
      cite('instance-failure', 0.15, `${e.summary}: a node went down`);
    }
  }
  for (const e of dataLoss) {
    cite('instance-failure', 0.6, `${e.summary}: Azure recorded data loss on the cache`);
    if (!basic) cite('replication', 0.5, `${e.summary}: Azure recorded data loss, as when a replica is promoted before it has the writes`);
  }
  if (failovers.length === 0 && dataLoss.length === 0 && hasData(metrics, 'errors', since)) {
    cite('replication', -0.4, `no Failover or Dataloss errors in Azure Monitor ${sinceText(evidence)}${grainNote(metrics)}`);
  }

  signals.push(...counterSignals(evidence, metrics, events, 'evictedkeys', 'eviction', { burst: 0.65, some: 0.45, none: -0.6 }));
  signals.push(...counterSignals(evidence, metrics, events, 'expiredkeys', 'expiration', { burst: 0.45, some: 0.15, none: -0.4 }));
  for (const e of events.filter((e) => e.kind === 'near-limit')) cite('eviction', 0.2, e.summary);

  const silences = events.filter((e) => e.kind === 'gap' || (e.metric === 'connectedclients' && e.kind === 'step-down'));
  for (const e of silences) {
    cite('instance-failure', 0.35, e.kind === 'gap' ? e.summary : `${e.summary}: every connection dropped, as when the node restarts`);
  }
  const nearSilence = (e: MetricEvent) => silences.some((s) => Math.abs(Date.parse(s.from) - Date.parse(e.to)) <= NEARBY_MS || Math.abs(Date.parse(s.to) - Date.parse(e.from)) <= NEARBY_MS);
  const falls = events.filter((e) => e.metric === 'totalkeys' && e.kind === 'step-down');
  for (const e of falls) {
    const emptied = e.after <= e.before * EMPTIED_RATIO;
    if (emptied && nearSilence(e)) {
      cite('instance-failure', 0.45, `${e.summary}, while the cache went silent: it restarted and came back empty`);
      cite('flush', 0.15, `${e.summary}: emptied at once`);
    } else if (emptied) {
      cite('flush', 0.45, `${e.summary}: the cache emptied at once, as a flush does`);
    } else if (nearSilence(e)) {
      cite('instance-failure', 0.3, `${e.summary}, while the cache went silent`);
    } else {
      const evictedThen = events.some((x) => (x.metric === 'evictedkeys' || x.metric === 'expiredkeys') && Math.abs(Date.parse(x.from) - Date.parse(e.to)) <= NEARBY_MS);
      if (!evictedThen) cite('deletion', 0.2, `${e.summary}, with no burst of evictions or expirations then`);
    }
  }
  const keys = levelsSince(metrics.series, 'totalkeys', since);
  if (falls.length === 0 && keys.atSince !== null && keys.atSince > 100 && keys.min !== null && keys.min >= keys.atSince * 0.5) {
    cite('flush', -0.5, `totalkeys stayed at ${formatCount(keys.min)} or more ${sinceText(evidence)} (${formatCount(keys.atSince)} when the keys were last seen): nothing emptied the cache`);
  }
  return signals;
}

function counterSignals(
  evidence: Evidence,
  metrics: AzureMetricsData,
  events: MetricEvent[],
  metric: 'evictedkeys' | 'expiredkeys',
  cause: 'eviction' | 'expiration',
  weights: { burst: number; some: number; none: number },
): Signal[] {
  const bursts = events.filter((e) => e.metric === metric && e.kind === 'spike');
  if (bursts.length > 0) return bursts.map((e) => ({ cause, check: 'azure.metrics', weight: weights.burst, summary: e.summary }));
  const since = evidence.query.since.getTime();
  if (!hasData(metrics, metric, since)) return [];
  const total = sumSince(metrics.series, metric, since);
  return [
    total > 0
      ? { cause, check: 'azure.metrics', weight: weights.some, summary: `${metric} ${formatCount(total)} ${sinceText(evidence)}${grainNote(metrics)}` }
      : { cause, check: 'azure.metrics', weight: weights.none, summary: `${metric} 0 ${sinceText(evidence)}${grainNote(metrics)}` },
  ];
}

/**
 * What Azure Managed Redis's metrics can say, where a sum or a silence is cited: the grain Azure returned (PT5M at the
 * finest, so a step within it is not placed closer) and that the count is the whole cache's (several of its metrics
 * have no shard dimension). "" for Azure Cache for Redis, whose per-shard minutes need no caveat.
 */
function grainNote(metrics: AzureMetricsData): string {
  if (metrics.namespace?.toLowerCase() !== 'microsoft.cache/redisenterprise') return '';
  const ms = grainMs(metrics.window.interval);
  return ` (Azure's ${ms ? formatDuration(ms) : metrics.window.interval} points for the whole cache: Azure Managed Redis reports no shard)`;
}

function hasData(metrics: AzureMetricsData, metric: string, since: number): boolean {
  return metrics.series.some((s) => s.metric === metric && s.points.some((p) => p.value !== null && Date.parse(p.at) >= since));
}

/** The Total of a counter since `since`, over every shard. */
function sumSince(series: MetricSeries[], metric: string, since: number): number {
  return series
    .filter((s) => s.metric === metric)
    .flatMap((s) => s.points)
    .reduce((sum, p) => sum + (p.value !== null && Date.parse(p.at) >= since ? p.value : 0), 0);
}

/** A gauge's level at the last point before `since` (or the first after) and its lowest since, per timestamp the largest shard. */
function levelsSince(series: MetricSeries[], metric: string, since: number): { atSince: number | null; min: number | null } {
  const byTime = new Map<number, number>();
  for (const s of series.filter((x) => x.metric === metric)) {
    for (const p of s.points) if (p.value !== null) byTime.set(Date.parse(p.at), Math.max(byTime.get(Date.parse(p.at)) ?? 0, p.value));
  }
  const points = [...byTime.entries()].sort(([a], [b]) => a - b);
  const before = points.filter(([t]) => t <= since).pop() ?? points.find(([t]) => t > since);
  const after = points.filter(([t]) => t >= since).map(([, v]) => v);
  return { atSince: before ? before[1] : null, min: after.length ? Math.min(...after) : null };
}

function sinceText(evidence: Evidence): string {
  return `since ${formatInstant(evidence.query.since, evidence.now)}`;
}

// ---- activity log ----

function activitySignals(evidence: Evidence): Signal[] {
  const activity = dataOf(evidence, 'azure.activity-log');
  if (!activity) return [];
  const since = evidence.query.since.getTime();
  const basic = effectiveTier(evidence).tier === 'basic';
  const signals: Signal[] = [];
  const cite = (cause: Signal['cause'], weight: number, summary: string) => signals.push({ cause, check: 'azure.activity-log', weight, summary });
  // A failed operation changed nothing; what happened before the keys were last seen cannot explain their loss.
  const relevant = activity.events.filter((e) => Date.parse(e.at) >= since && e.status?.toLowerCase() !== 'failed');
  for (const e of relevant) {
    const what = describeActivity(e, evidence);
    switch (e.kind) {
      case 'flush':
        // Decisive: the management plane flushed the cache, whatever Redis's counters (reset by a later restart) say.
        cite('flush', 0.95, `${what}: the cache was flushed through Azure`);
        break;
      case 'reboot':
        cite('instance-failure', 0.6, `${what}: a forced reboot restarts the node without its data unless persistence reloads it`);
        if (!basic) cite('replication', 0.2, `${what}: rebooting a primary promotes its replica`);
        break;
      case 'stop':
        cite('instance-failure', 0.5, `${what}: the cache was stopped`);
        break;
      case 'health':
        cite('instance-failure', 0.3, `${what}: Azure maintenance or a platform incident on the cache`);
        if (!basic) cite('replication', 0.15, `${what}: maintenance fails over one node at a time`);
        break;
      case 'write':
        cite('instance-failure', 0.15, `${what}: scaling or a settings change can restart nodes`);
        break;
      case 'force-link':
        // Decisive and dated: Azure recreates the database empty and it takes the group's data, discarding its own.
        cite('instance-failure', 0.9, `${what}: the database was recreated and rejoined its geo-replication group, discarding the data it held`);
        break;
      case 'force-unlink':
        cite('replication', 0.3, `${what}: a linked database left the geo-replication group, so writes on either side are no longer copied to the other`);
        break;
      case 'import':
        cite('flush', 0.25, `${what}: an import loads an RDB file into the cache, and keys that are not in the file can be gone after it`);
        break;
      default:
        break;
    }
  }
  return signals;
}

/** "Microsoft.Cache/redis/flush/action at 05:30:00 UTC by oncall@example.com (Succeeded)". */
function describeActivity(e: ActivityEvent, evidence: Evidence): string {
  return `activity log: ${e.operation} at ${formatInstant(new Date(e.at), evidence.now)}${e.caller ? ` by ${e.caller}` : ''}${e.status ? ` (${e.status})` : ''}`;
}

// ---- the cache's settings ----

export function azureFacts(evidence: Evidence): Fact[] {
  const resource = dataOf(evidence, 'azure.resource');
  if (!resource) return [];
  const facts: Fact[] = ['azure-resource-read'];
  // Evidence stored by an earlier version (or hand-made) may lack `unknown`: read it as "all known".
  const unknown = new Set<string>(resource.unknown ?? []);
  // Basic and Standard cannot persist; every other tier can (Premium, Enterprise and every Azure Managed Redis tier).
  const canPersist = resource.tier !== null && resource.tier !== 'basic' && resource.tier !== 'standard';
  if (canPersist && !resource.rdbBackupEnabled && !resource.aofBackupEnabled) facts.push('persistence-off');
  if (!unknown.has('notifyKeyspaceEvents') && !resource.notifyKeyspaceEvents) facts.push('keyspace-notifications-off');
  if (resource.geoReplicated) facts.push('geo-replicated');
  // Azure Managed Redis does not report its shards, but any clustering policy but NoCluster spreads the keys over them.
  const policy = resource.clusteringPolicy?.toLowerCase() ?? null;
  if (resource.shardCount > 0 || (policy !== null && policy !== 'nocluster')) facts.push('clustered');
  if (!unknown.has('replicasPerPrimary') && resource.replicasPerPrimary === 0) facts.push('no-replica');
  // A primary and its replicas in one zone go down together in a zone outage.
  if ((resource.zones ?? []).length === 1 && !unknown.has('replicasPerPrimary') && resource.replicasPerPrimary > 0) facts.push('single-zone');
  return facts;
}
