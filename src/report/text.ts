// Renders a report for a terminal. `diagnose` reads it top-down: headline and verdict first, then the likely causes with
// evidence and fixes, the rest in one line each. The walkthrough ends where the eyes are when the checks finish: the
// checks and the other causes first, then the top cause, and its verdict lines (verdictLines) last of all.
import type { ScanPacingSummary } from '../domain/evidence.ts';
import { formatInstant, formatMatchCount, formatValue, printable } from '../domain/format.ts';
import type { Likelihood } from '../domain/causes.ts';
import type { CauseReport, Report } from './model.ts';
import { visibleLength, wrapLine } from './wrap.ts';
import { nearSentence } from './headline.ts';

export interface TextOptions {
  color: boolean;
  /** Wrap prose at this many columns (default 100). */
  width?: number;
  /** `verdict-last`: everything but the verdict, the top cause at the bottom; the caller ends with verdictLines. */
  layout?: 'verdict-first' | 'verdict-last';
}

const CODES = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', blue: '34', magenta: '35', cyan: '36' } as const;
type Style = keyof typeof CODES;

const LIKELIHOOD_STYLE: Record<Likelihood, Style> = {
  likely: 'red',
  possible: 'yellow',
  unknown: 'magenta',
  unlikely: 'dim',
  'ruled-out': 'dim',
};

const STATUS_STYLE = { ok: 'green', failed: 'red', skipped: 'yellow' } as const;
const VERDICT_STYLE = { explained: 'red', 'no-loss': 'green', inconclusive: 'yellow' } as const;


/** Key names and server replies can hold escape sequences: a report passes every text through printable before wrapping it. */
function wrap(text: string, width: number, indent: string): string[] {
  const words = printable(text).split(/\s+/).filter(Boolean).join(' ');
  return words === '' ? [] : wrapLine(indent + words, width, indent);
}

type Paint = (style: Style, text: string) => string;

/** The scans' pacing is said for this many nodes; the JSON has every node's. */
const PACED_NODES_SHOWN = 3;

/** "Scans on 10.0.0.4:6379 were paced to 5–75 % of its time (SCAN COUNT 20–3,013); others sent it up to 95,210 commands/s and used up to 48 % of its main thread." */
function pacingSentence(node: ScanPacingSummary): string {
  const span = ([low, high]: [number, number], show: (n: number) => string) => (low === high ? show(low) : `${show(low)}–${show(high)}`);
  const others = [
    node.othersOpsPerSecMax === null
      ? null
      : node.othersOpsPerSecMax === 0
        ? 'sent it no commands'
        : `sent it up to ${node.othersOpsPerSecMax.toLocaleString('en-US')} command${node.othersOpsPerSecMax === 1 ? '' : 's'}/s`,
    // "up to 0 %" reads as a defect: a share that rounds to nothing is said as under 1 %.
    node.othersCpuMax === null ? null : Math.round(node.othersCpuMax * 100) === 0 ? 'used under 1 % of its main thread' : `used up to ${Math.round(node.othersCpuMax * 100)} % of its main thread`,
  ].filter((part): part is string => part !== null);
  const load = others.length > 0 ? `others ${others.join(' and ')}` : 'its INFO did not say how busy it was, so the pace stayed fixed';
  return `Scans on ${node.address} were paced to ${span(node.duty, (d) => String(Math.round(d * 100)))} % of its time (SCAN COUNT ${span(node.count, (c) => c.toLocaleString('en-US'))}); ${load}.`;
}

function painter(options: TextOptions): Paint {
  return (style, text) => (options.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text);
}

/** The causes shown in full: every likely one, else the two most possible. */
function featuredCauses(report: Report): CauseReport[] {
  const featured = report.causes.filter((c) => c.likelihood === 'likely');
  return featured.length > 0 ? featured : report.causes.filter((c) => c.likelihood === 'possible').slice(0, 2);
}

/** The verdict line and the headline: what the walkthrough ends with. */
export function verdictLines(report: Report, options: TextOptions): string[] {
  const width = options.width ?? 100;
  const paint = painter(options);
  const tier = report.query.tier ? `${report.query.tier}${report.tierSource === 'azure' ? ' (from Azure)' : ''}` : 'unknown';
  return [
    `${paint('bold', 'Verdict:')} ${paint(VERDICT_STYLE[report.verdict], report.verdict.toUpperCase())}${paint('dim', `   ${scopeWords(report)}, tier ${tier}`)}`,
    ...wrap(report.headline, width, ''),
  ];
}

export function renderText(report: Report, options: TextOptions): string {
  const width = options.width ?? 100;
  const paint = painter(options);
  const last = options.layout === 'verdict-last';
  const where = `${report.target.host}:${report.target.port} db ${report.target.db}${report.target.tls ? ' (TLS)' : ''}`;
  // Times as the rest of the report writes them: "05:03:04 UTC", with the date when it is not the day of the checks.
  const checkedAt = new Date(report.generatedAt);
  const at = (iso: string): string => formatInstant(new Date(iso), checkedAt);
  const header =
    paint('bold', `keyloss: ${printable(report.query.key)} on ${printable(report.cache ? `${report.cache} (${where})` : where)}`) +
    paint('dim', `, last seen ${at(report.query.since)}`) +
    (report.endpoint ? `\n${paint('dim', printable(report.endpoint.name))}` : '');

  const shown = featuredCauses(report);
  const featured = shown.flatMap((cause) => ['', ...renderCause(cause, width, paint)]);
  const others = report.causes.filter((c) => !shown.includes(c));
  const otherLines: string[] = [];
  if (others.length > 0) {
    otherLines.push('', paint('bold', shown.length > 0 ? 'Other causes' : 'Causes'));
    for (const cause of others) {
      const why =
        cause.evidence[0]?.summary ??
        (cause.likelihood === 'unknown' ? 'the checks that speak to it did not run (see "Could not check")' : 'no evidence either way');
      otherLines.push(`  ${paint(LIKELIHOOD_STYLE[cause.likelihood], cause.likelihood.padEnd(9))}  ${printable(cause.title)}`);
      otherLines.push(...wrap(why, width, '             ').map((line) => paint('dim', line)));
    }
  }

  const keyLines = ['', paint('bold', 'Key')];
  const elsewhere = report.key.matches.filter((m) => m.db !== report.target.db);
  const found = report.key.present ? `present in db ${report.target.db}` : `not found in db ${report.target.db}`;
  const count = (m: Report['key']['matches'][number]) =>
    m.estimate ? formatMatchCount(m) : `${m.sampled ? 'at least ' : ''}${m.count.toLocaleString('en-US')} ${m.count === 1 ? 'key' : 'keys'}`;
  const other = elsewhere.map((m) => `db ${m.db} (${count(m)})`).join(', ');
  const hereMatch = report.key.matches.find((m) => m.db === report.target.db);
  const here = hereMatch?.estimate ? ` (${formatMatchCount(hereMatch)} matching keys)` : '';
  keyLines.push(...wrap(`${report.key.pattern}: ${found}${here}${other ? `; found in ${other}` : ''}`, width, '  '));
  if (report.key.near) keyLines.push(...wrap(nearSentence(report.key.pattern, report.key.near), width, '  '));
  const paced = report.key.pacing ?? [];
  for (const node of paced.slice(0, PACED_NODES_SHOWN)) keyLines.push(...wrap(pacingSentence(node), width, '  ').map((line) => paint('dim', line)));
  if (paced.length > PACED_NODES_SHOWN) keyLines.push(paint('dim', `  and ${paced.length - PACED_NODES_SHOWN} more nodes (key.pacing in --json)`));

  const checkLines = ['', paint('bold', 'Checks')];
  const idWidth = Math.max(...report.checks.map((c) => c.id.length), 5);
  // A reason shared by several checks (no Azure resource, say) is said once; "Could not check" sums it up.
  const said = new Set<string>();
  // "  " + status (7) + " " + id + " " + time (8) + "  ": where a check's detail starts, and its continuation lines.
  const detailAt = 21 + idWidth;
  for (const check of report.checks) {
    const detail = check.error ?? check.reason ?? '';
    const shownDetail = detail && said.has(detail) ? 'same reason as above' : detail;
    if (detail) said.add(detail);
    const row = `  ${check.status.padEnd(7)} ${check.id.padEnd(idWidth)} ${`${check.ms} ms`.padStart(8)}${shownDetail ? `  ${printable(shownDetail)}` : ''}`;
    checkLines.push(
      ...wrapLine(row, width, ' '.repeat(detailAt)).map((line, i) =>
        i === 0 ? `  ${paint(STATUS_STYLE[check.status], line.slice(2, 9))}${line.slice(9, detailAt)}${paint('dim', line.slice(detailAt))}` : paint('dim', line),
      ),
    );
  }

  const uncheckedLines: string[] = [];
  if (report.unchecked.length > 0) {
    uncheckedLines.push('', paint('bold', 'Could not check'));
    for (const sentence of report.unchecked) uncheckedLines.push(...wrap(sentence, width, '    ').map((line, i) => (i === 0 ? `  - ${line.slice(4)}` : line)));
  }

  const recordLines: string[] = [];
  if (report.record) {
    const span = at;
    recordLines.push('', paint('bold', 'Record'), `  keyloss record of this cache: ${span(report.record.from)} → ${span(report.record.to)}`);
    for (const event of report.record.events) recordLines.push(...wrap(`${span(event.at)}  ${event.summary}`, width, '    ').map((line, i) => (i === 0 ? `  ${line.slice(4)}` : line)));
    for (const gap of report.record.gaps) recordLines.push(...wrap(`gap ${span(gap.from)} → ${span(gap.to)}: ${gap.why}`, width, '    ').map((line, i) => (i === 0 ? `  ${line.slice(4)}` : line)));
  }

  const metricLines: string[] = [];
  if (report.metrics.length > 0) {
    metricLines.push('', paint('bold', 'Azure Monitor'));
    const nameWidth = Math.max(...report.metrics.map((m) => m.metric.length));
    for (const m of report.metrics) {
      // The sparkline's line, then min, max and the change in the metric's unit, wrapped under the sparkline like the rest.
      const head = `  ${m.metric.padEnd(nameWidth)}  ${m.line}`;
      const rest = `min ${formatValue(m.min, m.unit)}, max ${formatValue(m.max, m.unit)}${m.change ? `; ${printable(m.change)}` : ''}`;
      const hang = ' '.repeat(Math.min(nameWidth + 4, Math.floor(width / 2)));
      const fits = visibleLength(head) + 2 + visibleLength(rest) <= width;
      const lines = fits ? [`${head}  ${rest}`] : [head, ...wrap(rest, width, hang)];
      metricLines.push(...lines.map((line, i) => (i === 0 && fits ? `${head}  ${paint('dim', rest)}` : i === 0 ? line : paint('dim', line))));
    }
  }

  if (last) {
    // The top cause nearest the verdict: the first likely cause is printed last.
    // The headline quotes the top cause's strongest evidence: said there, not also here.
    const reversed = [...shown].reverse().flatMap((cause) => ['', ...renderCause(cause, width, paint, report.headline)]);
    // No Checks table: the walkthrough printed each check, its status and reason as it finished.
    const out = [header + paint('dim', `, checked ${at(report.generatedAt)}`), ...uncheckedLines, ...recordLines, ...metricLines, ...keyLines, ...otherLines, ...reversed];
    return `${out.join('\n')}\n`;
  }
  const [verdict = '', ...headline] = verdictLines(report, options);
  const out = [header, '', ...headline, '', verdict, ...featured, ...otherLines, ...keyLines, ...checkLines, ...uncheckedLines, ...recordLines, ...metricLines];
  out.push(paint('dim', `\ngenerated ${report.generatedAt}`));
  return `${out.join('\n')}\n`;
}

/**
 * With `headline` (the verdict-last layout): what the cause is, then the evidence the headline does not already quote and
 * the fixes, so that those end up nearest the verdict.
 */
function renderCause(cause: CauseReport, width: number, paint: Paint, headline?: string): string[] {
  const explanationFirst = headline !== undefined;
  const lines = [
    `${paint(LIKELIHOOD_STYLE[cause.likelihood], `● ${cause.likelihood.toUpperCase()}${cause.confirmed ? ', CONFIRMED by the record' : ''}`)}  ${paint('bold', printable(cause.title))}${paint('dim', `  (${cause.id})`)}`,
  ];
  const explanation = cause.explanation ? wrap(cause.explanation, width, '  ').map((line) => paint('dim', line)) : [];
  if (explanationFirst) lines.push(...explanation);
  for (const line of cause.evidence) {
    if (headline?.includes(line.summary)) continue;
    const mark = line.direction === 'for' ? '+' : line.direction === 'against' ? '-' : '·';
    lines.push(...wrap(line.summary, width, '     ').map((text, i) => (i === 0 ? `  ${mark}  ${text.slice(5)}` : text)));
  }
  if (!explanationFirst && explanation.length > 0) lines.push('', ...explanation);
  if (cause.fixes.length > 0) {
    lines.push('', `  ${paint('bold', 'What to do')}`);
    cause.fixes.forEach((fix, i) => {
      const prefix = `  ${i + 1}. `;
      lines.push(...wrap(fix, width, ' '.repeat(prefix.length)).map((text, j) => (j === 0 ? prefix + text.slice(prefix.length) : text)));
    });
  }
  return lines;
}

/** "scope inferred: partial" when the checks decided it, "scope partial" when a person did. */
export function scopeWords(report: Report): string {
  return `scope ${report.scopeSource === 'inferred' ? 'inferred: ' : ''}${report.query.scope}`;
}
