// What an Azure Monitor alert does once accepted. Every accepted alert ends in something a person sees: fired → a root
// message in the cache's alert channel and the checks in its thread, with no person involved; resolved → one line in
// that thread; a recovery (health Available again, an event Resolved) → a line in the cache's open alert thread; and
// whatever keyloss cannot investigate → a notice in the channel saying why. Azure's retries do nothing twice; one
// alert is its id, its condition and its fired time (the portal's "Test action group" sends every sample with one id).
import { createHash } from 'node:crypto';
import { findCacheByResourceId, type CacheConfig } from '../../config/caches.ts';
import { cacheAddress } from '../../core/target.ts';
import { formatValue } from '../../domain/format.ts';
import { saidBetween, type Said } from '../../record/announce.ts';
import { findRecordName } from '../../record/identity.ts';
import { RecordLayout } from '../../record/layout.ts';
import { describeError } from '../../redact.ts';
import { z } from 'zod';
import { replaceState, withClaim, type RecordKind } from '../../state/store.ts';
import { noticeMessage } from '../blocks/notices.ts';
import { cacheList, type Client, type SlackDeps } from '../context.ts';
import { startInvestigation } from '../flow/start.ts';
import type { AlertOrigin } from '../investigation.ts';
import { postMessage } from '../post.ts';
import type { AzureMonitorAlert } from './azure-monitor.ts';

/** Who the root message and the timeline name as the starter. */
export const ALERT_STARTER = 'Azure Monitor';
/** Without a window in the alert, the keys are taken to have been there this long before it fired (or the event). */
const DEFAULT_LOOKBACK_MS = 15 * 60_000;

interface AlertThread {
  channel: string;
  rootTs: string;
}

/** Where an alert's investigation runs, remembered for its Resolved notification and the cache's recoveries: two Slack ids. */
const ALERT_THREAD_RECORD: RecordKind<AlertThread> = { what: 'alert thread', schema: z.object({ channel: z.string(), rootTs: z.string() }), maxChars: 1_024 };

/** One alert instance: its id and fired time (ISO, as parsed), hashed so that a 512-character id makes a short key. */
function alertInstance(alert: Pick<AzureMonitorAlert, 'id' | 'firedAt'>): string {
  return createHash('sha256').update(`${alert.id}\n${alert.firedAt}`).digest('hex').slice(0, 40);
}

/** Where the thread of the alert's investigation is remembered. */
export function threadOfAlert(alert: Pick<AzureMonitorAlert, 'id' | 'firedAt'>): string {
  return `keyloss:alert-thread:${alertInstance(alert)}`;
}

/** The thread of the cache's latest alert investigation, where a recovery is said. */
function openThreadOfCache(cache: CacheConfig): string {
  return `keyloss:alert-open:${cache.name}`;
}

function utc(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

/** What the activity-log event says, in one line: `Resource Health: Rebooted by user (Unavailable, was Available; cause UserInitiated)`. */
function eventLine(alert: AzureMonitorAlert): string | null {
  const e = alert.event;
  if (!e) return null;
  const what = e.title ?? e.operation ?? alert.rule;
  const details = [
    e.health ? `${e.health.current}${e.health.previous ? `, was ${e.health.previous}` : ''}` : null,
    e.status && !e.health ? `status ${e.status}` : null,
    e.cause ? `cause ${e.cause}` : null,
    e.service?.name ? `${e.service.name}${e.service.region ? ` in ${e.service.region}` : ''}` : null,
    e.service?.stage ? `stage ${e.service.stage}` : null,
    e.service?.trackingId ? `tracking id ${e.service.trackingId}` : null,
  ].filter((d): d is string => d !== null);
  return `${alert.signal === 'activity log' ? 'Activity log' : alert.signal === 'resource health' ? 'Resource Health' : 'Service Health'}: ${what}${details.length > 0 ? ` (${details.join('; ')})` : ''}${e.at ? ` at ${utc(e.at)}` : ''}`;
}

export function alertOrigin(alert: AzureMonitorAlert): AlertOrigin {
  const event = eventLine(alert);
  return {
    id: alert.id,
    rule: alert.rule,
    severity: alert.severity,
    firedAt: alert.firedAt,
    conditions: [
      ...(event ? [event] : []),
      ...alert.conditions.map((c) => `${c.metric}${c.rule ? ` ${c.rule}` : ''}${c.value !== null ? ` (value ${formatValue(c.value, 'Count')})` : ''}`),
    ],
  };
}

/** Since: the alert's window start, else the event's time (or the fired time) minus 15 minutes. */
export function alertSince(alert: AzureMonitorAlert): string {
  return alert.window?.from ?? new Date(Date.parse(alert.event?.at ?? alert.firedAt) - DEFAULT_LOOKBACK_MS).toISOString();
}

/** Where an alert goes: its cache (if any) and the channel that hears of it; null when no channel would. */
export type AlertPlace = { ok: true; cache: CacheConfig | null; channel: string } | { ok: false; reason: string };

/** Decided before the alert is accepted, from configuration alone: an alert no channel would hear of is refused, not dropped. */
export function placeAlert(deps: SlackDeps, alert: AzureMonitorAlert): AlertPlace {
  const cache = alert.targets.map((id) => findCacheByResourceId(cacheList(deps), id)).find((c): c is CacheConfig => c !== undefined) ?? null;
  const channel = cache?.alerts.channel ?? deps.config.alertChannel;
  if (channel) return { ok: true, cache, channel };
  return {
    ok: false,
    reason: cache
      ? `no channel for alerts on ${cache.name}: set alerts.channel for it in the caches file or KEYLOSS_ALERT_CHANNEL`
      : 'no cache in the caches file has this azure.resourceId, and KEYLOSS_ALERT_CHANNEL (where keyloss says so) is not set',
  };
}

export async function handleAlert(client: Client, deps: SlackDeps, alert: AzureMonitorAlert): Promise<void> {
  const audit = (what: string, extra: Record<string, unknown> = {}) =>
    deps.audit({ action: 'alert', user: null, channel: null, alert: alert.id, rule: alert.rule, condition: alert.condition, firedAt: alert.firedAt, what, ...extra });
  const place = placeAlert(deps, alert);
  if (!place.ok) {
    audit('no channel to say it in', { reason: place.reason });
    return;
  }
  // Azure retries a webhook it thinks failed: the same alert, condition and fired time is acted on once. Work that
  // fails (a state write, a post) gives the claim back, so the next delivery of the alert is acted on.
  const key = `keyloss:alert:${alertInstance(alert)}:${alert.condition}`;
  const claimed = await withClaim(deps.store, key, deps.config.sessionTtlMs, () => actOnAlert(client, deps, alert, place.cache, place.channel, audit));
  if (!claimed) audit('duplicate delivery, ignored');
}

type AlertAudit = (what: string, extra?: Record<string, unknown>) => void;

/** Says `text` in the channel; where keyloss cannot post there, in KEYLOSS_ALERT_CHANNEL instead. */
async function notice(client: Client, deps: SlackDeps, channel: string, icon: string, text: string): Promise<string> {
  try {
    await postMessage(client, channel, null, noticeMessage(icon, text));
    return channel;
  } catch (error) {
    const fallback = deps.config.alertChannel;
    if (!fallback || fallback === channel) throw error;
    await postMessage(client, fallback, null, noticeMessage(icon, `${text} (keyloss could not post in ${channel}: ${describeError(error)})`));
    return fallback;
  }
}

function headline(alert: AzureMonitorAlert): string {
  return `Azure Monitor alert ${alert.rule} (${alert.severity})`;
}

async function actOnAlert(client: Client, deps: SlackDeps, alert: AzureMonitorAlert, cache: CacheConfig | null, channel: string, audit: AlertAudit): Promise<void> {
  const event = eventLine(alert);
  if (!cache) {
    const why =
      alert.targets.length === 0
        ? 'it names no resource'
        : alert.signal === 'service health'
          ? `a Service Health event is about an Azure service and region (${alert.targets.join(', ')}), not one cache`
          : `no cache in the caches file has that azure.resourceId (${alert.targets.join(', ')})`;
    audit('no cache for this alert', { targets: alert.targets, channel });
    await notice(client, deps, channel, ':grey_question:', `${headline(alert)} ${alert.condition.toLowerCase()}${event ? `: ${event}` : ''}. keyloss checked nothing: ${why}.`);
    return;
  }
  if (alert.condition === 'Resolved') {
    const thread = (await deps.store.get(threadOfAlert(alert), ALERT_THREAD_RECORD))?.value;
    const at = utc(alert.resolvedAt ?? deps.now().toISOString());
    if (!thread) {
      const where = await notice(
        client,
        deps,
        channel,
        ':white_check_mark:',
        `${headline(alert)} resolved at ${at} for ${cache.name}. keyloss saw no fired alert with this id and fired time (${utc(alert.firedAt)}), so it checked nothing.`,
      );
      audit('resolved, but keyloss saw no fired alert with this id', { cache: cache.name, channel: where });
      return;
    }
    await postMessage(client, thread.channel, thread.rootTs, noticeMessage(':white_check_mark:', `Azure Monitor: ${alert.rule} resolved at ${at}.`));
    audit('resolved', { cache: cache.name, channel: thread.channel, thread: thread.rootTs });
    return;
  }
  if (alert.recovery) {
    // A recovery is not an incident: a line in the cache's open alert thread, else a short notice.
    const line = `Azure Monitor: ${alert.rule}: ${alert.recovery}${event ? `. ${event}` : ''}. Nothing to investigate.`;
    const open = (await deps.store.get(openThreadOfCache(cache), ALERT_THREAD_RECORD))?.value;
    if (open) {
      await postMessage(client, open.channel, open.rootTs, noticeMessage(':white_check_mark:', line));
      audit('recovery, said in the open thread', { cache: cache.name, channel: open.channel, thread: open.rootTs, recovery: alert.recovery });
      return;
    }
    const where = await notice(client, deps, channel, ':white_check_mark:', `${line.replace(/^Azure Monitor: /, `${cache.name}: Azure Monitor alert `)}`);
    audit('recovery, said as a notice', { cache: cache.name, channel: where, recovery: alert.recovery });
    return;
  }
  // keyloss record may have said this event first: the alert's checks then run in that message's thread.
  const recorded = await recordedInWindow(deps, cache, alert);
  const runIn = recorded?.channel ?? channel;
  const started = await startInvestigation(client, deps, {
    cache,
    channel: runIn,
    ...(recorded ? { thread: recorded.ts } : {}),
    user: ALERT_STARTER,
    prefill: { key: cache.alerts.key, since: alertSince(alert) },
    alert: alertOrigin(alert),
    // The thread is remembered before the checks run, so a resolve arriving meanwhile finds it.
    onRoot: async (rootTs) => {
      await deps.store.put(threadOfAlert(alert), ALERT_THREAD_RECORD, { channel: runIn, rootTs }, null, deps.config.sessionTtlMs);
      await replaceState(deps.store, openThreadOfCache(cache), ALERT_THREAD_RECORD, { channel: runIn, rootTs }, deps.config.sessionTtlMs);
      audit('investigating', { cache: cache.name, channel: runIn, thread: rootTs });
    },
  });
  if (!started.ok && recorded) {
    // Someone already diagnoses the recorded event in that thread: the alert is one line there, not a second run.
    await postMessage(client, recorded.channel, recorded.ts, noticeMessage(':bell:', `Azure Monitor alert ${alert.rule} (${alert.severity}) fired at ${alert.firedAt.slice(11, 19)} UTC for this cache, in the window of this event; the checks in this thread cover it.`));
    audit('noted in the thread of the recorded event', { cache: cache.name, channel: recorded.channel, thread: recorded.ts });
    return;
  }
  if (!started.ok) {
    // Said where the alert would have run: an alert keyloss cannot investigate is never only an audit line.
    const where = await notice(
      client,
      deps,
      channel,
      ':warning:',
      `${headline(alert)} fired at ${utc(alert.firedAt)} on ${cache.name}${event ? ` (${event})` : ''}, but keyloss could not investigate it: ${started.reason}`,
    );
    audit('could not start', { cache: cache.name, channel: where, reason: started.reason });
  }
}

/** How long before the alert's window (or its fired time) a recorded event still counts as the same one. */
const RECORDED_SLACK_MS = 5 * 60_000;

/** The message keyloss record posted about this cache in the alert's window, when there is one. */
async function recordedInWindow(deps: SlackDeps, cache: CacheConfig, alert: AzureMonitorAlert): Promise<Said | null> {
  const record = deps.record;
  if (!record || !('client' in record)) return null;
  const address = cacheAddress(cache, deps.config.secrets);
  const name = await findRecordName(record.client, record.prefix, { name: cache.name, address: address ?? cache.name }).catch(() => null);
  if (name === null) return null;
  const from = Date.parse(alertSince(alert)) - RECORDED_SLACK_MS;
  const to = Date.parse(alert.window?.to ?? alert.firedAt) + RECORDED_SLACK_MS;
  return saidBetween(record.client, new RecordLayout(record.prefix, name), from, to);
}

/** handleAlert after the 202: a failure is one audit line, never an unhandled rejection. */
export function acceptAlert(client: Client, deps: SlackDeps, alert: AzureMonitorAlert): void {
  handleAlert(client, deps, alert).catch((error: unknown) => {
    deps.audit({ action: 'error', user: null, channel: null, where: 'Azure Monitor alert', alert: alert.id, error: describeError(error) });
  });
}
