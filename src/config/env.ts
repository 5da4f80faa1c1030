// Every environment variable keyloss reads, in one zod schema, parsed once at start by the command that needs it and
// passed down as a Config. A bad value stops the start with one line naming each variable and what it accepts.
import { hostname } from 'node:os';
import { z } from 'zod';
import { registerSecret, registerUrlCredentials } from '../redact.ts';
import { DEFAULT_RECORDER_OPTIONS } from '../record/recorder.ts';
import { DEFAULT_WATCH_MS, MAX_WATCH_MS } from '../record/watch.ts';
import { LOCAL_REDIS_URL } from '../redis/url.ts';
import { parseDuration } from '../runbook/formats.ts';
import type { StateSettings } from '../state/index.ts';
import { DEFAULT_CACHE_CONNECTIONS } from '../state/budget.ts';
import { DEFAULT_STATE_PREFIX } from '../state/redis.ts';

const wholeNumber = (fallback: number, min = 0) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number${min > 0 ? ` of at least ${min}` : ''}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

/** A duration such as 30s, 90m or 24h (parseDuration), within [min, max] milliseconds; `range` says which in words. */
const duration = (fallback: number, min: number, max: number, range: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      const ms = parseDuration(v);
      if (ms === null || ms < min || ms > max) {
        ctx.addIssue({ code: 'custom', message: `expected a duration ${range}, got "${v}"` });
        return z.NEVER;
      }
      return ms;
    });

/** A URL that `accepts` (else `expected an https:// URL`), transformed by `take`; unset: null. */
const url = (accepts: (url: URL) => boolean, take: (url: URL) => string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return null;
      try {
        const parsed = new URL(v);
        if (accepts(parsed)) return take(parsed);
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: `expected an https:// URL, got "${v}"` });
      return z.NEVER;
    });

/** Bearer tokens go only over TLS (the SDK refuses plain http anyway); the origin is what the clients take. */
const httpsOrigin = url(
  (u) => u.protocol === 'https:',
  (u) => u.origin,
);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Signing keys come over TLS; plain http only from this machine (a local key set). */
const keysUrl = url(
  (u) => u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)),
  (u) => u.href,
);

/** Three days: long enough for a postmortem after a long incident. */
const DEFAULT_SESSION_TTL_MS = 72 * 3_600_000;

const ENV_SCHEMA = z.object({
  REDIS_URL: z.string().optional(),
  KEYLOSS_CACHES: z.string().optional(),
  /** Unset: the checks' default (2000); 0 skips the wait; on every surface, as `diagnose --rate-interval`. */
  KEYLOSS_RATE_INTERVAL_MS: wholeNumber(-1),
  NO_COLOR: z.string().optional(),
  TERM: z.string().optional(),
  KEYLOSS_AZURE_METRICS_ENDPOINT: httpsOrigin,
  KEYLOSS_AZURE_ARM_ENDPOINT: httpsOrigin,
  STATE_REDIS_URL: z.string().optional(),
  KEYLOSS_STATE_PREFIX: z.string().optional(),
  KEYLOSS_REPLICA_ID: z.string().optional(),
  KEYLOSS_HEARTBEAT_MS: wholeNumber(5_000, 50),
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'a bot token starts with xoxb-').optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'an app-level token starts with xapp-').optional(),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_API_URL: z.url('a URL such as https://slack.com/api/').optional(),
  PORT: wholeNumber(3000),
  KEYLOSS_POSTMORTEM_CHANNEL: z.string().optional(),
  KEYLOSS_PROGRESS_INTERVAL_MS: wholeNumber(1200),
  /** Connections keyloss may hold to one cache across every replica; investigations beyond them wait their turn. */
  KEYLOSS_CACHE_CONNECTIONS: wholeNumber(DEFAULT_CACHE_CONNECTIONS, 2),
  /** Idle time after which an investigation is forgotten, as a duration (24h, 90m). */
  KEYLOSS_SESSION_TTL: duration(DEFAULT_SESSION_TTL_MS, 60_000, Number.POSITIVE_INFINITY, 'of at least a minute such as 24h or 90m'),
  /** How long Slack's "Watch live" watches, as `keyloss watch --for` takes it: 1s to 10m. */
  KEYLOSS_WATCH_FOR: duration(DEFAULT_WATCH_MS, 1_000, MAX_WATCH_MS, 'from 1s to 10m such as 30s or 2m'),
  KEYLOSS_SHUTDOWN_GRACE_MS: wholeNumber(20_000),
  KEYLOSS_SLACK_TIMEOUT_MS: wholeNumber(10_000, 1),
  KEYLOSS_RECORD_SAMPLE_MS: wholeNumber(DEFAULT_RECORDER_OPTIONS.sampleMs, 50),
  KEYLOSS_RECORD_FLUSH_MS: wholeNumber(DEFAULT_RECORDER_OPTIONS.flushMs, 20),
  KEYLOSS_RECORD_LEASE_MS: wholeNumber(DEFAULT_RECORDER_OPTIONS.leaseMs, 300),
  /** Megabytes of per-key proof (Bloom slices) a cache's record may take a UTC day before it keeps a hash sample of keys. */
  KEYLOSS_RECORD_PROOF_MB: wholeNumber(DEFAULT_RECORDER_OPTIONS.proofBytesPerDay / 1_048_576, 1),
  /** The shared secret Azure Monitor's action group sends (?token= or Authorization: Bearer); unset: no alert route. */
  KEYLOSS_ALERT_TOKEN: z.string().min(16, 'at least 16 characters (a random string: openssl rand -hex 24)').optional(),
  /** Secure webhook (Entra): the tenant (directory) id and the client (application) id of the app registration Azure Monitor signs in to. */
  KEYLOSS_ALERT_ENTRA_TENANT: z.string().regex(GUID, 'a tenant id (GUID)').optional(),
  KEYLOSS_ALERT_ENTRA_CLIENT_ID: z.string().regex(GUID, 'a client (application) id (GUID)').optional(),
  /** The app registration's Application ID URI, the audience of v1 tokens; default api://<client id>. */
  KEYLOSS_ALERT_ENTRA_APP_ID_URI: z.string().min(1).max(512).optional(),
  /** true: the token must carry the app role ActionGroupsSecureWebhook. */
  KEYLOSS_ALERT_ENTRA_REQUIRE_ROLE: z.enum(['true', 'false'], 'true or false').optional(),
  /** Where Entra's signing keys are read; default https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys (sovereign clouds: their own). */
  KEYLOSS_ALERT_ENTRA_JWKS_URL: keysUrl,
  /** Channel id where alerts go when their cache names no alerts.channel, and where unknown alerts are said. */
  KEYLOSS_ALERT_CHANNEL: z.string().regex(/^[CG][A-Z0-9]{2,40}$/, 'a channel id such as C0123ABCD').optional(),
});

/** The variables the schema knows, for the README and for tests that start from a clean environment. */
export const ENV_VARIABLES = Object.keys(ENV_SCHEMA.shape) as Array<keyof typeof ENV_SCHEMA.shape>;

/** What every command needs: where the cache and the caches file are, how to reach Azure, where state lives. */
export interface Config {
  /** The cache to diagnose when none is given. */
  redisUrl: string;
  /** Path of the caches file. */
  cachesPath: string;
  /** Interval between the two INFO samples of the rates check; 0 skips the wait; null keeps the checks' default. */
  rateIntervalMs: number | null;
  /** NO_COLOR is set or TERM is dumb. */
  noColor: boolean;
  /** Overrides for sovereign clouds and tests; production leaves them null. */
  azureEndpoints: { metrics: string | null; arm: string | null };
  state: StateSettings;
  /** This replica's name in run records: KEYLOSS_REPLICA_ID (e.g. the pod name), else host:pid. */
  replicaId: string;
  /** Heartbeat interval of running checks; a run silent for three intervals is lost. */
  heartbeatMs: number;
  /** `keyloss record`'s intervals: INFO samples, writes to the state Redis, the recorder's lease. */
  record: { sampleMs: number; flushMs: number; leaseMs: number; proofBytesPerDay: number };
  /** Where `keyloss record` announces what it records: SLACK_BOT_TOKEN, SLACK_API_URL, KEYLOSS_ALERT_CHANNEL; null without a bot token. */
  announce: { botToken: string; apiUrl: string | null; alertChannel: string | null; slackTimeoutMs: number } | null;
  /**
   * The environment itself, only for the caches file's references to secrets (`urlEnv: ORDERS_URL`): the file names
   * the variable, so it cannot be in the schema.
   */
  secrets: NodeJS.ProcessEnv;
}

export interface SlackConfig extends Config {
  botToken: string;
  /** Socket Mode when set; HTTP mode otherwise. */
  appToken: string | null;
  signingSecret: string | null;
  /** Web API base URL (Slack for Government, tests); null is Slack's default. */
  apiUrl: string | null;
  port: number;
  /** Channel id or name that also receives every postmortem. */
  postmortemChannel: string | null;
  /** At most one progress edit per this many milliseconds. */
  progressIntervalMs: number;
  /** KEYLOSS_CACHE_CONNECTIONS: connections to one cache across every replica (src/state/budget.ts). */
  cacheConnections: number;
  /** How long an investigation thread is remembered. */
  sessionTtlMs: number;
  /** How long a "Watch live" click watches the cache. */
  watchMs: number;
  /** On SIGTERM, how long running checks may take to finish before they are recorded as interrupted. */
  shutdownGraceMs: number;
  /** How long one Web API request may take before it counts as failed (and is retried). */
  slackTimeoutMs: number;
  /** The Azure Monitor alert route's token; null: only a secure webhook's Entra token is taken (or, without one, the route is off). */
  alertToken: string | null;
  /** The secure webhook's Entra token check; null: off. */
  alertEntra: AlertEntraConfig | null;
  /** Default channel (id) for alerts. */
  alertChannel: string | null;
}

/** Who may sign in as Azure Monitor's secure webhook: tokens of this tenant for this app registration. */
export interface AlertEntraConfig {
  tenant: string;
  clientId: string;
  /** The audience of v1 tokens (v2 tokens' audience is the client id). */
  appIdUri: string;
  /** The token must carry the app role ActionGroupsSecureWebhook. */
  requireRole: boolean;
  jwksUrl: string;
}

export type ConfigResult<T = Config> = { ok: true; config: T } | { ok: false; reason: string };

function parseEnv(env: NodeJS.ProcessEnv): { present: Record<string, string>; parsed: ReturnType<typeof ENV_SCHEMA.safeParse>; problems: string[] } {
  // Register before validation so that no error message can echo a token.
  for (const name of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'KEYLOSS_ALERT_TOKEN'] as const) registerSecret(env[name]);
  // The Azure key @azure/identity reads from the environment, and credentials written into any URL setting.
  for (const name of ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD'] as const) registerSecret(env[name]);
  for (const name of ['SLACK_API_URL', 'STATE_REDIS_URL', 'REDIS_URL'] as const) registerUrlCredentials(env[name]);
  // An empty variable counts as unset (docker-compose and .env files leave them empty).
  const present = Object.fromEntries(
    Object.entries(env)
      .map(([name, value]) => [name, value?.trim()] as const)
      .filter((entry): entry is readonly [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  const parsed = ENV_SCHEMA.safeParse(present);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
  return { present, parsed, problems };
}

/** SLACK_API_URL with the trailing slash the WebClient joins method names to. */
function apiUrlOf(url: string | undefined): string | null {
  return url ? (url.endsWith('/') ? url : `${url}/`) : null;
}

function configOf(e: z.output<typeof ENV_SCHEMA>, env: NodeJS.ProcessEnv): Config {
  return {
    redisUrl: e.REDIS_URL ?? LOCAL_REDIS_URL,
    cachesPath: e.KEYLOSS_CACHES ?? 'keyloss.caches.yaml',
    rateIntervalMs: e.KEYLOSS_RATE_INTERVAL_MS < 0 ? null : e.KEYLOSS_RATE_INTERVAL_MS,
    noColor: e.NO_COLOR !== undefined || e.TERM === 'dumb',
    azureEndpoints: { metrics: e.KEYLOSS_AZURE_METRICS_ENDPOINT, arm: e.KEYLOSS_AZURE_ARM_ENDPOINT },
    state: { url: e.STATE_REDIS_URL ?? null, prefix: e.KEYLOSS_STATE_PREFIX ?? DEFAULT_STATE_PREFIX },
    replicaId: e.KEYLOSS_REPLICA_ID ?? `${hostname()}:${process.pid}`,
    heartbeatMs: e.KEYLOSS_HEARTBEAT_MS,
    record: { sampleMs: e.KEYLOSS_RECORD_SAMPLE_MS, flushMs: e.KEYLOSS_RECORD_FLUSH_MS, leaseMs: e.KEYLOSS_RECORD_LEASE_MS, proofBytesPerDay: e.KEYLOSS_RECORD_PROOF_MB * 1_048_576 },
    announce: e.SLACK_BOT_TOKEN
      ? { botToken: e.SLACK_BOT_TOKEN, apiUrl: apiUrlOf(e.SLACK_API_URL), alertChannel: e.KEYLOSS_ALERT_CHANNEL ?? null, slackTimeoutMs: e.KEYLOSS_SLACK_TIMEOUT_MS }
      : null,
    secrets: env,
  };
}

/** The configuration of the terminal, `diagnose` and `watch`; a failure names each variable and what it accepts. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConfigResult {
  const { parsed, problems } = parseEnv(env);
  if (!parsed.success) return { ok: false, reason: `the environment is invalid: ${problems.join('; ')}.` };
  return { ok: true, config: configOf(parsed.data, env) };
}

/** The Slack app's configuration: the same schema, with a bot token and a transport required. */
export function slackConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigResult<SlackConfig> {
  const { present, parsed, problems } = parseEnv(env);
  if (present.SLACK_BOT_TOKEN === undefined) problems.unshift('SLACK_BOT_TOKEN: required');
  // Checked apart from the schema so that it is reported together with any other problem.
  if (present.SLACK_APP_TOKEN === undefined && present.SLACK_SIGNING_SECRET === undefined) {
    problems.push('set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)');
  }
  if ((present.KEYLOSS_ALERT_ENTRA_TENANT === undefined) !== (present.KEYLOSS_ALERT_ENTRA_CLIENT_ID === undefined)) {
    problems.push('KEYLOSS_ALERT_ENTRA_TENANT and KEYLOSS_ALERT_ENTRA_CLIENT_ID: set both for the secure webhook, or neither');
  }
  if (!parsed.success || problems.length > 0) {
    return { ok: false, reason: `Slack configuration is incomplete: ${problems.join('; ')}.` };
  }
  const e = parsed.data;
  const tenant = e.KEYLOSS_ALERT_ENTRA_TENANT?.toLowerCase();
  const clientId = e.KEYLOSS_ALERT_ENTRA_CLIENT_ID?.toLowerCase();
  return {
    ok: true,
    config: {
      ...configOf(e, env),
      botToken: e.SLACK_BOT_TOKEN ?? '',
      appToken: e.SLACK_APP_TOKEN ?? null,
      signingSecret: e.SLACK_SIGNING_SECRET ?? null,
      apiUrl: apiUrlOf(e.SLACK_API_URL),
      port: e.PORT,
      postmortemChannel: e.KEYLOSS_POSTMORTEM_CHANNEL ?? null,
      progressIntervalMs: e.KEYLOSS_PROGRESS_INTERVAL_MS,
      cacheConnections: e.KEYLOSS_CACHE_CONNECTIONS,
      sessionTtlMs: e.KEYLOSS_SESSION_TTL,
      watchMs: e.KEYLOSS_WATCH_FOR,
      shutdownGraceMs: e.KEYLOSS_SHUTDOWN_GRACE_MS,
      slackTimeoutMs: e.KEYLOSS_SLACK_TIMEOUT_MS,
      alertToken: e.KEYLOSS_ALERT_TOKEN ?? null,
      alertEntra:
        tenant && clientId
          ? {
              tenant,
              clientId,
              appIdUri: e.KEYLOSS_ALERT_ENTRA_APP_ID_URI ?? `api://${clientId}`,
              requireRole: e.KEYLOSS_ALERT_ENTRA_REQUIRE_ROLE === 'true',
              jwksUrl: e.KEYLOSS_ALERT_ENTRA_JWKS_URL ?? `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys`,
            }
          : null,
      alertChannel: e.KEYLOSS_ALERT_CHANNEL ?? null,
    },
  };
}
