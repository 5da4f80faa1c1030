// Recorder options for tests: short intervals (writes every 50 ms, INFO every 100 ms, a lease of 600 ms) so what a
// recorder does shows within a test's time.
import { DEFAULT_RECORDER_OPTIONS, type RecorderOptions, type RecordTarget } from '../../src/record/recorder.ts';
import { parseRedisUrl } from '../../src/redis/url.ts';

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
