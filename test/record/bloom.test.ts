// Bloom slice deltas: a bitmap given back to the pool comes out again empty, so a reused one carries no earlier key.
import { describe, expect, it } from 'vitest';
import { BitmapPool, HASHES, positions, SETBIT_LIMIT, SLICE_BYTES, SliceDelta } from '../../src/record/bloom.ts';

function bitsOf(bitmap: Uint8Array): number[] {
  const out: number[] = [];
  for (let bit = 0; bit < SLICE_BYTES * 8; bit++) if (bitmap[bit >>> 3]! & (0x80 >>> (bit & 7))) out.push(bit);
  return out;
}

function fill(delta: SliceDelta, prefix: string, count: number): void {
  const scratch = new Uint32Array(HASHES);
  for (let i = 0; i < count; i++) delta.add(`${prefix}:${i}`, scratch);
}

describe('slice bitmaps', () => {
  it('are reused once written, empty, and bounded in number', () => {
    const pool = new BitmapPool(1);
    const first = new SliceDelta(pool);
    // Past SETBIT_LIMIT bit positions the delta turns into a bitmap.
    fill(first, 'a', SETBIT_LIMIT / HASHES + 1);
    const bitmap = first.bitmap!;
    expect(bitmap).not.toBeNull();
    first.release();
    expect(first.bitmap).toBeNull();

    const second = new SliceDelta(pool);
    fill(second, 'b', SETBIT_LIMIT / HASHES + 1);
    expect(second.bitmap).toBe(bitmap);
    // Only the second delta's keys are in it.
    const expected = new Set<number>();
    for (let i = 0; i < SETBIT_LIMIT / HASHES + 1; i++) for (const bit of positions(`b:${i}`)) expected.add(bit);
    expect(bitsOf(second.bitmap!)).toEqual([...expected].sort((x, y) => x - y));

    // A pool of one keeps one: the other bitmap is left to the collector.
    const third = new SliceDelta(pool);
    fill(third, 'c', SETBIT_LIMIT / HASHES + 1);
    expect(third.bitmap).not.toBe(bitmap);
    second.release();
    third.release();
    expect(pool.take()).toBe(bitmap);
  });
});
