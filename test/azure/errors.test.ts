import { describe, expect, it } from 'vitest';
import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import { retryAfterMs, withThrottleRetry } from '../../src/azure/errors.ts';

function throttled(headers: Record<string, string>): RestError {
  return new RestError('Too many requests', {
    statusCode: 429,
    response: { status: 429, headers: createHttpHeaders(headers), request: createPipelineRequest({ url: 'https://westeurope.metrics.monitor.azure.com/' }) },
  });
}

describe('retryAfterMs', () => {
  it('reads seconds, milliseconds and an HTTP date', () => {
    const now = Date.parse('2026-11-26T06:00:00Z');
    expect(retryAfterMs(throttled({ 'retry-after': '7' }), now)).toBe(7000);
    expect(retryAfterMs(throttled({ 'x-ms-retry-after-ms': '250' }), now)).toBe(250);
    expect(retryAfterMs(throttled({ 'retry-after': 'Thu, 26 Nov 2026 06:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs(throttled({}), now)).toBeNull();
  });
});

describe('withThrottleRetry', () => {
  it('does not wait when Azure gives no Retry-After, and says so', async () => {
    let calls = 0;
    const failing = withThrottleRetry(
      async () => {
        calls += 1;
        throw throttled({});
      },
      { signal: new AbortController().signal, maxWaitMs: 5000 },
    );
    await expect(failing).rejects.toThrow('throttled by Azure, retry after a few s');
    expect(calls).toBe(1);
  });

  it('passes other failures through untouched', async () => {
    const error = new RestError('Forbidden', { statusCode: 403 });
    await expect(withThrottleRetry(async () => Promise.reject(error), { signal: new AbortController().signal, maxWaitMs: 5000 })).rejects.toBe(error);
  });
});
