// Renders a report for a terminal: headline and verdict first, then the likely causes with evidence and fixes, the rest in one line each.
import type { Likelihood } from '../domain/causes.ts';
import type { CauseReport, Report } from './model.ts';

export interface TextOptions {
  color: boolean;
  /** Wrap prose at this many columns. */
  width?: number;
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

/** Key names and server replies can hold escape sequences; a report must not be able to drive the terminal. */
function clean(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\uFFFD');
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of clean(text).split(/\s+/).filter(Boolean)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

export function renderText(report: Report, options: TextOptions): string {
  const width = options.width ?? 100;
  const paint = (style: Style, text: string): string => (options.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text);
  const out: string[] = [];
  const where = `${report.target.host}:${report.target.port} db ${report.target.db}${report.target.tls ? ' (TLS)' : ''}`;
  out.push(
    paint('bold', `keyloss: ${clean(report.query.key)} on ${clean(report.cache ? `${report.cache} (${where})` : where)}`) +
      paint('dim', `, last seen ${report.query.since.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`),
  );
  out.push('');
  out.push(...wrap(report.headline, width, ''));
  out.push('');
  const tier = report.query.tier ? `${report.query.tier}${report.tierSource === 'azure' ? ' (from Azure)' : ''}` : 'unknown';
  out.push(`${paint('bold', 'Verdict:')} ${paint(VERDICT_STYLE[report.verdict], report.verdict.toUpperCase())}${paint('dim', `   ${scopeWords(report)}, tier ${tier}`)}`);

  const featured = report.causes.filter((c) => c.likelihood === 'likely');
  const shown = featured.length > 0 ? featured : report.causes.filter((c) => c.likelihood === 'possible').slice(0, 2);
  for (const cause of shown) out.push('', ...renderCause(cause, width, paint));

  const others = report.causes.filter((c) => !shown.includes(c));
  if (others.length > 0) {
    out.push('', paint('bold', shown.length > 0 ? 'Other causes' : 'Causes'));
    for (const cause of others) {
      const why =
        cause.evidence[0]?.summary ??
        (cause.likelihood === 'unknown' ? 'the checks that speak to it did not run (see "Could not check")' : 'no evidence either way');
      out.push(`  ${paint(LIKELIHOOD_STYLE[cause.likelihood], cause.likelihood.padEnd(9))}  ${clean(cause.title)}`);
      out.push(...wrap(why, width, '             ').map((line) => paint('dim', line)));
    }
  }

  out.push('', paint('bold', 'Key'));
  const elsewhere = report.key.matches.filter((m) => m.db !== report.target.db);
  const found = report.key.present ? `present in db ${report.target.db}` : `not found in db ${report.target.db}`;
  const other = elsewhere.map((m) => `db ${m.db} (${m.sampled ? 'at least ' : ''}${m.count.toLocaleString('en-US')})`).join(', ');
  out.push(`  ${clean(report.key.pattern)}: ${found}${other ? `; found in ${other}` : ''}`);

  out.push('', paint('bold', 'Checks'));
  const idWidth = Math.max(...report.checks.map((c) => c.id.length), 5);
  for (const check of report.checks) {
    const detail = check.error ?? check.reason ?? '';
    out.push(
      `  ${paint(STATUS_STYLE[check.status], check.status.padEnd(7))} ${check.id.padEnd(idWidth)} ${`${check.ms} ms`.padStart(8)}` +
        (detail ? `  ${paint('dim', clean(detail))}` : ''),
    );
  }

  if (report.unchecked.length > 0) {
    out.push('', paint('bold', 'Could not check'));
    for (const sentence of report.unchecked) out.push(...wrap(sentence, width, '    ').map((line, i) => (i === 0 ? `  - ${line.slice(4)}` : line)));
  }

  if (report.metrics.length > 0) {
    out.push('', paint('bold', 'Azure Monitor'));
    const nameWidth = Math.max(...report.metrics.map((m) => m.metric.length));
    for (const m of report.metrics) {
      out.push(
        `  ${m.metric.padEnd(nameWidth)}  ${m.line}  ${paint('dim', `min ${m.min.toLocaleString('en-US')}, max ${m.max.toLocaleString('en-US')}${m.change ? `; ${clean(m.change)}` : ''}`)}`,
      );
    }
  }
  out.push(paint('dim', `\ngenerated ${report.generatedAt}`));
  return `${out.join('\n')}\n`;
}

function renderCause(cause: CauseReport, width: number, paint: (style: Style, text: string) => string): string[] {
  const lines = [
    `${paint(LIKELIHOOD_STYLE[cause.likelihood], `● ${cause.likelihood.toUpperCase()}`)}  ${paint('bold', clean(cause.title))}${paint('dim', `  (${cause.id}, score ${cause.score.toFixed(2)})`)}`,
  ];
  for (const line of cause.evidence) {
    const mark = line.direction === 'for' ? '+' : line.direction === 'against' ? '-' : '·';
    lines.push(...wrap(line.summary, width, '     ').map((text, i) => (i === 0 ? `  ${mark}  ${text.slice(5)}` : text)));
  }
  if (cause.explanation) {
    lines.push('');
    lines.push(...wrap(cause.explanation, width, '  ').map((line) => paint('dim', line)));
  }
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
