// Charts as pictures: the Azure checks read the fake Azure, the report is built, and each chart is drawn to a PNG
// that the test reads back pixel by pixel, so a chart that loses its series, its marks or its scale fails.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureChecks } from '../../src/checks/azure.ts';
import type { CheckId } from '../../src/domain/checks.ts';
import { buildReport, summarizeChecks } from '../../src/report/build.ts';
import { chartPng } from '../../src/report/chart-png.ts';
import { chartsOf, MAX_CHARTS, type ChartSpec } from '../../src/report/charts.ts';
import type { Report } from '../../src/report/model.ts';
import { redisResourceId, redisResourceJson, type FakeSeries } from '../support/fake-azure.ts';
import { decodePng, isPng, type Pixels } from '../support/png.ts';
import { makeEvidence, NOW, SINCE } from '../diagnosis/evidence-fixture.ts';
import { runbook } from '../diagnosis/runbook-fixture.ts';
import { contextFor, runAzure, startAzureRig, type AzureRig } from '../azure/support.ts';

const CHART_DIR = join(process.cwd(), '.tmp', 'charts');
const CACHE = redisResourceId('orders-cache');
const ORDER: CheckId[] = ['info', 'keyspace.presence', 'memory', 'commands.deletion', 'azure.resource', 'azure.metrics', 'azure.activity-log'];
const FLUSH_AT = new Date('2026-11-26T05:31:00.000Z');
const GB = 1024 ** 3;

let rig: AzureRig | undefined;
let report: Report;

/** A flush at 05:31: keys fall from ~120,000 to a few hundred, memory with them; evictions stay at zero. */
function flushSeries(): FakeSeries[] {
  const shard = { shardid: '0' };
  const before = (t: Date) => t.getTime() < FLUSH_AT.getTime();
  return [
    { metric: 'totalkeys', dimensions: shard, value: (t) => (before(t) ? 120_000 + ((t.getTime() / 60_000) % 7) * 40 : 200 + ((t.getTime() / 60_000) % 30) * 6) },
    { metric: 'usedmemory', dimensions: shard, unit: 'Bytes', value: (t) => (before(t) ? 2.4 * GB : 0.05 * GB) },
    { metric: 'evictedkeys', dimensions: shard, value: () => 0 },
    { metric: 'expiredkeys', dimensions: shard, value: () => 3 },
    { metric: 'usedmemorypercentage', dimensions: shard, unit: 'Percent', value: (t) => (before(t) ? 40 : 1) },
    { metric: 'connectedclients', dimensions: shard, value: () => 40 },
    { metric: 'errors', dimensions: { errortype: 'Failover' }, value: () => 0 },
  ];
}

beforeAll(async () => {
  rig = await startAzureRig();
  rig.fake.resources.set(CACHE, redisResourceJson(CACHE, { sku: 'Premium' }));
  rig.fake.metrics.set(CACHE.toLowerCase(), flushSeries());
  const azure = await runAzure(azureChecks, { azure: contextFor(rig.fake, CACHE), redis: rig.target, since: SINCE, now: NOW });
  const evidence = makeEvidence('orders:*');
  const merged = { ...evidence, results: { ...evidence.results, ...azure } };
  report = buildReport({
    evidence: merged,
    runbook,
    target: { host: 'orders-cache.redis.cache.windows.net', port: 6380, tls: true },
    cache: 'orders-prod',
    checks: summarizeChecks(merged.results, ORDER, {}),
    generatedAt: NOW,
  });
}, 30_000);

afterAll(() => rig?.close());

/** Pixels close to the series' line colour (#2b6cb0) in column x, as y positions. */
function lineRows(img: Pixels, x: number): number[] {
  const rows: number[] = [];
  for (let y = 0; y < img.height; y++) {
    const [r, g, b] = img.at(x, y);
    if (Math.abs(r - 0x2b) < 40 && Math.abs(g - 0x6c) < 40 && Math.abs(b - 0xb0) < 40) rows.push(y);
  }
  return rows;
}

/** The x pixel of an instant, from the chart's plot area (grid left 84, right 32 at 900 wide, drawn at 2x). */
function xOf(img: Pixels, spec: ChartSpec, at: Date): number {
  const from = Date.parse(spec.window.from);
  const to = Date.parse(spec.window.to);
  const scale = img.width / 900;
  return Math.round((84 + ((at.getTime() - from) / (to - from)) * (900 - 84 - 32)) * scale);
}

describe('charts from the report', () => {
  it('charts the key count and the metrics with a change, at most five, with units and the window', () => {
    const specs = chartsOf(report);
    expect(specs.length).toBeGreaterThan(0);
    expect(specs.length).toBeLessThanOrEqual(MAX_CHARTS);
    expect(specs.map((s) => s.metric)).toContain('totalkeys');
    expect(specs.map((s) => s.metric)).toContain('usedmemory');
    // Nothing changed in evictions: no chart for them.
    expect(specs.map((s) => s.metric)).not.toContain('evictedkeys');
    const keys = specs.find((s) => s.metric === 'totalkeys')!;
    expect(keys.title).toBe('Total keys');
    expect(keys.subtitle).toContain('UTC');
    expect(keys.lastSeen).toBe(SINCE.toISOString());
    expect(keys.marks.some((m) => m.label === 'drop')).toBe(true);
    expect(keys.alt).toMatch(/Total keys of orders-prod from .* 2\d\d to 120,\d{3}; totalkeys 120,\d{3} → /);
    expect(chartsOf({ ...report, metricsWindow: null })).toEqual([]);
  });

  it('draws each chart as a PNG whose line is high before the flush and low after it', () => {
    mkdirSync(CHART_DIR, { recursive: true });
    for (const spec of chartsOf(report)) {
      const png = chartPng(spec);
      expect(isPng(png)).toBe(true);
      writeFileSync(join(CHART_DIR, spec.filename), png);
      const img = decodePng(png);
      expect([img.width, img.height]).toEqual([1800, 680]);
      if (spec.metric !== 'totalkeys') continue;
      const beforeX = xOf(img, spec, new Date('2026-11-26T05:10:00Z'));
      const afterX = xOf(img, spec, new Date('2026-11-26T05:50:00Z'));
      const high = lineRows(img, beforeX);
      const low = lineRows(img, afterX);
      expect(high.length, 'the series is drawn before the flush').toBeGreaterThan(0);
      expect(low.length, 'the series is drawn after the flush').toBeGreaterThan(0);
      // y grows downwards: before the flush the line sits far above where it sits after.
      expect(Math.max(...low) - Math.min(...high)).toBeGreaterThan(img.height / 3);
    }
  });

  it('loses its line, and the test sees it, when the series is empty', () => {
    const keys = chartsOf(report).find((s) => s.metric === 'totalkeys')!;
    const empty = decodePng(chartPng({ ...keys, points: keys.points.map((p) => ({ ...p, value: null })) }));
    const x = xOf(empty, keys, new Date('2026-11-26T05:10:00Z'));
    expect(lineRows(empty, x)).toEqual([]);
  });
});
