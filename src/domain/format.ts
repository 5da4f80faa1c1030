// Numbers as an on-call engineer reads them: thousands separators, bytes in KB/MB/GB, durations in s/min/h/d.

/** 25611 → "25,611"; fractions keep one decimal ("12.5"). */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  // One decimal only where it carries information: 0.4 keys/s, but 3,436 keys/s.
  const rounded = Number.isInteger(value) || Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
  return rounded.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** 4194304 → "4.0 MB" (binary units, as Redis reports them). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${formatCount(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** ISO-8601 grains Azure uses (PT1M, PT5M, PT1H, P1D) in milliseconds; null for anything else. */
export function grainMs(interval: string): number | null {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(interval);
  if (!m || interval === 'P' || interval === 'PT') return null;
  const [, d = '0', h = '0', min = '0'] = m;
  const ms = ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60_000;
  return ms > 0 ? ms : null;
}

/** 41000 → "41 s", 150000 → "2.5 min", 7200000 → "2 h", 172800000 → "2 d". */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  const trim = (n: number): string => (n >= 10 || Number.isInteger(n) ? String(Math.round(n)) : n.toFixed(1));
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${trim(abs / 1000)} s`;
  if (abs < 3_600_000) return `${sign}${trim(abs / 60_000)} min`;
  if (abs < 86_400_000) return `${sign}${trim(abs / 3_600_000)} h`;
  return `${sign}${trim(abs / 86_400_000)} d`;
}

/** 0.978 → "98 %". */
export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 100)} %`;
}

/** An instant as UTC time of day, with the date when it is not today's: "05:03:04 UTC" or "2026-11-25 05:03 UTC". */
export function formatInstant(at: Date, now: Date): string {
  const iso = at.toISOString();
  const sameDay = iso.slice(0, 10) === now.toISOString().slice(0, 10);
  return sameDay ? `${iso.slice(11, 19)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** An instant to the millisecond, for when seconds are what is in question: "05:03:04.250 UTC". */
export function formatInstantMs(at: Date, now: Date): string {
  const iso = at.toISOString();
  const sameDay = iso.slice(0, 10) === now.toISOString().slice(0, 10);
  return sameDay ? `${iso.slice(11, 23)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 23)} UTC`;
}

/** "1 key" / "3 keys". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : pluralForm}`;
}

/** A metric's value with its unit, as Azure names units (Bytes, Percent, Count, CountPerSecond). */
export function formatValue(value: number, unit: string): string {
  if (unit === 'Bytes') return formatBytes(value);
  if (unit === 'Percent') return `${formatCount(value)} %`;
  return formatCount(value);
}

/**
 * A match count as the scan established it: "12", "at least 3", or for a sampled db the estimate with its range
 * "about 120,000 (95 % range 98,000–140,000, from 1 % of the db scanned; 1,203 seen)".
 */
export function formatMatchCount(match: {
  count: number;
  sampled: boolean;
  estimate?: { keys: number; low: number; high: number; fraction: number } | undefined;
}): string {
  const { estimate } = match;
  if (!match.sampled || !estimate) return `${match.sampled ? 'at least ' : ''}${formatCount(match.count)}`;
  const share = estimate.fraction < 0.01 ? '<1 %' : formatPercent(estimate.fraction);
  return `about ${formatCount(estimate.keys)} (95 % range ${formatCount(estimate.low)}–${formatCount(estimate.high)}, from ${share} of the db scanned; ${formatCount(match.count)} seen)`;
}

const AND = new Intl.ListFormat('en-GB', { type: 'conjunction' });
const OR = new Intl.ListFormat('en-GB', { type: 'disjunction' });

/** "a", "a and b", "a, b and c". */
export function joinAnd(items: readonly string[]): string {
  return AND.format(items);
}

/** "a", "a or b", "a, b or c". */
export function joinOr(items: readonly string[]): string {
  return OR.format(items);
}

/** A sentence with one closing full stop: "… enterprise." stays as it is, never "enterprise..". */
export function endSentence(text: string): string {
  const trimmed = text.trimEnd();
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * Text a cache supplied (key names, client names, server replies) as it may reach a terminal: every control character
 * (escape sequences, CR and LF that would start a forged line, tab, C1), line and paragraph separators and the bidi
 * controls that reorder what is shown become �. Every text surface (watch, record, diagnose, walk) passes such text here.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, '\uFFFD');
}
