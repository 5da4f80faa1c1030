// `keyloss start` with SLACK_BOT_TOKEN: reads the configuration, the caches file, the state store and the runbook, then serves Slack.
import { loadCaches } from '../config/caches.ts';
import { slackConfigFromEnv } from '../config/env.ts';
import { describeError } from '../redact.ts';
import { loadDefaultRunbook } from '../runbook/load.ts';
import { openStateStore } from '../state/index.ts';
import { createSlackApp } from './app.ts';

export { createSlackApp } from './app.ts';

export async function run(): Promise<number> {
  const env = slackConfigFromEnv();
  if (!env.ok) {
    process.stderr.write(`keyloss: ${env.reason}\n`);
    return 2;
  }
  const config = env.config;
  const caches = await loadCaches(config.cachesPath);
  if (!caches.ok && !caches.missing) {
    process.stderr.write(`keyloss: the caches file is invalid:\n${caches.reason}\n`);
    return 2;
  }
  const state = await openStateStore();
  if (!state.ok) {
    process.stderr.write(`keyloss: ${state.reason}\n`);
    return 1;
  }
  const runbook = await loadDefaultRunbook();
  const slack = createSlackApp(config, { store: state.state.store, caches, runbook });
  // Bolt's HTTP receiver handles each request in a promise nobody awaits: a signed but malformed payload
  // (payload=null) rejects it. One bad request must not take every incident on this replica down with it.
  process.on('unhandledRejection', (reason) => {
    slack.deps.audit({ action: 'error', user: null, channel: null, where: 'request dropped by the Slack receiver', error: describeError(reason) });
  });
  // Listen for the stop signal before the port opens, so a SIGTERM that arrives while starting still stops cleanly.
  const stopSignal = nextSignal();
  try {
    const { port } = await slack.start();
    const where = slack.mode === 'socket' ? 'Socket Mode' : `HTTP on port ${port}, path /slack/events`;
    const cacheLine = caches.ok ? `${caches.caches.length} caches from ${caches.path}` : `no caches (${caches.reason})`;
    process.stderr.write(`keyloss: Slack app running (${where}); state in ${state.state.description}; ${cacheLine}\n`);
  } catch (error) {
    process.stderr.write(`keyloss: the Slack app could not start: ${describeError(error)}\n`);
    await state.state.store.close();
    return 1;
  }
  const signal = await stopSignal;
  await shutDown(slack, signal, config.shutdownGraceMs);
  await state.state.store.close();
  process.stderr.write('keyloss: stopped\n');
  return 0;
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
  process.stderr.write(`keyloss: ${signal}: taking no new requests; ${running} investigation(s) running, waiting up to ${graceMs} ms\n`);
  await slack.stop().catch((error: unknown) => process.stderr.write(`keyloss: stopping the receiver: ${describeError(error)}\n`));
  const hurry = nextSignal().then(() => false);
  const drained = await Promise.race([inflight.drained(graceMs), hurry]);
  if (!drained) {
    const interrupted = await inflight.interruptAll(`replica ${inflight.replica} was shut down while they ran`);
    slack.deps.audit({ action: 'error', user: null, channel: null, where: 'shutdown', error: `interrupted ${interrupted.length} running investigation(s)`, incidents: interrupted });
    // The interrupted runs post their line and end; bounded, so a hung Slack cannot hold the process.
    await inflight.drained(5_000);
  }
}
