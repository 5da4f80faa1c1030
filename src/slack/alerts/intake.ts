// What an Azure Monitor alert does once accepted: fired → a root message in the cache's alert channel and the checks
// in its thread, with no person involved; resolved → one line in that thread. Azure's retries do nothing twice.
import { findCacheByResourceId, type CacheConfig } from '../../config/caches.ts';
import { cacheAddress } from '../../core/target.ts';
import { formatValue } from '../../domain/format.ts';
import { saidBetween, type Said } from '../../record/announce.ts';
import { findRecordName } from '../../record/identity.ts';
import { RecordLayout } from '../../record/layout.ts';
import { describeError } from '../../redact.ts';
import { z } from 'zod';
import { withClaim, type RecordKind } from '../../state/store.ts';
import { noticeMessage } from '../blocks/notices.ts';
import { cacheList, type Client, type SlackDeps } from '../context.ts';
import { startInvestigation } from '../flow/start.ts';
import type { AlertOrigin } from '../investigation.ts';
import { postMessage } from '../post.ts';
import type { AzureMonitorAlert } from './azure-monitor.ts';

/** Who the root message and the timeline name as the starter. */
export const ALERT_STARTER = 'Azure Monitor';
/** Without a window in the alert, the keys are taken to have been there this long before it fired. */
const DEFAULT_LOOKBACK_MS = 15 * 60_000;

interface AlertThread {
  channel: string;
  rootTs: string;
}

/** Where an alert's investigation runs, remembered for its Resolved notification: two Slack ids. */
const ALERT_THREAD_RECORD: RecordKind<AlertThread> = { what: 'alert thread', schema: z.object({ channel: z.string(), rootTs: z.string() }), maxChars: 1_024 };

function threadOfAlert(alertId: string): string {
  return `keyloss:alert-thread:${alertId}`;
}

export function alertOrigin(alert: AzureMonitorAlert): AlertOrigin {
  return {
    id: alert.id,
    rule: alert.rule,
    severity: alert.severity,
    firedAt: alert.firedAt,
    conditions: alert.conditions.map(
      (c) => `${c.metric}${c.rule ? ` ${c.rule}` : ''}${c.value !== null ? ` (value ${formatValue(c.value, 'Count')})` : ''}`,
    ),
  };
}

/** Since: the alert's window start, else its fired time minus 15 minutes. */
export function alertSince(alert: AzureMonitorAlert): string {
  return alert.window?.from ?? new Date(Date.parse(alert.firedAt) - DEFAULT_LOOKBACK_MS).toISOString();
}

export async function handleAlert(client: Client, deps: SlackDeps, alert: AzureMonitorAlert): Promise<void> {
  const audit = (what: string, extra: Record<string, unknown> = {}) =>
    deps.audit({ action: 'alert', user: null, channel: null, alert: alert.id, rule: alert.rule, condition: alert.condition, what, ...extra });
  // Azure retries a webhook it thinks failed: the same alert and condition is acted on once. Work that fails (a
  // state write, a post) gives the claim back, so the next delivery of the alert is acted on.
  const key = `keyloss:alert:${alert.id}:${alert.condition}`;
  const claimed = await withClaim(deps.store, key, deps.config.sessionTtlMs, () => actOnAlert(client, deps, alert, audit, key));
  if (!claimed) audit('duplicate delivery, ignored');
}

async function actOnAlert(client: Client, deps: SlackDeps, alert: AzureMonitorAlert, audit: (what: string, extra?: Record<string, unknown>) => void, key: string): Promise<void> {
  const cache = alert.targets.map((id) => findCacheByResourceId(cacheList(deps), id)).find((c): c is CacheConfig => c !== undefined);
  if (!cache) {
    audit('no cache in the caches file has this resource id', { targets: alert.targets });
    if (deps.config.alertChannel) {
      await postMessage(
        client,
        deps.config.alertChannel,
        null,
        noticeMessage(
          ':grey_question:',
          `Azure Monitor alert ${alert.rule} (${alert.severity}) ${alert.condition.toLowerCase()} for ${alert.targets.join(', ')}: no cache in the caches file has that azure.resourceId, so keyloss checked nothing.`,
        ),
      );
    }
    return;
  }
  const channel = cache.alerts.channel ?? deps.config.alertChannel;
  if (!channel) {
    audit('no channel: set alerts.channel for the cache or KEYLOSS_ALERT_CHANNEL', { cache: cache.name });
    return;
  }
  if (alert.condition === 'Resolved') {
    const thread = (await deps.store.get(threadOfAlert(alert.id), ALERT_THREAD_RECORD))?.value;
    if (!thread) {
      audit('resolved, but keyloss saw no fired alert with this id', { cache: cache.name });
      return;
    }
    const at = (alert.resolvedAt ?? deps.now().toISOString()).slice(0, 19).replace('T', ' ');
    await postMessage(client, thread.channel, thread.rootTs, noticeMessage(':white_check_mark:', `Azure Monitor: ${alert.rule} resolved at ${at} UTC.`));
    audit('resolved', { cache: cache.name, channel: thread.channel, thread: thread.rootTs });
    return;
  }
  // keyloss record may have said this event first: the alert's checks then run in that message's thread.
  const recorded = await recordedInWindow(deps, cache, alert);
  const started = await startInvestigation(client, deps, {
    cache,
    channel: recorded?.channel ?? channel,
    ...(recorded ? { thread: recorded.ts } : {}),
    user: ALERT_STARTER,
    prefill: { key: cache.alerts.key, since: alertSince(alert) },
    alert: alertOrigin(alert),
    // The thread is remembered before the checks run, so a resolve arriving meanwhile finds it.
    onRoot: async (rootTs) => {
      await deps.store.put(threadOfAlert(alert.id), ALERT_THREAD_RECORD, { channel, rootTs }, null, deps.config.sessionTtlMs);
      audit('investigating', { cache: cache.name, channel, thread: rootTs });
    },
  });
  if (!started.ok && recorded) {
    // Someone already diagnoses the recorded event in that thread: the alert is one line there, not a second run.
    await postMessage(client, recorded.channel, recorded.ts, noticeMessage(':bell:', `Azure Monitor alert ${alert.rule} (${alert.severity}) fired at ${alert.firedAt.slice(11, 19)} UTC for this cache, in the window of this event; the checks in this thread cover it.`));
    audit('noted in the thread of the recorded event', { cache: cache.name, channel: recorded.channel, thread: recorded.ts });
    return;
  }
  if (!started.ok) {
    await deps.store.release(key);
    audit('could not start', { cache: cache.name, channel, reason: started.reason });
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
