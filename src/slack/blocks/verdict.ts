// The verdict in the thread: likely cause, evidence in numbers, fixes, causes ruled out, checks that could not run.
import { topCause } from '../../report/build.ts';
import { formatCount, formatDuration, formatInstant, formatMatchCount } from '../../domain/format.ts';
import type { CauseReport, Report } from '../../report/model.ts';
import { isGlobPattern } from '../../domain/query.ts';
import type { WatchWords } from '../../runbook/schema.ts';
import { scopeWords } from '../../report/text.ts';
import { ACTION } from '../ids.ts';
import { code, escapeMrkdwn, mention } from './escape.ts';
import { verdictChartBlocks } from './charts.ts';
import type { Block, TableCell } from './limits.ts';
import { bullets, button, context, divider, header, message, section, type SlackMessage } from './message.ts';

export interface Conclusion {
  title: string;
  body: string;
  /** The runbook's words for "Watch live"; without them the verdict offers no watch. */
  watch?: WatchWords | null;
}

const LIKELIHOOD_ICON: Record<CauseReport['likelihood'], string> = {
  likely: ':red_circle:',
  possible: ':large_orange_circle:',
  unlikely: ':white_circle:',
  'ruled-out': ':heavy_multiplication_x:',
  unknown: ':grey_question:',
};

/** The report of the cause the verdict names (src/report/build.ts topCause, the one meaning of "top cause"). */
export function topCauseReport(report: Report): CauseReport | null {
  const id = topCause(report);
  return report.causes.find((cause) => cause.id === id) ?? null;
}

/**
 * The headline after a title that says the same: the headline of an explained verdict starts with the cause's title,
 * which the conclusion's title often repeats ("The keys are in another database: The keys are in another database: …").
 */
export function headlineAfter(title: string, headline: string): string {
  const bare = (text: string): string => text.trim().replace(/[.:]+$/, '').toLowerCase();
  if (!headline.toLowerCase().startsWith(bare(title)) || bare(title) === '') return headline;
  const rest = headline.slice(bare(title).length).replace(/^[\s.:;—-]+/, '');
  return rest === '' ? headline : rest.charAt(0).toUpperCase() + rest.slice(1);
}

/** "Title: headline", said once when the headline starts with the title. */
export function titledHeadline(title: string, headline: string): string {
  const rest = headlineAfter(title, headline);
  return rest === headline ? `${title}: ${headline}` : `${title}: ${rest}`;
}

/** One line for the root message and notifications. */
export function verdictLine(report: Report, conclusionTitle: string): string {
  const icon = report.verdict === 'explained' ? ':dart:' : report.verdict === 'no-loss' ? ':white_check_mark:' : ':grey_question:';
  return `${icon} *${escapeMrkdwn(conclusionTitle)}* — ${escapeMrkdwn(headlineAfter(conclusionTitle, report.headline))}`;
}

/** The cause in words: its title, how likely, and whether the record confirmed it (the score orders; people read words). */
export function causeHeading(cause: CauseReport): string {
  return `${LIKELIHOOD_ICON[cause.likelihood]} *${escapeMrkdwn(cause.title)}* — ${LIKELIHOOD_WORDS[cause.likelihood]}${cause.confirmed ? ', *confirmed by the record*' : ''}`;
}

const LIKELIHOOD_WORDS: Record<CauseReport['likelihood'], string> = {
  likely: 'likely',
  possible: 'possible',
  unlikely: 'unlikely',
  'ruled-out': 'ruled out',
  unknown: 'could not be judged',
};

export function evidenceLines(cause: CauseReport, direction?: 'for' | 'against'): string[] {
  return cause.evidence.filter((e) => direction === undefined || e.direction === direction).map((e) => escapeMrkdwn(e.summary));
}

/** When: UTC time of day, with the date when it is not the day the checks ran. */
export function when(report: Pick<Report, 'generatedAt'>, iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : formatInstant(at, new Date(report.generatedAt));
}

export function targetLine(report: Report): string {
  const t = report.target;
  const where = report.cache ? `${escapeMrkdwn(report.cache)} (${escapeMrkdwn(`${t.host}:${t.port}`)})` : escapeMrkdwn(`${t.host}:${t.port}`);
  return `${where} db ${t.db}${t.tls ? ' (TLS)' : ''} · key ${code(report.query.key)} · last seen ${when(report, report.query.since)} · tier ${report.query.tier ?? 'unknown'} · ${scopeWords(report)}${report.endpoint ? ` · ${escapeMrkdwn(report.endpoint.name)}` : ''}`;
}

/** What could not be checked: the report's sentences already cover failed and skipped checks, refused dbs and partial scans. */
export function uncheckedLines(report: Report): string[] {
  return report.unchecked.map(escapeMrkdwn);
}

/** A verdict button someone already used: it gives way to a line saying who used it. */
export interface UsedButton {
  action: string;
  label: string;
  user: string;
}

const VERDICT_BUTTONS = [
  { action: ACTION.rerun, label: 'Re-run checks' },
  { action: ACTION.allCauses, label: 'Show all causes' },
  { action: ACTION.postmortem, label: 'Postmortem summary' },
  { action: ACTION.changeScope, label: 'Changed the scope' },
  { action: ACTION.narrowKey, label: 'Narrow to a key' },
] as const;

/**
 * The buttons a verdict offers: the three always, "Watch live" when the runbook has words for it, the scope change when
 * it was inferred, narrowing for a pattern.
 */
function verdictButtons(report: Report, watch: WatchWords | null): Array<{ action: string; label: string; value: string }> {
  const buttons: Array<{ action: string; label: string; value: string }> = VERDICT_BUTTONS.slice(0, 3).map((b) => ({ ...b, value: '' }));
  if (watch) buttons.push({ action: ACTION.watchLive, label: watch.label, value: '' });
  if (report.scopeSource === 'inferred') {
    const other = report.query.scope === 'partial' ? 'complete' : 'partial';
    buttons.push({ action: ACTION.changeScope, label: other === 'complete' ? 'Re-run: most or all keys are gone' : 'Re-run: only some keys are gone', value: other });
  }
  if (isGlobPattern(report.query.key)) buttons.push({ action: ACTION.narrowKey, label: 'Narrow to a key', value: '' });
  return buttons;
}

export function verdictBlocks(report: Report, conclusion: Conclusion, used: readonly UsedButton[] = []): Block[] {
  const blocks: Block[] = [header(conclusion.title), section(escapeMrkdwn(headlineAfter(conclusion.title, report.headline)))];
  const top = topCauseReport(report);
  if (top) {
    blocks.push(section(`*Likely cause:* ${causeHeading(top)}\n${escapeMrkdwn(top.explanation)}`));
    // The headline is said just above: a line it already carries (the elimination, the pointing evidence) is not said twice.
    const evidence = evidenceLines({ ...top, evidence: top.evidence.filter((e) => !report.headline.includes(e.summary)) });
    if (evidence.length > 0) blocks.push(section(`*Evidence*\n${bullets(evidence, 2900)}`));
  }
  // Slack draws these itself; the same metrics go to the thread as PNGs for clients that do not.
  blocks.push(...verdictChartBlocks(report));
  if (top && top.fixes.length > 0) blocks.push(section(`*Fixes*\n${bullets(top.fixes.map(escapeMrkdwn), 2900)}`));
  if (report.verdict !== 'explained' || report.key.matches.length > 0) {
    const where = report.key.matches.map((m) => `db ${m.db}: ${formatMatchCount(m)} matching key${m.count === 1 && !m.sampled ? '' : 's'}`);
    blocks.push(
      section(
        `*The key* ${code(report.key.pattern)} is ${report.key.present ? '' : 'not '}in the application's database.` +
          (where.length > 0 ? `\n${bullets(where, 2000)}` : ''),
      ),
    );
  }
  blocks.push(section(conclusion.body));
  const possible = report.causes.filter((c) => c !== top && (c.likelihood === 'possible' || c.likelihood === 'likely'));
  if (possible.length > 0) {
    blocks.push(section(`*Still possible*\n${bullets(possible.map((c) => `${causeHeading(c)}${firstEvidence(c, 'for')}`), 2900)}`));
  }
  for (const [likelihood, heading] of [['unlikely', 'Unlikely'], ['ruled-out', 'Ruled out']] as const) {
    const causes = report.causes.filter((c) => c.likelihood === likelihood);
    if (causes.length > 0) blocks.push(section(`*${heading}*\n${bullets(causes.map((c) => `${causeHeading(c)}${firstEvidence(c, 'against')}`), 2900)}`));
  }
  const recorded = (report.record?.events ?? []).map((event) => `\`${when(report, event.at)}\` ${escapeMrkdwn(event.summary)}`);
  if (recorded.length > 0) blocks.push(section(`*Recorded by keyloss record (UTC)*\n${bullets(recorded, 2900)}`));
  const unchecked = uncheckedLines(report);
  if (unchecked.length > 0) blocks.push(section(`*Could not check*\n${bullets(unchecked, 2900)}`));
  blocks.push(divider(), context(targetLine(report)));
  if (used.length > 0) blocks.push(context(...used.map((u) => `:heavy_check_mark: ${escapeMrkdwn(u.label)} — ${mention(u.user)}`)));
  const open = verdictButtons(report, conclusion.watch ?? null).filter((b) => !used.some((u) => u.action === b.action));
  const offer = open.some((b) => b.action === ACTION.watchLive) && conclusion.watch ? watchOffer(report, conclusion.watch) : null;
  if (offer) blocks.push(section(offer));
  if (open.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: 'verdict',
      elements: open.map((b) => button(b.action, b.label, b.value, b.action === ACTION.postmortem ? 'primary' : undefined)),
    });
  }
  return blocks;
}

/**
 * The runbook's sentence offering "Watch live": when no cause could be proven, or when the rates measured during the
 * checks show keys still being removed (with those rates); null otherwise.
 */
export function watchOffer(report: Report, words: WatchWords): string | null {
  if (report.verdict === 'inconclusive') return `:eyes: ${escapeMrkdwn(words.inconclusive)}`;
  const rates = report.rates;
  if (report.verdict !== 'explained' || !rates) return null;
  const going = [
    [rates.expiredPerSec, 'expiring'],
    [rates.evictedPerSec, 'evicted'],
    [rates.deletedPerSec, 'DEL/UNLINK/GETDEL/HDEL calls'],
  ] as const;
  const now = going.filter(([perSec]) => perSec !== null && perSec > 0).map(([perSec, what]) => `${formatCount(perSec!)}/s ${what}`);
  if (now.length === 0) return null;
  return `:eyes: ${escapeMrkdwn(words.removing)}\n_Measured during the checks (over ${formatDuration(rates.intervalMs)}): ${now.join(', ')}._`;
}

function firstEvidence(cause: CauseReport, direction: 'for' | 'against'): string {
  const line = cause.evidence.find((e) => e.direction === direction) ?? cause.evidence[0];
  return line ? `: ${escapeMrkdwn(line.summary)}` : '';
}

export function verdictMessage(report: Report, conclusion: Conclusion, used: readonly UsedButton[] = []): SlackMessage {
  return message(titledHeadline(conclusion.title, report.headline), verdictBlocks(report, conclusion, used));
}

export function verdictLabel(action: string): string {
  return VERDICT_BUTTONS.find((b) => b.action === action)?.label ?? action;
}

/** A table cell: escaped as mrkdwn is, so that no key or server reply can become a mention wherever Slack shows it. */
const cell = (text: string): TableCell => ({ type: 'raw_text', text: text.trim() === '' ? '—' : escapeMrkdwn(text) });

/** The strongest line for and against a cause, for a table cell. */
function strongest(cause: CauseReport, direction: 'for' | 'against'): string {
  return cause.evidence.find((e) => e.direction === direction)?.summary ?? '—';
}

/**
 * Every cause with its evidence, for "Show all causes": a table of the seven (cause, how likely, the strongest evidence
 * for and against) reads across at a glance; every line of evidence follows, cause by cause.
 */
export function allCausesMessage(report: Report): SlackMessage {
  const blocks: Block[] = [
    header('All seven causes, most likely first'),
    {
      type: 'table',
      block_id: 'causes',
      column_settings: [{ is_wrapped: true }, { is_wrapped: false }, { is_wrapped: true }, { is_wrapped: true }],
      rows: [
        [cell('Cause'), cell('How likely'), cell('Strongest evidence for'), cell('Strongest evidence against')],
        ...report.causes.map((c) => [cell(c.title), cell(`${LIKELIHOOD_WORDS[c.likelihood]}${c.confirmed ? ', confirmed' : ''}`), cell(strongest(c, 'for')), cell(strongest(c, 'against'))]),
      ],
    },
  ];
  for (const cause of report.causes) {
    const evidence = evidenceLines(cause);
    blocks.push(section(`${causeHeading(cause)}\n${evidence.length > 0 ? bullets(evidence, 2500) : '_No evidence either way._'}`));
  }
  blocks.push(context(targetLine(report)));
  return message(`All causes for ${report.query.key}`, blocks);
}
