// What a person reads in Slack, as the JSON Slack receives: Slack's own charts (data visualization blocks) and the
// causes table within the reference's limits, and the verdict, progress and watch words without the defects of
// issue 25 (a title said twice, unlikely causes under "Ruled out", raw scores, check ids, ISO times, a reason said
// three times, "20 DELs" for DEL 10 and UNLINK 10, "turn notifications on" when they are on).
import { describe, expect, it } from 'vitest';
import type { CheckId } from '../../src/domain/checks.ts';
import type { MetricLine } from '../../src/domain/azure-evidence.ts';
import type { RecordData } from '../../src/domain/record.ts';
import { buildReport, summarizeChecks } from '../../src/report/build.ts';
import type { Report } from '../../src/report/model.ts';
import { combineNotifications, summarizeWatch, type WatchResult } from '../../src/record/watch.ts';
import { fitBlocks, LIMITS, limitBreaches, type Block } from '../../src/slack/blocks/limits.ts';
import { metricChartBlock, removalsChartBlock, verdictChartBlocks, watchChartBlock } from '../../src/slack/blocks/charts.ts';
import { progressMessage } from '../../src/slack/blocks/progress.ts';
import { rootMessage } from '../../src/slack/blocks/root.ts';
import { allCausesMessage, verdictMessage } from '../../src/slack/blocks/verdict.ts';
import { watchResultMessage } from '../../src/slack/blocks/watch.ts';
import { makeEvidence, NOW, SINCE } from '../diagnosis/evidence-fixture.ts';
import { runbook } from '../diagnosis/runbook-fixture.ts';

const ORDER: CheckId[] = ['info', 'keyspace.presence', 'keyspace.ttl-sample', 'clients', 'memory', 'commands.deletion', 'replication', 'persistence.restart', 'rates', 'record', 'azure.metrics'];
const MINUTE = 60_000;
const FROM = SINCE.getTime() - 15 * MINUTE;

/** Used memory, a maximum per minute over 75 minutes: 2.4 GB until 05:31, then 50 MB; Azure left 05:40–05:42 empty. */
function usedMemory(): MetricLine {
  const points = Array.from({ length: 75 }, (_, i) => {
    const at = FROM + i * MINUTE;
    const value = at >= Date.parse('2026-11-26T05:40:00Z') && at < Date.parse('2026-11-26T05:43:00Z') ? null : at < Date.parse('2026-11-26T05:31:00Z') ? 2.4 * 1024 ** 3 : 50 * 1024 ** 2;
    return { at: new Date(at).toISOString(), value };
  });
  return {
    metric: 'usedmemory',
    line: '████▁▁',
    min: 50 * 1024 ** 2,
    max: 2.4 * 1024 ** 3,
    change: 'usedmemory 2.4 GB → 50.0 MB at 05:31',
    unit: 'Bytes',
    aggregation: 'Maximum',
    points,
    changes: [{ kind: 'step-down', from: '2026-11-26T05:30:00.000Z', to: '2026-11-26T05:31:00.000Z', summary: 'usedmemory 2.4 GB → 50.0 MB' }],
  };
}

/** The record of the window: 12,400 session keys evicted 05:31–05:35, a few expired all along. */
function record(): RecordData {
  const minutes = (from: string, n: number, count: (i: number) => number) =>
    Array.from({ length: n }, (_, i) => ({ at: new Date(Date.parse(from) + i * MINUTE).toISOString(), count: count(i) }));
  return {
    cache: 'orders-prod',
    record: { from: '2026-11-25T05:00:00.000Z', to: NOW.toISOString(), gaps: [] },
    window: { from: SINCE.toISOString(), to: NOW.toISOString() },
    families: ['session:'],
    removals: [
      { event: 'evicted', count: 12_400, first: '2026-11-26T05:31:00.000Z', last: '2026-11-26T05:35:00.000Z', peakAt: '2026-11-26T05:32:00.000Z', peak: 4_000, minutes: minutes('2026-11-26T05:31:00.000Z', 5, (i) => [2000, 4000, 3400, 2000, 1000][i] ?? 0) },
      { event: 'expired', count: 60, first: '2026-11-26T05:00:00.000Z', last: '2026-11-26T05:59:00.000Z', peakAt: '2026-11-26T05:00:00.000Z', peak: 1, minutes: minutes('2026-11-26T05:00:00.000Z', 60, () => 1) },
    ],
    allRemovals: [],
    key: null,
    changes: [],
    notificationsOff: false,
    memoryAtEviction: null,
  };
}

function reportWith(overrides: Parameters<typeof makeEvidence>[1], key = 'session:*'): Report {
  const evidence = makeEvidence(key, overrides);
  return buildReport({
    evidence,
    runbook,
    target: { host: 'orders-prod.redis.cache.windows.net', port: 6380, tls: true },
    cache: 'orders-prod',
    checks: summarizeChecks(evidence.results, ORDER, {}),
    generatedAt: NOW,
  });
}

const charted = () =>
  reportWith({
    memory: { evictedKeys: 12_400, usedMemory: 990, maxmemory: 1000, policy: 'allkeys-lru' },
    record: record(),
    'azure.metrics': { window: { from: new Date(FROM).toISOString(), to: NOW.toISOString(), interval: 'PT1M' }, series: [], events: [], sparklines: [usedMemory()] },
  });

const charts = (blocks: readonly Block[]) => blocks.filter((b): b is Extract<Block, { type: 'data_visualization' }> => b.type === 'data_visualization');

describe('Slack-native charts', () => {
  it('a verdict carries the cited Azure metric and the record\'s removals as at most two charts within the reference\'s limits', () => {
    const report = charted();
    const msg = verdictMessage(report, { title: 'Keys evicted', body: 'See the evidence.' });
    const drawn = charts(msg.blocks);
    expect(drawn.map((b) => b.block_id)).toEqual(['chart-usedmemory', 'chart-record-removals']);
    expect(limitBreaches(msg.blocks)).toEqual([]);
    for (const chart of drawn) {
      expect(chart.title.length).toBeLessThanOrEqual(LIMITS.chartTitle);
      if (chart.chart.type === 'pie') continue;
      expect(chart.chart.series.length).toBeLessThanOrEqual(LIMITS.chartSeries);
      expect(chart.chart.axis_config.categories.length).toBeLessThanOrEqual(LIMITS.chartPoints);
      for (const label of chart.chart.axis_config.categories) expect(label.length).toBeLessThanOrEqual(LIMITS.chartLabel);
    }
  });

  it('draws the metric in its unit, as maxima per bin, and leaves out the bins Azure returned nothing for', () => {
    const block = metricChartBlock(charted());
    expect(block?.type).toBe('data_visualization');
    if (block?.type !== 'data_visualization' || block.chart.type === 'pie') throw new Error('a line chart');
    expect(block.title).toBe('Used memory (Azure Monitor)');
    expect(block.chart.axis_config).toMatchObject({ x_label: 'UTC', y_label: 'GB' });
    const [series] = block.chart.series;
    expect(series?.name).toBe('max per 4 min');
    // 75 minutes in bins of 4: 19 bins; 05:40–05:42 are empty, but the 05:39 bin holds 05:39 itself.
    expect(block.chart.axis_config.categories[0]).toBe('04:45');
    expect(series?.data[0]).toEqual({ label: '04:45', value: 2.4 });
    expect(series?.data.at(-1)?.value).toBe(0.0488);
    expect(series?.data.every((p) => Number.isFinite(p.value))).toBe(true);
  });

  it('sums the record\'s removals per minute into bars, one series per event', () => {
    const block = removalsChartBlock(charted());
    if (block?.type !== 'data_visualization' || block.chart.type === 'pie') throw new Error('a bar chart');
    expect(block.title).toBe('Keys removed per 3 min (keyloss record)');
    expect(block.chart.series.map((s) => s.name)).toEqual(['evicted', 'expired']);
    const evicted = block.chart.series[0]!.data;
    expect(evicted.reduce((sum, p) => sum + p.value, 0)).toBe(12_400);
    expect(block.chart.series[1]!.data.reduce((sum, p) => sum + p.value, 0)).toBe(60);
  });

  it('a report without Azure or a record has no chart; stored reports without the new fields still render', () => {
    const plain = reportWith({});
    expect(verdictChartBlocks(plain)).toEqual([]);
    const { removals: _, ...older } = charted().record!;
    expect(removalsChartBlock({ ...charted(), record: older })).toBeNull();
  });

  it('the checker names every chart and table breach, and the fitter brings them within the limits', () => {
    const series = Array.from({ length: 7 }, (_, i) => ({ name: `series number ${i} that is long`, data: Array.from({ length: 25 }, (_, j) => ({ label: `category ${j} with a long name`, value: j })) }));
    const chart = (title: string): Block => ({
      type: 'data_visualization',
      title,
      chart: { type: 'line', series, axis_config: { categories: Array.from({ length: 25 }, (_, j) => `category ${j} with a long name`) } },
    });
    const table: Block = { type: 'table', rows: Array.from({ length: 101 }, () => Array.from({ length: 21 }, () => ({ type: 'raw_text' as const, text: '' }))) };
    const blocks = [chart('t'.repeat(51)), chart('two'), chart('three'), table, table];
    const breaches = limitBreaches(blocks);
    expect(breaches).toEqual(
      expect.arrayContaining([
        '3 data visualization blocks, more than 2',
        '2 table blocks, more than 1',
        'block 0 (data_visualization): title empty or longer than 50',
        'block 0 (data_visualization): 7 series, not 1–6',
        'block 0 (data_visualization): 25 categories, not 1–20',
        'block 0 (data_visualization) category 0: empty or longer than 20',
        'block 0 (data_visualization) series 0: name empty or longer than 20',
        'block 3 (table): more than 100 rows',
        'block 3 (table) row 0: more than 20 cells',
        'block 3 (table) row 0 cell 0: empty',
      ]),
    );
    const fitted = fitBlocks(blocks);
    expect(fitted.blocks.map((b) => b.type)).toEqual(['data_visualization', 'data_visualization', 'table']);
    expect(limitBreaches(fitted.blocks).filter((b) => !b.includes('categories repeat') && !b.includes('series names repeat'))).toEqual([]);
  });

  it('Watch live\'s result charts its seconds, by event', () => {
    const timeline = Array.from({ length: 30 }, (_, i) => ({ at: `2026-11-26T05:30:${String(i).padStart(2, '0')}Z`, expired: i % 2, evicted: 0, del: i < 10 ? 2 : 0 }));
    const block = watchChartBlock({ timeline });
    if (block?.type !== 'data_visualization' || block.chart.type === 'pie') throw new Error('a bar chart');
    expect(block.title).toBe('Keys removed per 2 s, by event');
    expect(block.chart.series.map((s) => s.name)).toEqual(['del', 'expired']);
    expect(block.chart.axis_config.categories).toHaveLength(15);
    expect(block.chart.axis_config.categories[0]).toBe('05:30:00');
    expect(limitBreaches([block])).toEqual([]);
    expect(watchChartBlock({ timeline: timeline.map((row) => ({ ...row, expired: 0, del: 0 })) })).toBeNull();
  });
});

describe('the causes table', () => {
  it('"Show all causes" opens with one table of the seven causes within the table block\'s limits', () => {
    const msg = allCausesMessage(charted());
    const tables = msg.blocks.filter((b) => b.type === 'table');
    expect(tables).toHaveLength(1);
    const table = tables[0] as Extract<Block, { type: 'table' }>;
    expect(table.rows).toHaveLength(8);
    expect(table.rows[0]!.map((c) => c.text)).toEqual(['Cause', 'How likely', 'Strongest evidence for', 'Strongest evidence against']);
    expect(table.rows.every((row) => row.every((c) => c.text.length > 0))).toBe(true);
    expect(limitBreaches(msg.blocks)).toEqual([]);
  });
});

describe('the verdict as people read it', () => {
  const deletion = () =>
    reportWith(
      {
        'commands.deletion': {
          calls: { del: 0, unlink: 2, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 },
          nodes: [{ address: '10.0.0.4:6379', calls: { del: 0, unlink: 2, hdel: 0, getdel: 0, flushdb: 0, flushall: 0 } }],
        },
        'keyspace.ttl-sample': { pattern: 'user:*', siblingsOf: 'user:42' },
        clients: { total: 3, byDb: [{ db: 0, clients: 3 }], names: [], removers: [{ addr: '10.1.1.7:41000', name: 'billing-worker', db: 0, cmd: 'unlink' }] },
      },
      'user:42',
    );

  it('says the cause\'s title once, in the header, the notification and the root message', () => {
    const report = deletion();
    const top = report.causes[0]!;
    expect(report.headline.startsWith(top.title)).toBe(true);
    const msg = verdictMessage(report, { title: top.title, body: 'See the evidence.' });
    const occurrences = (text: string) => text.split(top.title).length - 1;
    expect(occurrences(msg.text)).toBe(1);
    expect(occurrences(JSON.stringify(msg.blocks))).toBe(2); // the header and the likely cause's heading
    const root = rootMessage({ cache: 'orders-prod', startedBy: 'U1' }, { kind: 'concluded', report, conclusionTitle: top.title });
    expect(occurrences(JSON.stringify(root.blocks))).toBe(1);
  });

  it('shows no score, no check id and no ISO time; unlikely causes are not "ruled out"', () => {
    const report = deletion();
    const json = JSON.stringify(verdictMessage(report, { title: 'Verdict', body: 'See the evidence.' }).blocks);
    expect(json).not.toMatch(/score \d/);
    expect(json).not.toMatch(/_\([a-z]+[.-][a-z.-]+\)_/);
    expect(json).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    expect(json).toContain('last seen 05:00:00 UTC');
    const sections = verdictMessage(report, { title: 'Verdict', body: '.' }).blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
    const ruledOut = sections.find((t) => t.startsWith('*Ruled out*')) ?? '';
    const unlikely = report.causes.filter((c) => c.likelihood === 'unlikely');
    expect(unlikely.length).toBeGreaterThan(0);
    for (const cause of unlikely) expect(ruledOut).not.toContain(cause.title);
    expect(sections.find((t) => t.startsWith('*Unlikely*'))).toContain(unlikely[0]!.title);
  });
});

describe('the progress message', () => {
  it('says a reason shared by several checks once', () => {
    const reason = 'no Azure resource: the caches file gives orders-prod no azure.resourceId';
    const msg = progressMessage('orders-prod', ['info', 'azure.resource', 'azure.metrics', 'azure.activity-log'], [
      { id: 'info', title: 'Server information', status: 'ok', ms: 3 },
      { id: 'azure.resource', title: 'Azure resource', status: 'skipped', ms: 0, detail: reason },
      { id: 'azure.metrics', title: 'Azure metrics', status: 'skipped', ms: 0, detail: reason },
      { id: 'azure.activity-log', title: 'Azure activity log', status: 'skipped', ms: 0, detail: reason },
    ]);
    const text = JSON.stringify(msg.blocks);
    expect(text.split('no Azure resource').length - 1).toBe(1);
    expect(text.split('same reason as above').length - 1).toBe(2);
    expect(text).toContain('Checks on orders-prod finished');
  });
});

describe('Watch live\'s words', () => {
  const result = (counters: Partial<WatchResult['counters']>, flags: string): WatchResult => ({
    target: { host: '127.0.0.1', port: 6390, tls: false },
    window: { from: '2026-11-26T05:30:00.000Z', to: '2026-11-26T05:30:30.000Z', seconds: 30 },
    notifications: combineNotifications([{ enabled: true, flags, source: 'config' }]),
    events: [{ type: 'del', count: 20, matching: 20, sample: ['session:1'] }],
    timeline: [{ at: '2026-11-26T05:30:01Z', expired: 0, evicted: 0, del: 20 }],
    counters: { expired_keys: 0, evicted_keys: 0, del: 0, unlink: 0, getdel: 0, hdel: 0, flushdb: 0, flushall: 0, ...counters },
    clients: [{ name: 'cart-cleanup', addr: '10.0.0.7:51234', cmd: 'unlink', db: 0 }],
    summary: '',
    key: null,
    nodes: ['127.0.0.1:6390'],
    changes: [],
    gaps: [],
    ended: 'completed',
  }) as unknown as WatchResult;

  it('names DEL and UNLINK apart', () => {
    expect(summarizeWatch(result({ del: 10, unlink: 10 }, 'gxeE'))).toContain('10 DELs and 10 UNLINKs, sent by cart-cleanup');
    expect(summarizeWatch(result({ del: 1 }, 'gxeE'))).toContain('1 DEL, sent by cart-cleanup');
  });

  it('does not ask to turn notifications on when they publish every key removal (gxeE); names what is missing otherwise', () => {
    const on = result({ del: 10 }, 'gxeE');
    expect(on.notifications.howToEnable).toBeNull();
    const msg = watchResultMessage({ cache: 'orders-prod', key: null, db: 0, seconds: 30 }, { ...on, summary: summarizeWatch(on) }, 'Watch live');
    expect(JSON.stringify(msg.blocks)).not.toContain('Turn keyspace notifications on');
    expect(msg.blocks.some((b) => b.type === 'data_visualization')).toBe(true);
    expect(limitBreaches(msg.blocks)).toEqual([]);
    const partial = result({}, 'xE');
    expect(partial.notifications.howToEnable).toMatch(/^Keyspace notifications are on \(xE\) but do not publish evicted, del, rename_from, move_from: add eg /);
  });
});
