// The caches file (keyloss.caches.yaml): named caches people may pick in Slack, who may pick them, and where their URL lives.
import { readFile } from 'node:fs/promises';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { Tier } from '../domain/query.ts';
import { parseCacheResourceId, parseRegion } from '../azure/resource-id.ts';
import { CACHE_NAME, parseDbIndex, parseTier } from '../runbook/formats.ts';
import { REDIS_AUTHS, type RedisAuth } from '../azure/redis-login.ts';
import type { AzureTarget } from '../azure/types.ts';
import { registerSecret } from '../redact.ts';
import { parseKeyPattern } from '../runbook/formats.ts';
import { isNeverFollowed } from '../redis/trust.ts';

const cacheName = z
  .string()
  .regex(CACHE_NAME, 'a name of letters, digits, ".", "_" or "-", at most 63 characters');

function urlWithoutPassword(value: string, ctx: z.RefinementCtx): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL such as redis://host:6379 or rediss://host:6380' });
    return;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    ctx.addIssue({ code: 'custom', message: `uses ${url.protocol} but only redis:// and rediss:// are accepted` });
  }
  if (url.password !== '') {
    ctx.addIssue({
      code: 'custom',
      message:
        'contains a password: secrets stay out of this file; put the whole URL in an environment variable and name it with urlEnv',
    });
  }
}

const CacheEntry = z
  .object({
    url: z.string().superRefine(urlWithoutPassword).optional(),
    /** The environment variable that holds the URL, password included. */
    urlEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
    /** How keyloss signs in: `key` (the URL's credentials) or `entra` (a Microsoft Entra token; no secret at all). */
    auth: z.enum(REDIS_AUTHS).default('key'),
    // The tier and db as the answer table reads them (src/core/answers.ts): `Premium` as the portal writes it, db 0–10,000.
    tier: z
      .string()
      .transform((text, ctx) => {
        const parsed = parseTier(text);
        if (parsed.ok) return parsed.tier;
        ctx.addIssue({ code: 'custom', message: parsed.message });
        return z.NEVER;
      })
      .optional(),
    db: z
      .union([z.number(), z.string()])
      .transform((value, ctx) => {
        const parsed = parseDbIndex(String(value));
        if (parsed.ok) return parsed.db;
        ctx.addIssue({ code: 'custom', message: parsed.message });
        return z.NEVER;
      })
      .default(0),
    description: z.string().max(200).optional(),
    /** Hosts this cache's cluster nodes announce besides the URL's host (names, IPs or `*.suffix`); only these are followed. */
    cluster: z
      .object({
        hosts: z
          .array(
            z
              .string()
              .regex(/^(\*\.)?[A-Za-z0-9.:_-]+$/, 'a host name, an IP address or *.domain')
              .refine((host) => !isNeverFollowed(host.replace(/^\*\./, '')), 'a link-local or metadata address is never followed'),
          )
          .max(64),
      })
      .strict()
      .optional(),
    azure: z
      .object({
        // Read by the same parsers as `diagnose --azure-resource/--azure-region`: a bad id fails here, a region is normalised.
        resourceId: z.string().transform((text, ctx) => {
          const parsed = parseCacheResourceId(text);
          if (parsed.ok) return parsed.resource.id;
          ctx.addIssue({ code: 'custom', message: parsed.reason });
          return z.NEVER;
        }),
        region: z.string().transform((text, ctx) => {
          const parsed = parseRegion(text);
          if (parsed.ok) return parsed.region;
          ctx.addIssue({ code: 'custom', message: parsed.reason });
          return z.NEVER;
        }),
      })
      .strict()
      .optional(),
    /** Azure Monitor alerts for this cache (matched by azure.resourceId): where they go and what is looked for. */
    alerts: z
      .object({
        channel: z.string().regex(/^[CG][A-Z0-9]{2,40}$/, 'a channel id such as C0123ABCD (the channel details show it)').optional(),
        key: z
          .string()
          .superRefine((value, ctx) => {
            const parsed = parseKeyPattern(value);
            if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
          })
          .optional(),
        /** What `keyloss record` announces as a removal burst: removals a minute at least `perMinute` and `overBaseline` times the recorded baseline. */
        burst: z
          .object({
            perMinute: z.number().int().min(1).max(100_000_000).optional(),
            overBaseline: z.number().min(1).max(10_000).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** Who may diagnose this cache; without it, anyone in the workspace. */
    allow: z
      .object({
        /** Channel ids (C0123…) or names (#incidents). */
        channels: z.array(z.string().min(1)).optional(),
        users: z.array(z.string().regex(/^[UW][A-Z0-9]+$/, 'a Slack user id such as U0123ABCD')).optional(),
        usergroups: z.array(z.string().regex(/^S[A-Z0-9]+$/, 'a Slack user group id such as S0123ABCD')).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((c) => (c.url === undefined) !== (c.urlEnv === undefined), {
    message: 'needs exactly one of "url" (no password) or "urlEnv" (the environment variable holding the URL)',
  });

/** A removal burst `keyloss record` announces: at least 1,000 removals a minute and 10 times the recorded baseline. */
export const DEFAULT_BURST = { perMinute: 1_000, overBaseline: 10 } as const;

const CachesFile = z.object({ caches: z.record(cacheName, CacheEntry) }).strict();

export interface CacheAllow {
  channels: string[] | null;
  users: string[] | null;
  usergroups: string[] | null;
}

export interface CacheAlerts {
  /** Channel id; null: KEYLOSS_ALERT_CHANNEL. */
  channel: string | null;
  /** The key or glob an alert's checks look for. */
  key: string;
  /** What `keyloss record` announces as a removal burst (defaults: 1,000 a minute and 10 × the recorded baseline). */
  burst: { perMinute: number; overBaseline: number };
}

export interface CacheConfig {
  name: string;
  url: string | null;
  urlEnv: string | null;
  auth: RedisAuth;
  tier: Tier | null;
  db: number;
  description: string | null;
  /** Hosts besides the URL's whose announced cluster nodes are followed (`cluster.hosts`); empty: the URL's host only. */
  clusterHosts: string[];
  azure: AzureTarget | null;
  /** null: anyone may use it. */
  allow: CacheAllow | null;
  alerts: CacheAlerts;
}

export type CachesResult =
  | { ok: true; caches: CacheConfig[]; path: string }
  | { ok: false; reason: string; missing?: boolean };

/** Parses the caches file's text; every problem names its line. */
export function parseCaches(text: string, path: string): CachesResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = lineCounter.linePos(first.pos[0]).line;
    return { ok: false, reason: `${path}:${line}: not valid YAML: ${first.message.split('\n')[0]}` };
  }
  const parsed = CachesFile.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => {
      const keyPath = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      // A key that does not belong is reported at its own line, not at the line of the map that holds it.
      const stray = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
      const line = lineOf(doc, lineCounter, stray === undefined ? keyPath : [...keyPath, stray]);
      const where = keyPath.length > 0 ? ` ${keyPath.join('.')}` : '';
      return `${path}:${line}:${where} ${issue.message}`;
    });
    return { ok: false, reason: problems.join('\n') };
  }
  const caches = Object.entries(parsed.data.caches).map(
    ([name, c]): CacheConfig => ({
      name,
      url: c.url ?? null,
      urlEnv: c.urlEnv ?? null,
      auth: c.auth,
      tier: c.tier ?? null,
      db: c.db,
      description: c.description ?? null,
      clusterHosts: c.cluster?.hosts ?? [],
      azure: c.azure ?? null,
      allow: c.allow
        ? { channels: c.allow.channels ?? null, users: c.allow.users ?? null, usergroups: c.allow.usergroups ?? null }
        : null,
      alerts: {
        channel: c.alerts?.channel ?? null,
        key: c.alerts?.key ?? '*',
        burst: { perMinute: c.alerts?.burst?.perMinute ?? DEFAULT_BURST.perMinute, overBaseline: c.alerts?.burst?.overBaseline ?? DEFAULT_BURST.overBaseline },
      },
    }),
  );
  return { ok: true, caches, path };
}

/** The line of the deepest node on `keyPath` that exists (1 when none does). */
function lineOf(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter, keyPath: Array<string | number>): number {
  for (let depth = keyPath.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(keyPath.slice(0, depth), true);
    if (isNode(node) && node.range) return Math.max(1, lineCounter.linePos(node.range[0]).line);
  }
  return 1;
}

/** Reads the caches file; a missing file is reported with `missing: true` so Slack can say no caches are configured. */
export async function loadCaches(path: string): Promise<CachesResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, missing: true, reason: `no caches file at ${path}` };
    return { ok: false, reason: `cannot read the caches file ${path}: ${(error as Error).message}` };
  }
  return parseCaches(text, path);
}

/** The cache's URL, read from its environment variable when it has one; the password is registered as a secret. */
export function resolveCacheUrl(
  cache: CacheConfig,
  env: NodeJS.ProcessEnv,
): { ok: true; url: string } | { ok: false; reason: string } {
  const url = cache.url ?? (cache.urlEnv ? env[cache.urlEnv]?.trim() : undefined);
  if (!url) {
    return { ok: false, reason: `cache ${cache.name}: the environment variable ${cache.urlEnv} is not set on the keyloss server` };
  }
  try {
    const parsed = new URL(url);
    registerSecret(decodeURIComponent(parsed.password));
    registerSecret(parsed.password);
  } catch {
    return { ok: false, reason: `cache ${cache.name}: the URL in ${cache.urlEnv ?? 'url'} is not a valid redis:// URL` };
  }
  return { ok: true, url };
}

export function findCache(caches: readonly CacheConfig[], name: string): CacheConfig | undefined {
  const wanted = name.toLowerCase();
  return caches.find((c) => c.name.toLowerCase() === wanted);
}

/** The cache whose azure.resourceId is `resourceId` (Azure sends ids in any case). */
export function findCacheByResourceId(caches: readonly CacheConfig[], resourceId: string): CacheConfig | undefined {
  const wanted = resourceId.toLowerCase();
  return caches.find((c) => c.azure?.resourceId.toLowerCase() === wanted);
}
