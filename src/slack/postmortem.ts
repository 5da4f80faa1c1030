// The postmortem summary of an investigation, as Markdown (the attached file) and as a thread message.
import type { Report } from '../report/model.ts';
import { scopeWords } from '../report/text.ts';
import type { Investigation } from './investigation.ts';
import { escapeMrkdwn, mention } from './blocks/escape.ts';
import { bullets, context, header, message, section, type SlackMessage } from './blocks/message.ts';
import { topCauseReport, uncheckedLines, type Conclusion } from './blocks/verdict.ts';

interface TimelineEntry {
  at: string;
  text: string;
}

/** Answers, check runs and the verdict in time order. */
export function timeline(inv: Investigation): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ at: inv.startedAt, text: `Investigation of ${inv.cache} started by ${inv.startedBy}` }];
  for (const a of inv.answers) {
    const how = a.prefilled ? 'from the command' : a.skipped ? 'skipped' : a.user ? `by ${a.user}` : '';
    entries.push({ at: a.at, text: `${a.prompt} → ${a.answer}${how ? ` (${how})` : ''}` });
  }
  for (const run of inv.runs) {
    entries.push({ at: run.startedAt, text: `Checks started by ${run.startedBy}` });
    for (const c of run.checks) {
      if (c.status === 'running') continue;
      entries.push({
        at: run.finishedAt ?? run.startedAt,
        text: `Check ${c.title}: ${c.status}${c.ms !== undefined ? ` in ${c.ms} ms` : ''}${c.detail ? ` (${c.detail})` : ''}`,
      });
    }
  }
  // What the record dated (restarts, failovers, flushes, bursts, gaps) belongs in the incident's timeline at its time.
  for (const event of inv.report?.record?.events ?? []) entries.push({ at: event.at, text: `Recorded: ${event.summary}` });
  for (const gap of inv.report?.record?.gaps ?? []) entries.push({ at: gap.from, text: `Record gap until ${gap.to}: ${gap.why}` });
  for (const cause of inv.report?.causes ?? []) {
    for (const line of cause.evidence) if (line.source === 'record' && line.at && line.direction === 'for' && cause.confirmed) entries.push({ at: line.at, text: `Recorded (${cause.id}, confirmed): ${line.summary}` });
  }
  if (inv.report) entries.push({ at: inv.report.generatedAt, text: `Verdict: ${inv.report.verdict} — ${inv.report.headline}` });
  if (inv.unreachable) entries.push({ at: inv.runs.at(-1)?.finishedAt ?? inv.startedAt, text: `Cache unreachable: ${inv.unreachable}` });
  return entries.sort((a, b) => a.at.localeCompare(b.at));
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
    `- Started: ${inv.startedAt} by ${inv.alert ? `the Azure Monitor alert ${inv.alert.rule} (${inv.alert.severity}, id ${inv.alert.id})` : `Slack user ${inv.startedBy}`}`,
    `- Slack thread: channel ${inv.channel}, ts ${inv.rootTs}`,
  ];
  if (report) {
    lines.push(
      `- Target: ${report.target.host}:${report.target.port}, db ${report.target.db}${report.target.tls ? ', TLS' : ''}`,
      `- Key: \`${report.query.key}\` · since ${report.query.since} · tier ${report.query.tier ?? 'unknown'} · ${scopeWords(report)}`,
      `- Verdict: **${report.verdict}**${conclusion ? ` — ${conclusion.title}` : ''}`,
      '',
      `> ${report.headline}`,
    );
  }
  lines.push('', '## Timeline (UTC)', '');
  for (const e of timeline(inv)) lines.push(`- ${e.at} — ${e.text}`);
  if (top) {
    lines.push('', `## Cause: ${top.title} (${top.likelihood}, score ${top.score.toFixed(2)})`, '', top.explanation, '', '### Evidence', '');
    for (const e of top.evidence) lines.push(`- ${e.summary} (${e.check}, ${e.direction})`);
    lines.push('', '### Fixes', '');
    for (const f of top.fixes) lines.push(`- ${f}`);
  } else if (inv.unreachable) {
    lines.push('', '## Cause', '', `Not established: the cache could not be reached (${inv.unreachable}).`);
  } else {
    lines.push('', '## Cause', '', 'No single cause was proven.');
  }
  if (report) {
    lines.push('', '## All causes', '', '| cause | likelihood | score | first evidence |', '|---|---|---|---|');
    for (const c of report.causes) {
      const first = (c.evidence[0]?.summary ?? '').replace(/\|/g, '\\|');
      lines.push(`| ${c.title} | ${c.likelihood} | ${c.score.toFixed(2)} | ${first} |`);
    }
    const unchecked = [...report.unchecked];
    for (const c of report.checks) {
      if (c.status === 'failed') unchecked.push(`${c.title}: failed — ${c.error ?? ''}`);
      if (c.status === 'skipped') unchecked.push(`${c.title}: skipped — ${c.reason ?? ''}`);
    }
    if (unchecked.length > 0) {
      lines.push('', '## Could not check', '');
      for (const u of unchecked) lines.push(`- ${u}`);
    }
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
  const steps = timeline(inv).map((e) => `\`${e.at.slice(11, 19)}\` ${escapeMrkdwn(e.text)}`);
  const blocks = [
    header(`Postmortem: ${inv.cache}`),
    section(
      [
        `*Started* ${inv.startedAt} by ${mention(inv.startedBy)}`,
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
