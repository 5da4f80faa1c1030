// Recorder options for tests: short intervals (writes every 50 ms, INFO every 100 ms, a lease of 600 ms) so what a
// recorder does shows within a test's time.
import { DEFAULT_RECORDER_OPTIONS, type RecorderOptions, type RecordTarget } from '../../src/record/recorder.ts';
import type { Redis } from 'ioredis';
import { isGlobPattern } from '../../src/domain/query.ts';
import { investigate } from '../../src/investigate.ts';
import { parseRedisUrl } from '../../src/redis/url.ts';
import type { Report } from '../../src/report/model.ts';
import { loadDefaultRunbook } from '../../src/runbook/load.ts';

export function fastRecorderOptions(prefix: string, holder: string, log: (line: string) => void = () => undefined): RecorderOptions {
  return {
    ...DEFAULT_RECORDER_OPTIONS,
    prefix,
    holder,
    flushMs: 50,
    leaseMs: 600,
    sampleMs: 100,
    backoff: { minMs: 50, maxMs: 200 },
    log,
  };
}

/** The record target of a test server's URL, named `id`. */
export function recordTarget(id: string, url: string): RecordTarget {
  const parsed = parseRedisUrl(url);
  if (!parsed.ok) throw new Error(parsed.reason);
  return { id, endpoint: parsed.endpoint, azure: null };
}

/** The whole investigation of `key` on `url` since `since`, reading the record of `cache` from `record`. */
export async function diagnoseRecorded(
  url: string,
  cache: string,
  key: string,
  since: Date,
  record: { client: Redis; prefix: string } | { unavailable: string },
): Promise<Report> {
  const result = await investigate({
    redisUrl: url,
    cache,
    runbook: await loadDefaultRunbook(),
    query: { key, isPattern: isGlobPattern(key), db: 0, since, tier: null, scope: null },
    options: { rateIntervalMs: 0 },
    record,
  });
  if (!result.ok) throw new Error(result.reason);
  return result.report;
}

/** Every cause with its likelihood, score, confirmation and evidence, for an assertion's message. */
export function causesText(report: Report): string {
  return report.causes.map((c) => `${c.id} ${c.likelihood} ${c.score}${c.confirmed ? ' CONFIRMED' : ''}: ${c.evidence.map((e) => e.summary).join(' | ')}`).join('\n');
}
