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
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await slack.stop();
  await state.state.store.close();
  return 0;
}
