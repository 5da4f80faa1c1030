// `keyloss start` with SLACK_BOT_TOKEN: reads the configuration, the caches file, the state store and the runbook, then serves Slack.
import { loadCaches } from '../config/caches.ts';
import { azureAccessOf, type Deps } from '../config/deps.ts';
import { slackConfigFromEnv } from '../config/env.ts';
import { describeError, logLine } from '../redact.ts';
import { loadDefaultRunbook } from '../runbook/load.ts';
import { openStateStore } from '../state/index.ts';
import { closeRecordStore, openRecordStore } from '../record/check.ts';
import { ALERT_PATH } from './alerts/route.ts';
import { createSlackApp } from './app.ts';
import { auditSkippedRecord, createAudit } from './audit.ts';
import { createSlackTransport, reachSlack } from './transport.ts';

export { createSlackApp } from './app.ts';

export async function run(deps: Deps): Promise<number> {
  const env = slackConfigFromEnv();
  if (!env.ok) {
    say(`keyloss: ${env.reason}`);
    return 2;
  }
  const config = env.config;
  const caches = await loadCaches(config.cachesPath);
  if (!caches.ok && !caches.missing) {
    say(`keyloss: the caches file is invalid:\n${caches.reason}`);
    return 2;
  }
  const audit = createAudit();
  const state = await openStateStore(config.state, auditSkippedRecord(audit));
  if (!state.ok) {
    say(`keyloss: ${state.reason}`);
    return 1;
  }
  const runbook = await loadDefaultRunbook();
  // Listen for the stop signal before anything waits on Slack, so that SIGTERM stops the app whatever Slack's state.
  const stopSignal = nextSignal();
  const transport = createSlackTransport({ apiUrl: config.apiUrl, timeoutMs: config.slackTimeoutMs, write: say });
  const reached = await Promise.race([reachSlack(config.botToken, transport, config.apiUrl), stopSignal]);
  if (isSignal(reached)) return stopBeforeStarting(reached, state.state.store);
  say(reached);
  // The record of the caches (keyloss record) lives in the same state Redis; every investigation reads it.
  const record = config.state.url ? await openRecordStore(config.state.url, config.state.prefix) : null;
  const slack = createSlackApp(config, { store: state.state.store, audit, caches, runbook, transport, azure: azureAccessOf(config, deps), now: deps.now, record });
  // Bolt's HTTP receiver handles each request in a promise nobody awaits: a signed but malformed payload
  // (payload=null) rejects it. One bad request must not take every incident on this replica down with it.
  process.on('unhandledRejection', (reason) => {
    slack.deps.audit({ action: 'error', user: null, channel: null, where: 'request dropped by the Slack receiver', error: describeError(reason) });
  });
  // Socket Mode's start waits for a connection, which may never come: the signal ends the wait.
  const starting = slack.start().then(
    ({ port, alertPort }) => ({ ok: true as const, port, alertPort }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const outcome = await Promise.race([starting, stopSignal]);
  if (!isSignal(outcome) && !outcome.ok) {
    say(`keyloss: the Slack app could not start: ${describeError(outcome.error)}`);
    await slack.stop().catch(() => undefined);
    await closeRecordStore(record);
    await state.state.store.close();
    return exitSoon(1);
  }
  if (!isSignal(outcome)) {
    const alertsAt = outcome.alertPort === null ? '' : `; Azure Monitor alerts at POST ${ALERT_PATH} on port ${outcome.alertPort}`;
    const where = `${slack.mode === 'socket' ? 'Socket Mode, connected' : `HTTP on port ${outcome.port}, path /slack/events`}${alertsAt}`;
    const cacheLine = caches.ok ? `${caches.caches.length} caches from ${caches.path}` : `no caches (${caches.reason})`;
    say(`keyloss: Slack app running (${where}); state in ${state.state.description}; ${cacheLine}`);
  }
  const signal = isSignal(outcome) ? outcome : await stopSignal;
  await shutDown(slack, signal, config.shutdownGraceMs);
  await state.state.store.close();
  say('keyloss: stopped');
  return exitSoon(0);
}

/** Every line this process prints goes through the one redaction point (src/redact.ts). */
function say(line: string): void {
  logLine(line);
}

function isSignal(value: unknown): value is NodeJS.Signals {
  return typeof value === 'string' && value.startsWith('SIG');
}

async function stopBeforeStarting(signal: NodeJS.Signals, store: { close(): Promise<void> }): Promise<number> {
  say(`keyloss: ${signal} before the app started; stopped`);
  await store.close();
  return exitSoon(0);
}

/**
 * The process ends once stopped, even while a Web API retry to an unreachable Slack is still waiting for its next
 * attempt: those timers would otherwise hold it for half an hour. The timer is unref'd, so a process with nothing left
 * ends by itself first.
 */
function exitSoon(code: number): number {
  setTimeout(() => process.exit(code), 250).unref();
  return code;
}

function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = on('SIGINT');
    const onTerm = on('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

/**
 * Graceful stop: take no new requests, give running checks `graceMs` to finish (a second signal cuts it short),
 * then record the rest as interrupted so that any replica offers "Re-run checks", and let them say so in their threads.
 */
async function shutDown(slack: ReturnType<typeof createSlackApp>, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const inflight = slack.deps.inflight;
  const running = inflight.active().length;
  say(`keyloss: ${signal}: taking no new requests; ${running} investigation(s) running, waiting up to ${graceMs} ms`);
  // Bounded: a Socket Mode client still waiting for Slack must not hold the stop.
  const stopped = slack.stop().catch((error: unknown) => say(`keyloss: stopping the receiver: ${describeError(error)}`));
  await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  const hurry = nextSignal().then(() => false);
  const drained = await Promise.race([inflight.drained(graceMs), hurry]);
  if (!drained) {
    const interrupted = await inflight.interruptAll(`replica ${inflight.replica} was shut down while they ran`);
    slack.deps.audit({ action: 'error', user: null, channel: null, where: 'shutdown', error: `interrupted ${interrupted.length} running investigation(s)`, incidents: interrupted });
    // The interrupted runs post their line and end; bounded, so a hung Slack cannot hold the process.
    await inflight.drained(5_000);
  }
}
