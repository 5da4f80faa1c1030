// Charts in the verdict's thread: one upload of at most five PNGs (files.getUploadURLExternal, the bytes,
// files.completeUploadExternal with thread_ts), whose permalinks the postmortem embeds.
import { chartPng } from '../report/chart-png.ts';
import { chartsOf } from '../report/charts.ts';
import type { Report } from '../report/model.ts';
import type { Client } from './context.ts';

/** A chart as shared in the thread. */
export interface PostedChart {
  fileId: string;
  title: string;
  /** The file's page in Slack; null when Slack did not return one. */
  permalink: string | null;
}

/** Draws the report's charts and shares them in the thread; none when the report has no Azure metrics. */
export async function postCharts(client: Client, channel: string, threadTs: string, report: Report): Promise<PostedChart[]> {
  const specs = chartsOf(report);
  if (specs.length === 0) return [];
  const prefix = `keyloss-${report.cache ?? 'cache'}`;
  const result = (await client.filesUploadV2({
    channel_id: channel,
    thread_ts: threadTs,
    file_uploads: specs.map((spec) => ({ file: chartPng(spec), filename: `${prefix}-${spec.filename}`, title: spec.title, alt_text: spec.alt })),
  })) as { files?: Array<{ files?: Array<{ id?: string; title?: string; permalink?: string }> }> };
  const shared = (result.files ?? []).flatMap((completion) => completion.files ?? []);
  return specs.map((spec, i) => {
    const file = shared[i];
    return { fileId: file?.id ?? '', title: spec.title, permalink: file?.permalink ?? null };
  });
}
