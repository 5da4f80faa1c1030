// Wires the Bolt app: Socket Mode when an app token is set, HTTP (signed requests at /slack/events) otherwise.
import type { RecordStore } from '../record/check.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type Logger } from '@slack/bolt';
import type { AzureAccess } from '../azure/context.ts';
import type { CachesResult } from '../config/caches.ts';
import type { SlackConfig } from '../config/env.ts';
import { describeError, logLine } from '../redact.ts';
import { createEngine } from '../runbook/engine.ts';
import type { Runbook } from '../runbook/schema.ts';
import { InFlightRegistry } from '../state/inflight.ts';
import type { StateStore } from '../state/store.ts';
import { createAudit, type Audit } from './audit.ts';
import type { SlackDeps } from './context.ts';
import { startLostRunSweeper } from './flow/lost-runs.ts';
import { LiveWatches } from './watches.ts';
import { registerListeners } from './listeners/index.ts';
import { redactingLogger } from './logger.ts';
import { guardSlackRequests } from './request-guard.ts';
import { acceptAlert, placeAlert } from './alerts/intake.ts';
import { entraTokenCheck } from './alerts/entra.ts';
import { ALERT_PATH, alertRoute } from './alerts/route.ts';
import { createSlackTransport, SOCKET_RETRY, type SlackTransport } from './transport.ts';

export interface SlackAppDeps {
  store: StateStore;
  caches: CachesResult;
  runbook: Runbook;
  /** How this process reaches Azure (src/config/deps.ts azureAccessOf): cache tiers, the Azure checks, Entra sign-in. */
  azure: AzureAccess;
  audit?: Audit;
  now?: () => Date;
  logger?: Logger;
  /** Default: a registry for this replica (config.replicaId, config.heartbeatMs) on `store`. */
  inflight?: InFlightRegistry;
  /** How requests reach Slack's Web API; default: one that reports an unreachable Slack on stderr. */
  transport?: SlackTransport;
  /** Where the record of the caches is read (the state Redis); default none. */
  record?: RecordStore | null;
}

export interface SlackApp {
  app: App;
  deps: SlackDeps;
  mode: 'socket' | 'http';
  /**
   * Starts listening; in HTTP mode resolves with the port (PORT=0 picks a free one). `alertPort`: where
   * POST /alerts/azure-monitor listens (HTTP mode: the same port; Socket Mode: PORT, opened for it alone), null when
   * neither KEYLOSS_ALERT_TOKEN nor the secure webhook's Entra app is set.
   */
  start(): Promise<{ port: number | null; alertPort: number | null }>;
  stop(): Promise<void>;
}

export function createSlackApp(config: SlackConfig, input: SlackAppDeps): SlackApp {
  const logger = input.logger ?? redactingLogger(LogLevel.WARN);
  const deps: SlackDeps = {
    config,
    store: input.store,
    caches: input.caches,
    azure: input.azure,
    engine: createEngine(input.runbook),
    audit: input.audit ?? createAudit(),
    now: input.now ?? (() => new Date()),
    inflight: input.inflight ?? new InFlightRegistry(input.store, { replica: config.replicaId, heartbeatMs: config.heartbeatMs, ttlMs: config.sessionTtlMs }),
    record: input.record ?? null,
    watches: new LiveWatches(),
  };
  const transport =
    input.transport ?? createSlackTransport({ apiUrl: config.apiUrl, timeoutMs: config.slackTimeoutMs, write: (line) => logLine(line) });
  const clientOptions = transport.clientOptions();
  const socket = config.appToken !== null;
  // Bolt throws before any listener runs on a payload whose shape it cannot read ({"event":null}, a view_submission
  // with no view): refuse it with one audit line, never Bolt's "unhandled error" and a 500.
  const refuse = (error: unknown) =>
    deps.audit({ action: 'error', user: null, channel: null, where: 'request refused by the Slack receiver', error: describeError(error) });
  // The client is the app's, known once the app exists; an alert is only accepted after start.
  let client: App['client'] | null = null;
  const alerts =
    config.alertToken === null && config.alertEntra === null
      ? null
      : alertRoute({
          token: config.alertToken,
          entra: config.alertEntra ? entraTokenCheck(config.alertEntra) : null,
          check: (alert) => placeAlert(deps, alert),
          accept: (alert) => {
            if (client) acceptAlert(client, deps, alert);
          },
          refused: (status, reason) => deps.audit({ action: 'refused', user: null, channel: null, what: `${ALERT_PATH}: ${status}`, reason }),
        });
  const receiver = socket
    ? null
    : new HTTPReceiver({
        signingSecret: config.signingSecret!,
        endpoints: '/slack/events',
        port: config.port,
        customRoutes: alerts ? [{ path: ALERT_PATH, method: ['POST'], handler: alerts }] : [],
        logger,
        // Ack first, work after: Slack gets its answer within 3 s whatever the checks do.
        processBeforeResponse: false,
        processEventErrorHandler: async ({ error, response }) => {
          refuse(error);
          if (response.headersSent) return false;
          response.writeHead(400).end();
          return true;
        },
        // A signed payload of a type no listener takes (Bolt never acks it): a 400 when the ack window closes.
        unhandledRequestHandler: ({ response }) => {
          refuse('a signed payload of a type keyloss does not handle');
          if (!response.headersSent) response.writeHead(400).end();
        },
      });
  if (receiver) guardSlackRequests(receiver, '/slack/events', config.signingSecret!, refuse);
  const app = socket
    ? new App({
        token: config.botToken,
        socketMode: true,
        logger,
        clientOptions,
        receiver: new SocketModeReceiver({
          appToken: config.appToken!,
          logger,
          installerOptions: { clientOptions: transport.clientOptions(SOCKET_RETRY) },
          // Acked, so Slack does not redeliver an envelope that can never be processed.
          processEventErrorHandler: async ({ error }) => {
            refuse(error);
            return true;
          },
        }),
      })
    : new App({
        token: config.botToken,
        logger,
        clientOptions,
        receiver: receiver!,
      });
  app.error(async (error) => {
    deps.audit({ action: 'error', user: null, channel: null, where: 'bolt', error: describeError(error.original ?? error) });
  });
  registerListeners(app, deps);
  client = app.client;
  let stopSweeper = (): void => undefined;
  // Socket Mode needs no port for Slack; the alert route gets one of its own.
  const alertServer = socket && alerts ? createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://keyloss').pathname;
    if (path === ALERT_PATH && req.method === 'POST') return alerts(req, res);
    res.writeHead(404).end();
  }) : null;

  return {
    app,
    deps,
    mode: socket ? 'socket' : 'http',
    async start() {
      // Checks whose replica died are announced in their thread by whichever replica notices first.
      stopSweeper = startLostRunSweeper(app.client, deps, deps.inflight.heartbeatMs);
      if (socket) {
        await app.start();
        if (!alertServer) return { port: null, alertPort: null };
        await new Promise<void>((resolve, reject) => {
          alertServer.once('error', reject);
          alertServer.listen(config.port, () => resolve());
        });
        return { port: null, alertPort: (alertServer.address() as AddressInfo).port };
      }
      const server = (await app.start(config.port)) as Server;
      const port = (server.address() as AddressInfo).port;
      return { port, alertPort: alerts ? port : null };
    },
    async stop() {
      stopSweeper();
      // Running watches end now and post what they saw; bounded, so a hung Slack cannot hold the stop.
      await deps.watches.stop(1_500);
      if (alertServer?.listening) await new Promise<void>((resolve) => alertServer.close(() => resolve()));
      await app.stop();
    },
  };
}
