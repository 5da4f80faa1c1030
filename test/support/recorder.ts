// A recorder as tests run it: writes every 50 ms, samples INFO every 100 ms, short leases and backoff.
import { DEFAULT_RECORDER_OPTIONS, type RecorderOptions, type RecordTarget } from '../../src/record/recorder.ts';
import { parseRedisUrl } from '../../src/redis/url.ts';

export function fastRecorderOptions(prefix: string, holder = 'test', log: (line: string) => void = () => undefined): RecorderOptions {
  return { ...DEFAULT_RECORDER_OPTIONS, prefix, holder, flushMs: 50, leaseMs: 600, sampleMs: 100, backoff: { minMs: 50, maxMs: 200 }, log };
}

/** The record target of a test server's URL, named `id`. */
export function recordTarget(id: string, url: string): RecordTarget {
  const parsed = parseRedisUrl(url);
  if (!parsed.ok) throw new Error(parsed.reason);
  return { id, endpoint: parsed.endpoint, azure: null };
}
