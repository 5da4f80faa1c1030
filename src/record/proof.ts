// The per-key proof budget of a record (pure): the state bytes of the Bloom slices a cache's record may open in a UTC day, and past half of
// it a deterministic hash sample of keys. Counts, exact names, dated events and samples are never sampled.
//
// Level rule: while the day's slices take less than half the budget every removed key goes into the filter; from then on,
// each time they pass another half of what is left (1/2, 3/4, 7/8 … of the budget), the share kept halves: 1 in 2, 1 in 4,
// 1 in 8 … of the keys, chosen by a hash of the key's name, so every recorder and reader agrees which keys are in the
// sample. A slice that would go over the budget is not opened: keys are then counted but kept in no filter (1 in 0)
// until the day ends. Each change of the share is written with its time (the record's `sampling` hash).
import { fmix32, SLICE_STATE_BYTES } from './bloom.ts';
import { DAY_MS } from './layout.ts';

export const DEFAULT_PROOF_BYTES_PER_DAY = 64 * 1_048_576;
/** At most 1 in 2^20 before the budget is spent. */
const MAX_LEVEL = 20;

/** The hash that places a key in or out of a sample: its whole name (whatever the db), independent of the filter's hashes. */
export function sampleHash(key: string): number {
  let h = 0x9747b28c;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return fmix32(h ^ key.length);
}

/** Whether a key of `hash` is kept when 1 in `oneIn` keys are (0: none). */
export function inSample(hash: number, oneIn: number): boolean {
  if (oneIn === 1) return true;
  if (oneIn <= 0) return false;
  return (hash & (oneIn - 1)) === 0;
}

/** The share of keys kept once `spent` bytes of `budget` are taken: 1, 2, 4 … or 0 when another slice would go over. */
export function shareFor(spent: number, budget: number): number {
  if (spent + SLICE_STATE_BYTES > budget) return 0;
  const level = Math.min(MAX_LEVEL, Math.floor(-Math.log2(1 - spent / budget)));
  return 2 ** Math.max(0, level);
}

export interface SampleChange {
  /** Epoch ms from which `oneIn` holds. */
  at: number;
  /** 1 in this many keys kept in the filter; 0: none. */
  oneIn: number;
}

export class ProofBudget {
  private day = -1;
  private spent = 0;
  private oneIn = 1;
  /** Changes of the share not written yet. */
  pending: SampleChange[] = [];

  constructor(readonly bytesPerDay: number) {}

  /** Takes up the day where another recorder left it: `slicesToday` slices already opened. */
  resume(now: number, slicesToday: number): void {
    this.roll(now);
    this.spent = slicesToday * SLICE_STATE_BYTES;
    this.set(now, shareFor(this.spent, this.bytesPerDay));
  }

  /** Whether the removal of `key` at `at` goes into the filter. */
  keeps(at: number, key: string): boolean {
    this.roll(at);
    if (this.oneIn <= 1) return this.oneIn === 1;
    return inSample(sampleHash(key), this.oneIn);
  }

  /** A slice is to be opened at `at`: false when it would go over the day's budget (then no key is kept till the day ends). */
  open(at: number): boolean {
    this.roll(at);
    if (this.spent + SLICE_STATE_BYTES > this.bytesPerDay) {
      this.set(at, 0);
      return false;
    }
    this.spent += SLICE_STATE_BYTES;
    this.set(at, shareFor(this.spent, this.bytesPerDay));
    return true;
  }

  private set(at: number, oneIn: number): void {
    if (oneIn === this.oneIn) return;
    this.oneIn = oneIn;
    this.pending.push({ at, oneIn });
  }

  private roll(at: number): void {
    const day = Math.floor(at / DAY_MS);
    if (day <= this.day) return;
    this.day = day;
    this.spent = 0;
    this.set(day * DAY_MS, 1);
  }
}

/** The spans of [from, to] in which a key of `hash` was not in the sample, with the share then kept. */
export function unsampledSpans(changes: SampleChange[], hash: number, from: number, to: number): Array<{ from: number; to: number; oneIn: number }> {
  const sorted = [...changes].sort((a, b) => a.at - b.at);
  const out: Array<{ from: number; to: number; oneIn: number }> = [];
  sorted.forEach((change, index) => {
    if (inSample(hash, change.oneIn)) return;
    const start = Math.max(change.at, from);
    const end = Math.min(sorted[index + 1]?.at ?? Number.POSITIVE_INFINITY, to);
    if (start >= end) return;
    const last = out.at(-1);
    if (last && last.to === start && last.oneIn === change.oneIn) last.to = end;
    else out.push({ from: start, to: end, oneIn: change.oneIn });
  });
  return out;
}
