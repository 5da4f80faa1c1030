// Runs the whole investigation against a real redis-server, as the CLI and Slack do, with a short rates sample.
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import type { CauseId, Likelihood } from '../../src/domain/causes.ts';
import { isGlobPattern, type Query } from '../../src/domain/query.ts';
import { investigate } from '../../src/investigate.ts';
import type { Report } from '../../src/report/model.ts';
import { waitFor } from '../support/wait.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';

export async function diagnoseAt(url: string, query: { key: string; db?: number; since: Date; scope?: Query['scope'] }): Promise<Report> {
  const result = await investigate({
    redisUrl: url,
    runbook: await loadDefaultRunbook(),
    query: { key: query.key, isPattern: isGlobPattern(query.key), db: query.db ?? 0, since: query.since, tier: null, scope: query.scope ?? null },
    options: { rateIntervalMs: 200 },
  });
  if (!result.ok) throw new Error(`investigation failed: ${result.kind} ${result.reason}`);
  return result.report;
}

/** A direct connection for staging data: never the gateway, which refuses writes. */
export function stagingClient(url: string, db = 0): Redis {
  return new Redis(url, { db, lazyConnect: false, maxRetriesPerRequest: 1 });
}

export function causeOf(report: Report, id: CauseId) {
  const cause = report.causes.find((c) => c.id === id);
  if (!cause) throw new Error(`cause ${id} missing from the report`);
  return cause;
}

/** Asserts the top cause, its likelihood, and that one evidence line matches (with its numbers). */
export function expectTopCause(report: Report, id: CauseId, likelihood: Likelihood, evidence: RegExp): void {
  const top = report.causes[0];
  expect(top?.id, JSON.stringify(report.causes.map((c) => [c.id, c.likelihood, c.score]))).toBe(id);
  expect(top?.likelihood).toBe(likelihood);
  expect(top?.evidence.map((e) => e.summary).join('\n')).toMatch(evidence);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `count` keys `prefix{i}` with values of `bytes` bytes, pipelined, optionally with a TTL in ms. */
export async function writeKeys(client: Redis, prefix: string, from: number, count: number, bytes: number, ttlMs?: number): Promise<void> {
  const value = 'x'.repeat(bytes);
  const pipeline = client.pipeline();
  for (let i = from; i < from + count; i += 1) {
    if (ttlMs === undefined) pipeline.set(`${prefix}${i}`, value);
    else pipeline.set(`${prefix}${i}`, value, 'PX', ttlMs);
  }
  await pipeline.exec();
}

export async function infoField(client: Redis, field: string): Promise<number> {
  const info = await client.info();
  const match = new RegExp(`^${field}:(\\S+)`, 'm').exec(info);
  return match ? Number(match[1]) : Number.NaN;
}

/**
 * Now, once the node at `url` is past the second it started in: uptime_in_seconds is whole seconds, so only then can its
 * start be told apart from keys last seen now (a node started in the same second may have restarted after them).
 */
export async function afterStartSecond(url: string): Promise<Date> {
  const probe = stagingClient(url);
  try {
    await waitFor(async () => (await infoField(probe, 'uptime_in_seconds')) >= 1, `the node at ${url} to be up a whole second`);
  } finally {
    probe.disconnect();
  }
  return new Date();
}
