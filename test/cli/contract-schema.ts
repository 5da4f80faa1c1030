// The JSON report contract of spec/diagnose-cli.md as a zod schema: the fields and value sets outside checks rely on.
import { z } from 'zod';

const CAUSES = ['expiration', 'eviction', 'replication', 'deletion', 'flush', 'wrong-database', 'instance-failure'] as const;

export const ContractReport = z.object({
  target: z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535), db: z.number().int().min(0), tls: z.boolean() }),
  query: z.object({
    key: z.string().min(1),
    since: z.iso.datetime(),
    // The contract's four, and the tiers added since (the contract only grows).
    tier: z.enum(['basic', 'standard', 'premium', 'enterprise', 'enterprise-flash', 'memory-optimized', 'balanced', 'compute-optimized', 'flash-optimized']).nullable(),
    scope: z.enum(['partial', 'complete']),
  }),
  verdict: z.enum(['explained', 'no-loss', 'inconclusive']),
  causes: z
    .array(
      z.object({
        id: z.enum(CAUSES),
        likelihood: z.enum(['likely', 'possible', 'unlikely', 'ruled-out', 'unknown']),
        score: z.number().min(0).max(1),
        evidence: z.array(z.object({ check: z.string().min(1), summary: z.string().min(1) })),
        fixes: z.array(z.string().min(1)),
      }),
    )
    .length(7)
    .refine((causes) => new Set(causes.map((c) => c.id)).size === 7, 'all seven causes, once each')
    .refine((causes) => causes.every((c, i) => i === 0 || (causes[i - 1]?.score ?? 1) >= c.score), 'highest score first'),
  checks: z.array(
    z
      .object({ id: z.string().min(1), status: z.enum(['ok', 'failed', 'skipped']), ms: z.number().min(0), error: z.string().optional() })
      .refine((c) => (c.status === 'failed') === (c.error !== undefined), '"error" exactly when failed'),
  ),
  key: z.object({
    pattern: z.string().min(1),
    present: z.boolean(),
    matches: z.array(z.object({ db: z.number().int().min(0), count: z.number().int().min(0), sampled: z.boolean() })),
  }),
});
export type ContractReport = z.infer<typeof ContractReport>;
