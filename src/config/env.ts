// The Slack app's configuration from the environment, validated once at start; every token is registered as a secret.
import { z } from 'zod';
import { registerSecret } from '../redact.ts';
import { parseDuration } from '../runbook/formats.ts';


const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

/** Three days: long enough for a postmortem after a long incident. */
const DEFAULT_SESSION_TTL_MS = 72 * 3_600_000;

const EnvSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string({ error: 'required' }).startsWith('xoxb-', 'a bot token starts with xoxb-'),
    SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'an app-level token starts with xapp-').optional(),
    SLACK_SIGNING_SECRET: z.string().optional(),
    SLACK_API_URL: z.url('a URL such as https://slack.com/api/').optional(),
    PORT: positiveInt(3000),
    KEYLOSS_CACHES: z.string().optional(),
    KEYLOSS_POSTMORTEM_CHANNEL: z.string().optional(),
    KEYLOSS_RATE_INTERVAL_MS: positiveInt(0),
    KEYLOSS_PROGRESS_INTERVAL_MS: positiveInt(1200),
    /** Idle time after which an investigation is forgotten, as a duration (24h, 90m). */
    KEYLOSS_SESSION_TTL: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return DEFAULT_SESSION_TTL_MS;
        const ms = parseDuration(v);
        if (ms === null || ms < 60_000) {
          ctx.addIssue({ code: 'custom', message: `expected a duration of at least a minute such as 24h or 90m, got "${v}"` });
          return z.NEVER;
        }
        return ms;
      }),
    KEYLOSS_SHUTDOWN_GRACE_MS: positiveInt(20_000),
    KEYLOSS_SLACK_TIMEOUT_MS: positiveInt(10_000),
    /** The shared secret Azure Monitor's action group sends (?token= or Authorization: Bearer); unset: no alert route. */
    KEYLOSS_ALERT_TOKEN: z.string().min(16, 'at least 16 characters (a random string: openssl rand -hex 24)').optional(),
    /** Channel id where alerts go when their cache names no alerts.channel, and where unknown alerts are said. */
    KEYLOSS_ALERT_CHANNEL: z.string().regex(/^[CG][A-Z0-9]{2,40}$/, 'a channel id such as C0123ABCD').optional(),
  });

export interface SlackConfig {
  botToken: string;
  /** Socket Mode when set; HTTP mode otherwise. */
  appToken: string | null;
  signingSecret: string | null;
  /** Web API base URL (Slack for Government, tests); null is Slack's default. */
  apiUrl: string | null;
  port: number;
  /** Path of the caches file. */
  cachesPath: string;
  /** Channel id or name that also receives every postmortem. */
  postmortemChannel: string | null;
  /** Interval between the two INFO samples of the rates check; null keeps the checks' default. */
  rateIntervalMs: number | null;
  /** At most one progress edit per this many milliseconds. */
  progressIntervalMs: number;
  /** How long an investigation thread is remembered. */
  sessionTtlMs: number;
  /** On SIGTERM, how long running checks may take to finish before they are recorded as interrupted. */
  shutdownGraceMs: number;
  /** How long one Web API request may take before it counts as failed (and is retried). */
  slackTimeoutMs: number;
  /** The Azure Monitor alert route's token; null: the route is off. */
  alertToken: string | null;
  /** Default channel (id) for alerts. */
  alertChannel: string | null;
}

export type ConfigResult = { ok: true; config: SlackConfig } | { ok: false; reason: string };

/** Reads the Slack app's settings; a failure names each variable and what it accepts. */
export function slackConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigResult {
  // Register before validation so that no error message can echo a token.
  for (const name of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'KEYLOSS_ALERT_TOKEN'] as const) registerSecret(env[name]);
  // An empty variable counts as unset (docker-compose and .env files leave them empty).
  const present = Object.fromEntries(
    Object.entries(env)
      .map(([name, value]) => [name, value?.trim()] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
  // Checked apart from the schema so that it is reported together with any other problem.
  if (present.SLACK_APP_TOKEN === undefined && present.SLACK_SIGNING_SECRET === undefined) {
    problems.push('set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)');
  }
  if (!parsed.success || problems.length > 0) {
    return { ok: false, reason: `Slack configuration is incomplete: ${problems.join('; ')}.` };
  }
  const e = parsed.data;
  return {
    ok: true,
    config: {
      botToken: e.SLACK_BOT_TOKEN,
      appToken: e.SLACK_APP_TOKEN ?? null,
      signingSecret: e.SLACK_SIGNING_SECRET ?? null,
      apiUrl: e.SLACK_API_URL ? (e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`) : null,
      port: e.PORT,
      cachesPath: e.KEYLOSS_CACHES ?? 'keyloss.caches.yaml',
      postmortemChannel: e.KEYLOSS_POSTMORTEM_CHANNEL ?? null,
      rateIntervalMs: e.KEYLOSS_RATE_INTERVAL_MS === 0 ? null : e.KEYLOSS_RATE_INTERVAL_MS,
      progressIntervalMs: e.KEYLOSS_PROGRESS_INTERVAL_MS,
      sessionTtlMs: e.KEYLOSS_SESSION_TTL,
      shutdownGraceMs: e.KEYLOSS_SHUTDOWN_GRACE_MS,
      slackTimeoutMs: e.KEYLOSS_SLACK_TIMEOUT_MS === 0 ? 10_000 : e.KEYLOSS_SLACK_TIMEOUT_MS,
      alertToken: e.KEYLOSS_ALERT_TOKEN ?? null,
      alertChannel: e.KEYLOSS_ALERT_CHANNEL ?? null,
    },
  };
}
