// Draws a ChartSpec without a browser: ECharts renders SVG server-side (ssr: true), resvg turns it into a PNG with
// the Inter font shipped as a package (OFL), never the machine's fonts, so every machine draws the same pixels.
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import { formatValue } from '../domain/format.ts';
import { MAX_SERIES_POINTS, rebin } from '../domain/rebin.ts';
import { chartsOf, type ChartSpec } from './charts.ts';
import type { Report } from './model.ts';

const require = createRequire(import.meta.url);
const FONT_FAMILY = 'Inter';
const FONT_FILES = [
  require.resolve('@expo-google-fonts/inter/400Regular/Inter_400Regular.ttf'),
  require.resolve('@expo-google-fonts/inter/600SemiBold/Inter_600SemiBold.ttf'),
];

const WIDTH = 900;
const HEIGHT = 340;
/** Drawn at twice the size, so text stays sharp when Slack scales the picture down. */
const ZOOM = 2;
const DAY_MS = 24 * 3_600_000;

const COLOR = { line: '#2b6cb0', area: 'rgba(43,108,176,0.08)', mark: 'rgba(214,48,49,0.16)', markText: '#b42318', gap: 'rgba(120,120,120,0.16)', seen: '#555555' };

function clock(ms: number, withDate: boolean): string {
  const iso = new Date(ms).toISOString();
  return withDate ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

/** 1, 2, 2.5 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
}

/** Bytes get ticks at round KB/MB/GB (1024-based), not at 953.7 MB, and the axis ends on one. */
function byteTicks(spec: ChartSpec): { interval: number; max: number } | Record<string, never> {
  if (spec.unit !== 'Bytes') return {};
  const max = Math.max(0, ...spec.points.flatMap((p) => (p.value === null ? [] : [p.value])));
  if (max <= 0) return {};
  const unit = 1024 ** Math.max(0, Math.min(4, Math.floor(Math.log(max) / Math.log(1024))));
  const interval = niceStep(max / unit / 5) * unit;
  return { interval, max: Math.ceil((max * 1.1) / interval) * interval };
}

/** Width of the plot area in chart pixels (the grid's left 84 and right 32 of 900). */
const PLOT_WIDTH = WIDTH - 84 - 32;
/** About how wide a mark's label is drawn per character (12 px Inter, semibold), plus padding. */
const LABEL_CHAR_PX = 7.5;

/**
 * Marks as drawn: those with the same label that touch or overlap become one ("drop", not "dropdrop"), and a label
 * that would run into the one before it is left off (its shaded area stays).
 */
export function placeMarks(spec: ChartSpec, from: number, to: number): Array<ChartSpec['marks'][number] & { showLabel: boolean }> {
  const px = (ms: number) => ((ms - from) / Math.max(1, to - from)) * PLOT_WIDTH;
  const sorted = [...spec.marks].sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
  const merged: Array<ChartSpec['marks'][number]> = [];
  for (const mark of sorted) {
    const last = merged.at(-1);
    if (last && last.label === mark.label && Date.parse(mark.from) <= Date.parse(last.to) + spec.grainMs) {
      if (Date.parse(mark.to) > Date.parse(last.to)) last.to = mark.to;
    } else merged.push({ ...mark });
  }
  // Labels placed in turn, what the activity log dated first (it names the operation), then by time; one that would
  // overlap a placed label is left off.
  const placed: Array<[number, number]> = [];
  const spans = merged.map((mark) => {
    const left = px(Date.parse(mark.from));
    const right = px(Math.min(to, Date.parse(mark.to) + spec.grainMs));
    const half = (mark.label.length * LABEL_CHAR_PX) / 2 + 4;
    return [(left + right) / 2 - half, (left + right) / 2 + half] as [number, number];
  });
  const order = merged.map((_, i) => i).sort((a, b) => Number(ACTIVITY_MARKS.has(merged[b]!.kind)) - Number(ACTIVITY_MARKS.has(merged[a]!.kind)) || a - b);
  const shown = new Set<number>();
  for (const i of order) {
    const [start, end] = spans[i]!;
    if (placed.some(([s, e]) => start < e && end > s)) continue;
    placed.push([start, end]);
    shown.add(i);
  }
  return merged.map((mark, i) => ({ ...mark, showLabel: shown.has(i) }));
}

/** Marks from Azure's activity log (src/report/charts.ts); the others come from the metric's own changes. */
const ACTIVITY_MARKS = new Set(['flush', 'reboot', 'stop', 'import']);

export function chartOption(spec: ChartSpec): echarts.EChartsCoreOption {
  const from = Date.parse(spec.window.from);
  const to = Date.parse(spec.window.to);
  const withDate = to - from > DAY_MS || new Date(from).getUTCDate() !== new Date(to).getUTCDate();
  const lastSeen = Date.parse(spec.lastSeen);
  const areas = placeMarks(spec, from, to).map((m) => {
    const gap = m.kind === 'gap';
    return [
      {
        name: m.showLabel ? m.label : '',
        xAxis: Date.parse(m.from),
        itemStyle: { color: gap ? COLOR.gap : COLOR.mark },
        label: { color: gap ? COLOR.seen : COLOR.markText, fontWeight: 600, position: 'top' },
      },
      { xAxis: Math.min(to, Date.parse(m.to) + spec.grainMs) },
    ];
  });
  return {
    animation: false,
    useUTC: true,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT_FAMILY },
    title: {
      text: spec.title,
      subtext: spec.subtitle,
      left: 16,
      top: 10,
      textStyle: { fontSize: 16, fontWeight: 600, color: '#1a202c' },
      subtextStyle: { fontSize: 12, color: '#4a5568' },
    },
    grid: { left: 84, right: 32, top: 86, bottom: 40 },
    xAxis: {
      type: 'time',
      min: from,
      max: to,
      axisLabel: { color: '#4a5568', formatter: (value: number) => clock(value, withDate), hideOverlap: true },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      scale: false,
      ...byteTicks(spec),
      // Keys, errors and clients come whole: no tick at 0.2 of an error.
      ...(spec.unit === 'Count' ? { minInterval: 1 } : {}),
      // Ticks are round numbers: "800 MB", not "800.0 MB".
      axisLabel: { color: '#4a5568', formatter: (value: number) => formatValue(value, spec.unit).replace(/\.0 /, ' ') },
      splitLine: { lineStyle: { color: '#e2e8f0' } },
    },
    series: [
      {
        type: 'line',
        name: spec.title,
        data: spec.points.map((p) => [Date.parse(p.at), p.value]),
        showSymbol: false,
        connectNulls: false,
        lineStyle: { color: COLOR.line, width: 2 },
        areaStyle: { color: COLOR.area },
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { color: COLOR.seen, type: 'dashed', width: 1.5 },
          label: { formatter: `last seen ${clock(lastSeen, withDate)}`, position: 'end', color: COLOR.seen, fontSize: 11 },
          data: Number.isFinite(lastSeen) && lastSeen >= from && lastSeen <= to ? [{ xAxis: lastSeen }] : [],
        },
        markArea: { silent: true, data: areas },
      },
    ],
  };
}

/** Below this, a value is drawn as 0: ECharts cannot find ticks for an axis of 1e-20 and asserts. */
const SMALLEST = 1e-9;
/** Beyond this, a value is drawn at it: an axis from -1e308 to 1e308 has no finite span. */
const LARGEST = 1e15;

/**
 * The spec as it can be drawn: at most MAX_SERIES_POINTS points (re-binned the way the metric aggregates, the one
 * binning in src/domain/rebin.ts), NaN and ±Infinity as no value, and values ECharts cannot scale brought into range.
 */
export function drawable(spec: ChartSpec): ChartSpec {
  const timed = spec.points.filter((p) => Number.isFinite(Date.parse(p.at)));
  const { points, size } = rebin(timed, spec.aggregation ?? 'Maximum', MAX_SERIES_POINTS);
  const bounded = points.map((p) => ({
    at: p.at,
    value: p.value === null ? null : Math.abs(p.value) < SMALLEST ? 0 : Math.max(-LARGEST, Math.min(LARGEST, p.value)),
  }));
  const grain = Number.isFinite(spec.grainMs) && spec.grainMs > 0 ? spec.grainMs : 60_000;
  return { ...spec, points: bounded, grainMs: grain * size };
}

function render(option: echarts.EChartsCoreOption): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The chart as SVG; never throws: what ECharts still cannot draw becomes the frame with its title and no line. */
export function chartSvg(spec: ChartSpec): string {
  const ready = drawable(spec);
  try {
    return render(chartOption(ready));
  } catch {
    return render(chartOption({ ...ready, subtitle: `${ready.subtitle} · values could not be drawn`, points: [], marks: [] }));
  }
}

export function chartPng(spec: ChartSpec): Buffer {
  const svg = chartSvg(spec);
  const resvg = new Resvg(svg, {
    font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
    fitTo: { mode: 'zoom', value: ZOOM },
    background: '#ffffff',
  });
  return resvg.render().asPng();
}

/** Writes the report's charts into `dir` (created when missing); returns the paths written. */
export async function writeCharts(report: Report, dir: string): Promise<string[]> {
  const specs = chartsOf(report);
  if (specs.length === 0) return [];
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const spec of specs) {
    const path = join(dir, spec.filename);
    await writeFile(path, chartPng(spec));
    paths.push(path);
  }
  return paths;
}
