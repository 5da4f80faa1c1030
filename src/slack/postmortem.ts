// The postmortem summary of an investigation, as Markdown (the attached file) and as a thread message.
import type { Report } from '../report/model.ts';
import { scopeWords } from '../report/text.ts';
import type { Investigation } from './investigation.ts';
import { escapeMrkdwn, mention } from './blocks/escape.ts';
import { bullets, context, header, message, section, type SlackMessage } from './blocks/message.ts';
import { topCauseReport, uncheckedLines, when, type Conclusion } from './blocks/verdict.ts';
import { formatDuration } from '../domain/format.ts';

interface TimelineEntry {
  at: string;
  /** Plain words; `{user}` stands where the person (`user`) is named, as a mention. */
  text: string;
  user?: string;
}

/** Where `{user}` stands in a timeline entry. */
const USER = '{user}';

/** How an answer was given: by whom, from where, or not at all (inferred). */
function answerHow(a: Investigation['answers'][number]): { how: string; user?: string } {
  if (a.prefilled && a.skipped) return { how: 'not given: inferred from the evidence' };
  if (a.prefilled) return { how: a.source ? `from ${a.source}` : 'not asked' };
  if (a.skipped) return a.user ? { how: `skipped by ${USER}`, user: a.user } : { how: 'skipped' };
  return a.user ? { how: `by ${USER}`, user: a.user } : { how: '' };
}

/** A check's end: the checks start together, so a check ends its own time after the run started. */
function checkEnd(startedAt: string, ms: number | undefined): string {
  const start = Date.parse(startedAt);
  return ms === undefined || Number.isNaN(start) ? startedAt : new Date(start + ms).toISOString();
}

/** Answers, check runs, the watches and the verdict in time order; the verdict after the checks it came from. */
export function timeline(inv: Investigation): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    inv.alert
      ? { at: inv.startedAt, text: `Investigation of ${inv.cache} started by the Azure Monitor alert ${inv.alert.rule}` }
      : { at: inv.startedAt, text: `Investigation of ${inv.cache} started by ${USER}`, user: inv.startedBy },
  ];
  for (const a of inv.answers) {
    const { how, user } = answerHow(a);
    entries.push({ at: a.at, text: `${a.prompt} → ${a.answer}${how ? ` (${how})` : ''}`, ...(user ? { user } : {}) });
  }
  let lastCheck = '';
  const said = new Set<string>();
  for (const run of inv.runs) {
    entries.push({ at: run.startedAt, text: `Checks started by ${USER}`, user: run.startedBy });
    for (const c of run.checks) {
      if (c.status === 'running') continue;
      const at = checkEnd(run.startedAt, c.ms);
      if (at > lastCheck) lastCheck = at;
      const detail = c.detail ? (said.has(c.detail) ? ' (same reason as above)' : ` (${c.detail})`) : '';
      if (c.detail) said.add(c.detail);
      entries.push({ at, text: `Check ${c.title}: ${c.status}${c.ms !== undefined ? ` in ${formatDuration(c.ms)}` : ''}${detail}` });
    }
  }
  // What the record dated (restarts, failovers, flushes, bursts, gaps) belongs in the incident's timeline at its time.
  for (const event of inv.report?.record?.events ?? []) entries.push({ at: event.at, text: `Recorded: ${event.summary}` });
  for (const gap of inv.report?.record?.gaps ?? []) entries.push({ at: gap.from, text: `Record gap until ${gap.to}: ${gap.why}` });
  for (const cause of inv.report?.causes ?? []) {
    for (const line of cause.evidence) if (line.source === 'record' && line.at && line.direction === 'for' && cause.confirmed) entries.push({ at: line.at, text: `Recorded (${cause.title}, confirmed): ${line.summary}` });
  }
  if (inv.report) {
    const at = inv.report.generatedAt > lastCheck ? inv.report.generatedAt : lastCheck;
    entries.push({ at, text: `Verdict: ${inv.report.verdict} — ${inv.report.headline}` });
  }
  for (const w of inv.watches ?? []) entries.push({ at: w.to, text: `Watch live by ${USER} (${w.seconds} s from ${w.from.slice(11, 19)} UTC): ${w.summary}`, user: w.by });
  if (inv.unreachable) entries.push({ at: inv.runs.at(-1)?.finishedAt ?? inv.startedAt, text: `Cache unreachable: ${inv.unreachable}` });
  // Stable: entries at the same instant keep the order they were added in (a check before the verdict it led to).
  return entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.at.localeCompare(b.e.at) || a.i - b.i).map(({ e }) => e);
}

/** `05:31:07`, with the date when the timeline spans more than one day. */
function stamp(at: string, days: boolean): string {
  return days ? `${at.slice(0, 10)} ${at.slice(11, 19)}` : at.slice(11, 19);
}

function spansDays(entries: readonly TimelineEntry[]): boolean {
  return new Set(entries.map((e) => e.at.slice(0, 10))).size > 1;
}

/** Follow-up actions: the fixes of the likely cause, then what would make the next incident provable. */
export function followUps(report: Report | null): string[] {
  if (!report) return ['Restore connectivity to the cache, then re-run the checks.'];
  const top = topCauseReport(report);
  const actions = top ? [...top.fixes] : [];
  for (const line of report.unchecked) actions.push(`Make this checkable next time: ${line}`);
  if (actions.length === 0) actions.push('Confirm with the application owners that nothing is missing any more.');
  return actions;
}

export function postmortemMarkdown(inv: Investigation, conclusion: Conclusion | null): string {
  const report = inv.report;
  const top = report ? topCauseReport(report) : null;
  const lines: string[] = [
    `# Key-loss postmortem: ${inv.cache}`,
    '',
    `- Started: ${inv.startedAt.slice(0, 10)} ${inv.startedAt.slice(11, 19)} UTC by ${inv.alert ? `the Azure Monitor alert ${inv.alert.rule} (${inv.alert.severity}, id ${inv.alert.id})` : mention(inv.startedBy)}`,
    `- Slack thread: channel ${inv.channel}, ts ${inv.rootTs}`,
  ];
  if (report) {
    lines.push(
      `- Target: ${report.target.host}:${report.target.port}, db ${report.target.db}${report.target.tls ? ', TLS' : ''}`,
      `- Key: \`${report.query.key}\` · last seen ${when(report, report.query.since)} · tier ${report.query.tier ?? 'unknown'} · ${scopeWords(report)}`,
      `- Verdict: **${report.verdict}**${conclusion ? ` — ${conclusion.title}` : ''}`,
      '',
      `> ${report.headline}`,
    );
  }
  lines.push('', '## Timeline (UTC)', '');
  const entries = timeline(inv);
  const days = spansDays(entries);
  for (const e of entries) lines.push(`- ${stamp(e.at, days)} — ${e.user ? e.text.replace(USER, mention(e.user)) : e.text}`);
  if (top) {
    lines.push('', `## Cause: ${top.title} (${top.likelihood}${top.confirmed ? ', confirmed by the record' : ''})`, '', top.explanation, '', '### Evidence', '');
    for (const e of top.evidence) lines.push(`- ${e.direction === 'for' ? '+' : e.direction === 'against' ? '−' : '·'} ${e.summary}`);
    lines.push('', '### Fixes', '');
    for (const f of top.fixes) lines.push(`- ${f}`);
  } else if (inv.unreachable) {
    lines.push('', '## Cause', '', `Not established: the cache could not be reached (${inv.unreachable}).`);
  } else {
    lines.push('', '## Cause', '', 'No single cause was proven.');
  }
  if (report) {
    lines.push('', '## All causes', '', '| cause | likelihood | first evidence |', '|---|---|---|');
    for (const c of report.causes) {
      const first = (c.evidence[0]?.summary ?? '').replace(/\|/g, '\\|');
      lines.push(`| ${c.title} | ${c.likelihood} | ${first} |`);
    }
    // The report's sentences already say which checks failed or were skipped, and why, each reason once.
    const unchecked = report.unchecked;
    if (unchecked.length > 0) {
      lines.push('', '## Could not check', '');
      for (const u of unchecked) lines.push(`- ${u}`);
    }
  }
  if ((inv.watches ?? []).length > 0) {
    lines.push('', '## Watch live', '');
    for (const w of inv.watches ?? []) lines.push(`- ${stamp(w.from, days)}–${w.to.slice(11, 19)} UTC (${w.seconds} s, ${mention(w.by)}): ${w.summary}`);
  }
  const charts = (inv.charts ?? []).filter((c) => c.permalink !== null);
  if (charts.length > 0) {
    lines.push('', '## Azure Monitor metrics', '');
    for (const c of charts) lines.push(`![${c.title}](${c.permalink})`, '');
    lines.pop();
  }
  lines.push('', '## Follow-up actions', '');
  for (const a of followUps(report)) lines.push(`- [ ] ${a}`);
  return lines.join('\n') + '\n';
}

/** The thread (and postmortem channel) version: the essentials; the file holds the rest. */
export function postmortemMessage(inv: Investigation, conclusion: Conclusion | null): SlackMessage {
  const report = inv.report;
  const top = report ? topCauseReport(report) : null;
  const entries = timeline(inv);
  const days = spansDays(entries);
  const steps = entries.map((e) => `\`${stamp(e.at, days)}\` ${e.user ? escapeMrkdwn(e.text).replace(USER, mention(e.user)) : escapeMrkdwn(e.text)}`);
  const blocks = [
    header(`Postmortem: ${inv.cache}`),
    section(
      [
        `*Started* ${inv.startedAt.slice(0, 10)} ${inv.startedAt.slice(11, 19)} UTC by ${inv.alert ? `the Azure Monitor alert ${escapeMrkdwn(inv.alert.rule)}` : mention(inv.startedBy)}`,
        report ? `*Verdict* ${report.verdict}${conclusion ? ` — ${escapeMrkdwn(conclusion.title)}` : ''}` : '*Verdict* none',
        report ? escapeMrkdwn(report.headline) : inv.unreachable ? `:warning: ${escapeMrkdwn(inv.unreachable)}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    ),
    section(`*Timeline (UTC)*\n${bullets(steps, 2900)}`),
  ];
  if (top) {
    blocks.push(section(`*Cause* ${escapeMrkdwn(top.title)} (${top.likelihood})\n${bullets(top.evidence.map((e) => escapeMrkdwn(e.summary)), 2500)}`));
  }
  blocks.push(section(`*Follow-up actions*\n${bullets(followUps(report), 2900)}`));
  if (report) {
    const unchecked = uncheckedLines(report);
    if (unchecked.length > 0) blocks.push(section(`*Could not check*\n${bullets(unchecked, 2900)}`));
  }
  blocks.push(context('The full summary is attached as a Markdown file.'));
  return message(`Postmortem: ${inv.cache}${report ? ` — ${report.headline}` : ''}`, blocks);
}
