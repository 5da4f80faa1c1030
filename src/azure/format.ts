// How Azure evidence writes metric values and times in summaries; numbers as the diagnosis writes them.

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
