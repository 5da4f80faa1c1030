// The per-key filter of the record: fixed-size Bloom filter slices (bit strings in the state Redis), hashed here (pure).
//
// One slice holds up to SLICE_CAPACITY keys in SLICE_BITS bits with HASHES bit positions per key (double hashing of two
// 32-bit hashes). At capacity its false-positive rate is (1 - e^(-HASHES·SLICE_CAPACITY/SLICE_BITS))^HASHES ≈ 3.3e-7;
// a question asked of S slices is wrong with probability at most S × that (see README, "keyloss record").

/** 2^18 bits = 32 KiB per slice; a power of two so a position is a mask, not a division. */
export const SLICE_BITS = 1 << 18;
export const SLICE_BYTES = SLICE_BITS / 8;
export const SLICE_CAPACITY = 8_192;
/**
 * What one slice takes in the state Redis: its 32 KiB in the allocator's 40 KiB size class, with its key and entry
 * (MEMORY USAGE, Redis 7 with jemalloc; the writer makes each slice at its whole length at once so it is never grown).
 */
export const SLICE_STATE_BYTES = 41_100;
export const HASHES = 16;

/** False-positive rate of one slice holding `items` keys. */
export function sliceFalsePositiveRate(items: number): number {
  return (1 - Math.exp((-HASHES * Math.min(items, SLICE_CAPACITY)) / SLICE_BITS)) ** HASHES;
}

/** The rate at capacity, the bound a reader states. */
export const SLICE_FALSE_POSITIVE_RATE = sliceFalsePositiveRate(SLICE_CAPACITY);

/** murmur3's 32-bit finaliser: spreads every input bit over the output (also the proof budget's sample hash). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Two independent 32-bit hashes of `key` (FNV-1a over UTF-16 code units with two offsets, then murmur3's finaliser). */
function hashPair(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x0100019d);
  }
  return [fmix32(a), fmix32(b) | 1];
}

/** The HASHES bit positions of `key` in a slice, written into `out` (reused, so hashing allocates nothing). */
export function positions(key: string, out: Uint32Array = new Uint32Array(HASHES)): Uint32Array {
  const [h1, h2] = hashPair(key);
  for (let i = 0; i < HASHES; i++) out[i] = (h1 + Math.imul(i, h2)) & (SLICE_BITS - 1);
  return out;
}

/**
 * Slice bitmaps kept for reuse. A busy recorder needs a fresh 32 KiB bitmap per busy slice at every write; dropped ones
 * live outside the JS heap and are only freed by a major GC, which a small heap rarely runs, so they piled up in RSS
 * (12 MB over the benchmark). Bounded: at most `max` are kept.
 */
export class BitmapPool {
  private readonly free: Uint8Array[] = [];

  constructor(private readonly max = 64) {}

  take(): Uint8Array {
    return this.free.pop() ?? new Uint8Array(SLICE_BYTES);
  }

  give(bitmap: Uint8Array): void {
    if (this.free.length >= this.max) return;
    bitmap.fill(0);
    this.free.push(bitmap);
  }
}

/** A slice being filled in memory: the bits set since the last write to the state Redis. */
export class SliceDelta {
  /** Set lazily: a slice with a few keys is sent as SETBITs, a busy one as a bitmap OR-ed in. */
  bitmap: Uint8Array | null = null;
  bits: number[] = [];
  /** Keys added since the last write. */
  added = 0;

  constructor(private readonly pool: BitmapPool | null = null) {}

  /** Gives the bitmap back to the pool once it is written (or merged into another delta); the delta is done. */
  release(): void {
    if (this.bitmap && this.pool) this.pool.give(this.bitmap);
    this.bitmap = null;
    this.bits = [];
  }

  private toBitmap(): void {
    if (this.bitmap) return;
    this.bitmap = this.pool?.take() ?? new Uint8Array(SLICE_BYTES);
    for (const bit of this.bits) setBit(this.bitmap, bit);
    this.bits = [];
  }

  add(key: string, scratch: Uint32Array): void {
    positions(key, scratch);
    this.added += 1;
    if (this.bitmap === null && this.bits.length + HASHES > SETBIT_LIMIT) this.toBitmap();
    if (this.bitmap) for (const bit of scratch) setBit(this.bitmap, bit);
    else for (const bit of scratch) this.bits.push(bit);
  }
}

/** Up to this many bit positions a slice's delta is sent as SETBIT commands; above, as one bitmap. */
export const SETBIT_LIMIT = 512;

/** Redis bit order: bit 0 is the most significant bit of byte 0 (as SETBIT/GETBIT count). */
export function setBit(bitmap: Uint8Array, bit: number): void {
  bitmap[bit >>> 3]! |= 0x80 >>> (bit & 7);
}
