// The in-memory state store (versions, claims, TTL) and the progress throttle (coalescing, last state written).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory.ts';
import { updateState } from '../../src/state/store.ts';
import { createThrottle } from '../../src/slack/throttle.ts';

describe('MemoryStateStore', () => {
  it('put with the expected version; a stale version conflicts', async () => {
    const store = new MemoryStateStore();
    expect(await store.put('k', { n: 1 }, null, 1000)).toEqual({ ok: true, version: 1 });
    expect(await store.put('k', { n: 2 }, null, 1000)).toEqual({ ok: false, reason: 'conflict' });
    expect(await store.put('k', { n: 2 }, 1, 1000)).toEqual({ ok: true, version: 2 });
    expect(await store.put('k', { n: 3 }, 1, 1000)).toEqual({ ok: false, reason: 'conflict' });
    const read = await store.get<{ n: number }>('k');
    expect(read).toEqual({ value: { n: 2 }, version: 2 });
    read!.value.n = 99;
    expect((await store.get<{ n: number }>('k'))!.value.n).toBe(2);
  });

  it('claims once until the TTL passes; values expire', async () => {
    let now = 0;
    const store = new MemoryStateStore(() => now);
    expect(await store.claim('c', 100)).toBe(true);
    expect(await store.claim('c', 100)).toBe(false);
    await store.put('k', 1, null, 50);
    now = 101;
    expect(await store.claim('c', 100)).toBe(true);
    expect(await store.get('k')).toBeNull();
  });

  it('updateState retries until the write lands, under concurrent writers', async () => {
    const store = new MemoryStateStore();
    await store.put('count', 0, null, 10_000);
    await Promise.all(Array.from({ length: 20 }, () => updateState<number>(store, 'count', 10_000, (n) => n + 1, 50)));
    expect((await store.get<number>('count'))!.value).toBe(20);
  });
});

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
