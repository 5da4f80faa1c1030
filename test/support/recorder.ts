// Recorder options for tests: short intervals (writes every 50 ms, INFO every 100 ms, a lease of 600 ms) so what a
// recorder does shows within a test's time.
import { DEFAULT_RECORDER_OPTIONS, type RecorderOptions } from '../../src/record/recorder.ts';

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
