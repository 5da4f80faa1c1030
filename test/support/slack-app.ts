// The real Bolt app in this process, against the fake Slack, with a caches file written to a temp dir: in HTTP mode on a
// free port, or in Socket Mode connected to the fake's WebSocket. It comes with a Slack driver pointed at it.
import { NO_AZURE_ACCESS } from '../../src/azure/context.ts';
import { loadCaches } from '../../src/config/caches.ts';
import { slackConfigFromEnv } from '../../src/config/env.ts';
import type { RecordStore } from '../../src/record/check.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';
import { createSlackApp, type SlackApp } from '../../src/slack/app.ts';
import { auditSkippedRecord, createAudit } from '../../src/slack/audit.ts';
import { redactingLogger } from '../../src/slack/logger.ts';
import { MemoryStateStore } from '../../src/state/memory.ts';
import { writeCachesFile } from './caches-file.ts';
import { startFakeSlack } from './fake-slack.ts';
import { APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, slackDriver, type SlackDriver, type SlackEndpoint } from './slack-driver.ts';

export interface InProcessApp extends SlackDriver, SlackEndpoint {
  slack: SlackApp;
  /** POST /alerts/azure-monitor, when KEYLOSS_ALERT_TOKEN is set ('' otherwise). */
  alertUrl: string;
  audit: string[];
  logs: string[];
  stop(): Promise<void>;
}

/** Starts the app with the caches file `caches` (none when null); `env` adds to and overrides the settings here. */
export async function startSlackApp(options: { caches: string | null; env?: Record<string, string>; socketMode?: boolean; record?: RecordStore }): Promise<InProcessApp> {
  const fake = await startFakeSlack({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
  const caches = writeCachesFile(options.caches);
  const env = slackConfigFromEnv({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    ...(options.socketMode ? { SLACK_APP_TOKEN: APP_TOKEN } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
    SLACK_API_URL: fake.apiUrl,
    PORT: '0',
    KEYLOSS_CACHES: caches.path,
    KEYLOSS_RATE_INTERVAL_MS: '200',
    KEYLOSS_PROGRESS_INTERVAL_MS: '300',
    ...options.env,
  });
  if (!env.ok) throw new Error(env.reason);
  const audit: string[] = [];
  const logs: string[] = [];
  const auditTo = createAudit((line) => audit.push(line));
  const slack = createSlackApp(env.config, {
    store: new MemoryStateStore(Date.now, auditSkippedRecord(auditTo)),
    caches: await loadCaches(caches.path),
    runbook: await loadDefaultRunbook(),
    azure: NO_AZURE_ACCESS,
    audit: auditTo,
    logger: redactingLogger(undefined, (line) => logs.push(line)),
    ...(options.record ? { record: options.record } : {}),
  });
  const { port, alertPort } = await slack.start();
  const endpoint: SlackEndpoint = { eventsUrl: port === null ? '' : `http://127.0.0.1:${port}/slack/events`, audit };
  return {
    ...slackDriver(fake, endpoint),
    ...endpoint,
    slack,
    alertUrl: alertPort === null ? '' : `http://127.0.0.1:${alertPort}/alerts/azure-monitor`,
    audit,
    logs,
    async stop() {
      await slack.stop();
      await fake.close();
      caches.remove();
      // Every record keyloss wrote was read back as its kind: a skipped one means a schema and its writer disagree.
      const skipped = audit.filter((line) => line.includes('"action":"skipped-record"'));
      if (skipped.length > 0) throw new Error(`state records keyloss wrote were unreadable:\n${skipped.join('\n')}`);
    },
  };
}
