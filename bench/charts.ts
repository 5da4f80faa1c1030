// bench charts: how long drawing one metric chart takes (ECharts SSR SVG + resvg PNG), for the largest series the
// metrics window asks Azure for (200 points), and how large the PNG is: what a verdict with five charts costs.
import { chartPng, chartSvg } from '../src/report/chart-png.ts';
import type { ChartSpec } from '../src/report/charts.ts';
import type { BenchSize } from './registry.ts';

function spec(points: number): ChartSpec {
  const from = Date.parse('2026-11-26T02:00:00Z');
  const step = 60_000;
  const drop = from + Math.floor(points * 0.6) * step;
  return {
    metric: 'totalkeys',
    title: 'Total keys',
    subtitle: 'orders-prod · maximum per minute · 2026-11-26 UTC',
    filename: 'totalkeys.png',
    alt: 'bench',
    unit: 'Count',
    points: Array.from({ length: points }, (_, i) => ({ at: new Date(from + i * step).toISOString(), value: from + i * step < drop ? 120_000 + (i % 9) * 50 : 300 })),
    window: { from: new Date(from).toISOString(), to: new Date(from + points * step).toISOString() },
    grainMs: step,
    lastSeen: new Date(from + 30 * step).toISOString(),
    marks: [{ kind: 'step-down', from: new Date(drop - step).toISOString(), to: new Date(drop).toISOString(), label: 'drop' }],
  };
}

export async function benchCharts(size: BenchSize = 'full'): Promise<Record<string, number | string>> {
  const s = spec(200);
  chartPng(s); // warm-up: fonts loaded, code compiled
  const runs = size === 'smoke' ? 3 : 30;
  const svgMs: number[] = [];
  const pngMs: number[] = [];
  let bytes = 0;
  const rssBefore = process.memoryUsage().rss;
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    chartSvg(s);
    svgMs.push(performance.now() - t);
    t = performance.now();
    bytes = chartPng(s).length;
    pngMs.push(performance.now() - t);
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const p = (xs: number[], q: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // A series of 100,000 points (what a hostile Azure answer held): re-binned to 200 before it is drawn.
  const huge = spec(100_000);
  const hugeStarted = performance.now();
  chartPng(huge);
  const hugeMs = performance.now() - hugeStarted;
  return {
    'points per chart': 200,
    'svg only, mean ms': Number(mean(svgMs).toFixed(1)),
    'chart (svg + png), mean ms': Number(mean(pngMs).toFixed(1)),
    'chart (svg + png), p95 ms': Number(p(pngMs, 0.95).toFixed(1)),
    'five charts (one verdict), ms': Number((5 * mean(pngMs)).toFixed(0)),
    'png bytes': bytes,
    'chart of 100,000 points (re-binned), ms': Number(hugeMs.toFixed(0)),
    'rss growth over the runs, MB': Number(((process.memoryUsage().rss - rssBefore) / 1024 ** 2).toFixed(1)),
  };
}
