// The progress throttle: coalescing, the last state written. (The in-memory state store is in test/state/contract.test.ts.)
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createThrottle } from '../../src/slack/throttle.ts';

describe('createThrottle', () => {
  afterEach(() => vi.useRealTimers());

  it('writes at once, then at most once per interval, and the last state on flush', async () => {
    vi.useFakeTimers();
    let state = 0;
    const written: number[] = [];
    const throttle = createThrottle(1200, async () => void written.push(state), () => undefined);
    state = 1;
    throttle.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toEqual([1]);
    for (state = 2; state <= 5; state++) throttle.request();
    await vi.advanceTimersByTimeAsync(1000);
    expect(written).toEqual([1]);
    await vi.advanceTimersByTimeAsync(200);
    expect(written).toEqual([1, 6]);
    state = 7;
    throttle.request();
    const flushed = throttle.flush();
    await vi.advanceTimersByTimeAsync(1200);
    await flushed;
    expect(written).toEqual([1, 6, 7]);
  });
});
