// How Azure evidence writes numbers and times in summaries: grouped digits, UTC clock times.

export function formatCount(value: number): string {
  const rounded = Math.abs(value) >= 100 || Number.isInteger(value) ? Math.round(value) : Math.round(value * 10) / 10;
  return rounded.toLocaleString('en-US');
}

export function formatBytes(value: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = value;
  let unit = 0;
  while (Math.abs(v) >= 1024 && unit < units.length - 1) {
    v /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? Math.round(v) : v.toFixed(1)} ${units[unit]}`;
}

/** A metric's value with its unit, as Azure names units (Bytes, Percent, Count, CountPerSecond). */
export function formatValue(value: number, unit: string): string {
  if (unit === 'Bytes') return formatBytes(value);
  if (unit === 'Percent') return `${formatCount(value)} %`;
  return formatCount(value);
}

/** `05:31` within a day-long window, `2026-11-26 05:31` across days; always UTC. */
export function formatClock(iso: string, withDate: boolean): string {
  const at = new Date(iso).toISOString();
  return withDate ? `${at.slice(0, 10)} ${at.slice(11, 16)}` : at.slice(11, 16);
}

/** "at 05:33 UTC" for one point in time, "between 05:31 and 05:36 UTC" for two. */
export function formatSpan(from: string, to: string, withDate: boolean): string {
  const start = formatClock(from, withDate);
  if (new Date(to).getTime() === new Date(from).getTime()) return `at ${start} UTC`;
  return `between ${start} and ${formatClock(to, withDate)} UTC`;
}

/** "a minute", "per 5 min", "per 6 h": the grain a Total counter was summed over. */
export function formatPerInterval(intervalMs: number): string {
  const minutes = Math.round(intervalMs / 60_000);
  if (minutes === 1) return 'a minute';
  if (minutes < 60) return `per ${minutes} min`;
  if (minutes % 60 === 0 && minutes < 24 * 60) return `per ${minutes / 60} h`;
  return `per ${Math.round(minutes / (24 * 60))} d`;
}

/** "5 min", "2 h": a duration for gap summaries. */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} d`;
}
