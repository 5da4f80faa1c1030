// Renders a metric series as one line of block characters that fits a Slack message line.
const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;
/** A bucket without data (the cache did not report). */
export const GAP = '·';
export const MAX_CELLS = 60;

export interface Sparkline {
  line: string;
  /** Over the non-empty values; 0 when the series has none. */
  min: number;
  max: number;
}

/**
 * `reduce` picks the value a bucket shows when several points share one cell: `max` keeps spikes
 * visible, `min` keeps drops visible (a key count falling to zero must not be averaged away).
 */
export function sparkline(values: Array<number | null>, options: { width?: number; reduce?: 'max' | 'min' } = {}): Sparkline {
  const width = Math.max(1, Math.min(options.width ?? MAX_CELLS, MAX_CELLS));
  const cells = resample(values, width, options.reduce ?? 'max');
  const present = cells.filter((v): v is number => v !== null);
  if (present.length === 0) return { line: GAP.repeat(cells.length), min: 0, max: 0 };
  const min = Math.min(...present);
  const max = Math.max(...present);
  const line = cells
    .map((v) => {
      if (v === null) return GAP;
      if (max === min) return max === 0 ? BARS[0] : BARS[3];
      const level = Math.round(((v - min) / (max - min)) * (BARS.length - 1));
      return BARS[level]!;
    })
    .join('');
  return { line, min, max };
}

/** Groups the points into at most `width` cells, in order; a cell is null only when all its points are. */
export function resample(values: Array<number | null>, width: number, reduce: 'max' | 'min'): Array<number | null> {
  if (values.length <= width) return [...values];
  const cells: Array<number | null> = [];
  for (let cell = 0; cell < width; cell += 1) {
    const start = Math.floor((cell * values.length) / width);
    const end = Math.floor(((cell + 1) * values.length) / width);
    const bucket = values.slice(start, end).filter((v): v is number => v !== null);
    cells.push(bucket.length === 0 ? null : reduce === 'max' ? Math.max(...bucket) : Math.min(...bucket));
  }
  return cells;
}
