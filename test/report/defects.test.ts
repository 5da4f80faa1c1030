// Words and charts a person reads, each as issue 25 found it wrong: the text report's Azure Monitor lines past the
// wrap width and without units, "1 commands/s", "enterprise..", a "short TTLs" fix for 60-minute TTLs, "had already
// deleted", "dropdrop", a percentage axis without "%", an address for a cache's name, an activity-log flush unmarked.
import { describe, expect, it } from 'vitest';
import type { CheckId } from '../../src/domain/checks.ts';
import type { MetricLine } from '../../src/domain/azure-evidence.ts';
import { endSentence } from '../../src/domain/format.ts';
import { recordSignals } from '../../src/diagnosis/signals/record.ts';
import { explainDiagnosis, buildReport, summarizeChecks } from '../../src/report/build.ts';
import { chartOption, placeMarks } from '../../src/report/chart-png.ts';
import { cacheLabel, chartsOf, type ChartSpec } from '../../src/report/charts.ts';
import { renderText } from '../../src/report/text.ts';
import { makeEvidence, NOW, SINCE } from '../diagnosis/evidence-fixture.ts';
import { runbook } from '../diagnosis/runbook-fixture.ts';

const ORDER: CheckId[] = ['info', 'keyspace.presence', 'memory', 'azure.metrics', 'azure.activity-log'];
const MINUTE = 60_000;

function metric(name: string, unit: string, value: (i: number) => number | null, changes: MetricLine['changes'] = []): MetricLine {
  const points = Array.from({ length: 60 }, (_, i) => ({ at: new Date(SINCE.getTime() + i * MINUTE).toISOString(), value: value(i) }));
  const present = points.flatMap((p) => (p.value === null ? [] : [p.value]));
  return {
    metric: name,
    line: '▁'.repeat(60),
    min: Math.min(...present),
    max: Math.max(...present),
    change: changes[0] ? `${name} ${changes[0].summary} between 05:29 and 05:31 UTC, the largest step in the window` : null,
    unit,
    aggregation: 'Maximum',
    points,
    changes,
  };
}

const drop = (from: string, to: string) => ({ kind: 'step-down' as const, from, to, summary: 'fell' });

function reportOf(sparklines: MetricLine[], host = 'orders-prod.redis.cache.windows.net', cache: string | null = null, activity = false) {
  const evidence = makeEvidence('orders:*', {
    'azure.metrics': { window: { from: SINCE.toISOString(), to: NOW.toISOString(), interval: 'PT1M' }, series: [], events: [], sparklines },
    ...(activity
      ? { 'azure.activity-log': { window: { from: SINCE.toISOString(), to: NOW.toISOString() }, events: [{ operation: 'Microsoft.Cache/redis/flush/action', kind: 'flush' as const, at: '2026-11-26T05:30:00.000Z', caller: 'oncall@example.com', status: 'Succeeded' }] } }
      : {}),
  });
  return buildReport({ evidence, runbook, target: { host, port: 6380, tls: true }, cache, checks: summarizeChecks(evidence.results, ORDER, {}), generatedAt: NOW });
}

describe('the text report', () => {
  it('wraps the Azure Monitor lines at the report\'s width, with each value in its unit', () => {
    const used = metric('usedmemory', 'Bytes', (i) => (i < 30 ? 1_300_000 : 2_600_000), [drop('2026-11-26T05:29:00.000Z', '2026-11-26T05:31:00.000Z')]);
    const text = renderText(reportOf([used, metric('usedmemorypercentage', 'Percent', () => 12)]), { color: false, width: 100 });
    const section = text.slice(text.indexOf('Azure Monitor'));
    for (const line of section.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(section).toContain('min 1.2 MB, max 2.5 MB');
    expect(section).toContain('min 12 %, max 12 %');
    expect(section).not.toMatch(/min 1,300,000/);
  });

  it('says "1 command/s", not "1 commands/s"', () => {
    const report = { ...reportOf([]), key: { ...reportOf([]).key, pacing: [{ address: '10.0.0.4:6379', readings: 3, duty: [0.2, 0.2] as [number, number], count: [100, 100] as [number, number], othersOpsPerSecMax: 1, othersCpuMax: null }] } };
    expect(renderText(report, { color: false, width: 200 })).toContain('others sent it up to 1 command/s.');
  });

  it('says an idle node got no commands and under 1 % of its thread, not "up to 0 commands/s" and "up to 0 %"', () => {
    const pacing = { address: '10.0.0.4:6379', readings: 3, duty: [0.2, 0.75] as [number, number], count: [100, 261] as [number, number], othersOpsPerSecMax: 0, othersCpuMax: 0.004 };
    const report = { ...reportOf([]), key: { ...reportOf([]).key, pacing: [pacing] } };
    const text = renderText(report, { color: false, width: 200 });
    expect(text).toContain('others sent it no commands and used under 1 % of its main thread.');
    expect(text).not.toMatch(/up to 0 /);
  });

  it('writes the header\'s times as the rest of the report does ("05:00:00 UTC"), never "2026-11-26 05:00:00Z"', () => {
    const text = renderText(reportOf([]), { color: false, width: 200 });
    expect(text.split('\n')[0]).toMatch(/, last seen 05:00:00 UTC$/);
    // The walkthrough's layout also says when the checks ran.
    const walk = renderText(reportOf([]), { color: false, width: 200, layout: 'verdict-last' });
    expect(walk.split('\n')[0]).toMatch(/, last seen 05:00:00 UTC, checked \d\d:\d\d:\d\d UTC$/);
    for (const shown of [text, walk]) expect(shown).not.toMatch(/\d\d:\d\d(:\d\d)?Z\b/);
    // A time on another day than the checks carries its date.
    const earlier = { ...reportOf([]), query: { ...reportOf([]).query, since: '2026-11-24T23:10:00.000Z' } };
    expect(renderText(earlier, { color: false, width: 200 }).split('\n')[0]).toContain('last seen 2026-11-24 23:10 UTC');
  });
});

describe('words', () => {
  it('a sentence keeps one full stop: "… enterprise." never becomes "enterprise.."', () => {
    expect(endSentence('"gold" is not a tier; use basic, standard, premium, enterprise.')).toBe('"gold" is not a tier; use basic, standard, premium, enterprise.');
    expect(endSentence('the key is missing')).toBe('the key is missing.');
  });

  it('no "short TTLs" fix when every sampled key has a 60-minute TTL; there is one for TTLs of seconds', () => {
    const fixes = (medianTtlMs: number) =>
      explainDiagnosis(
        makeEvidence('session:17', { 'keyspace.ttl-sample': { sampled: 50, withTtl: 50, withoutTtl: 0, medianTtlMs, minTtlMs: medianTtlMs, maxTtlMs: medianTtlMs }, memory: { expiredKeys: 900 } }),
        runbook,
      ).causes.find((c) => c.id === 'expiration')!.fixes.join('\n');
    expect(fixes(60 * MINUTE)).not.toMatch(/short TTLs/);
    expect(fixes(41_000)).toMatch(/short TTLs/);
  });

  it('a change after the key was removed says it "was already" removed', () => {
    const evidence = {
      query: { key: 'order:17', isPattern: false, db: 0, since: SINCE, tier: null, scope: null },
      now: NOW,
      results: {
        record: {
          id: 'record' as const,
          status: 'ok' as const,
          ms: 3,
          data: {
            cache: 'orders',
            record: { from: '2026-11-25T05:00:00.000Z', to: NOW.toISOString(), gaps: [] },
            window: { from: SINCE.toISOString(), to: NOW.toISOString() },
            families: ['order:'],
            removals: [],
            allRemovals: [],
            key: { removals: [{ event: 'del' as const, db: 0, exact: true, at: '2026-11-26T05:20:00.000Z', from: '2026-11-26T05:20:00.000Z', to: '2026-11-26T05:20:00.000Z' }], slicesAsked: 1, falsePositiveBound: 0 },
            changes: [{ type: 'flush' as const, at: '2026-11-26T05:30:00.000Z', from: null, node: '10.0.0.4:6379', summary: 'FLUSHDB on 10.0.0.4:6379', data: { keysBefore: 100, keysAfter: 0 } }],
            notificationsOff: false,
            memoryAtEviction: null,
          },
        },
      },
    };
    const line = recordSignals(evidence).find((s) => s.cause === 'flush')!.summary;
    expect(line).toContain('but order:17 was already deleted at 05:20:00 UTC');
    expect(line).not.toContain('had already');
  });
});

describe('charts', () => {
  const spec = (marks: ChartSpec['marks'], unit = 'Count'): ChartSpec => ({
    metric: 'totalkeys',
    title: 'Total keys',
    subtitle: 's',
    filename: 'totalkeys.png',
    alt: 'a',
    unit,
    points: [],
    window: { from: SINCE.toISOString(), to: NOW.toISOString() },
    grainMs: MINUTE,
    lastSeen: SINCE.toISOString(),
    marks,
  });

  it('two drops side by side are one "drop", not "dropdrop"; a label that would overlap another is left off', () => {
    const marks = [
      { kind: 'step-down', from: '2026-11-26T05:29:00.000Z', to: '2026-11-26T05:30:00.000Z', label: 'drop' },
      { kind: 'step-down', from: '2026-11-26T05:31:00.000Z', to: '2026-11-26T05:31:00.000Z', label: 'drop' },
      { kind: 'spike', from: '2026-11-26T05:33:00.000Z', to: '2026-11-26T05:33:00.000Z', label: 'spike' },
    ];
    const placed = placeMarks(spec(marks), SINCE.getTime(), NOW.getTime());
    expect(placed.map((m) => [m.label, m.from, m.to, m.showLabel])).toEqual([
      ['drop', '2026-11-26T05:29:00.000Z', '2026-11-26T05:31:00.000Z', true],
      ['spike', '2026-11-26T05:33:00.000Z', '2026-11-26T05:33:00.000Z', false],
    ]);
    const option = chartOption(spec(marks)) as { series: Array<{ markArea: { data: Array<[{ name: string }, unknown]> } }> };
    expect(option.series[0]!.markArea.data.map(([first]) => first.name)).toEqual(['drop', '']);
  });

  it('a percentage metric gets "%" on its axis even when Azure names another unit', () => {
    const report = reportOf([metric('totalkeys', 'Count', () => 10), metric('usedmemorypercentage', 'Count', (i) => (i < 30 ? 90 : 10), [drop('2026-11-26T05:29:00.000Z', '2026-11-26T05:31:00.000Z')])]);
    const percent = chartsOf(report).find((s) => s.metric === 'usedmemorypercentage')!;
    const axis = (chartOption(percent) as { yAxis: { axisLabel: { formatter: (v: number) => string } } }).yAxis.axisLabel.formatter;
    expect(axis(40)).toBe('40 %');
  });

  it('names the cache, not its address, in the subtitle', () => {
    const keys = (host: string, cache: string | null) => chartsOf(reportOf([metric('totalkeys', 'Count', () => 10)], host, cache))[0]!.subtitle;
    expect(keys('orders-prod.redis.cache.windows.net', null)).toMatch(/^orders-prod · /);
    expect(keys('orders-prod.westeurope.redis.azure.net', null)).toMatch(/^orders-prod · /);
    expect(keys('10.0.0.4', 'orders')).toMatch(/^orders · /);
    expect(cacheLabel({ cache: null, target: { host: '10.0.0.4', port: 6379, db: 0, tls: false } })).toBe('10.0.0.4:6379');
  });

  it('marks a flush from the activity log on the key count', () => {
    const keys = chartsOf(reportOf([metric('totalkeys', 'Count', (i) => (i < 30 ? 120_000 : 10))], undefined, 'orders-prod', true))[0]!;
    expect(keys.marks).toContainEqual({ kind: 'flush', from: '2026-11-26T05:30:00.000Z', to: '2026-11-26T05:30:00.000Z', label: 'flush (activity log)' });
  });
});
