// Every benchmark by name. Each takes a size: 'full' measures; 'smoke' runs the same code on a small input in
// seconds, so `test/bench/smoke.test.ts` can prove each bench still runs and reports its figures.
import { benchAmr } from './amr.ts';
import { benchCharts } from './charts.ts';
import { benchClientList } from './client-list.ts';
import { benchDiagnose } from './diagnose.ts';
import { benchFootprint, FULL as FOOTPRINT_FULL, SMOKE as FOOTPRINT_SMOKE } from './footprint.ts';
import { benchFlood } from './flood.ts';
import { benchHostile } from './hostile.ts';
import { benchLoad } from './load.ts';
import { benchRecord } from './record.ts';
import { benchRecordProof } from './record-proof.ts';
import { benchRecordWindow } from './record-window.ts';
import { benchScanLoad } from './scan-load.ts';
import { benchStateHang } from './state-hang.ts';

export type BenchSize = 'full' | 'smoke';
export type Figures = Record<string, number | string>;

export const benchmarks: Record<string, (size: BenchSize) => Promise<Figures>> = {
  amr: benchAmr,
  charts: benchCharts,
  clientlist: benchClientList,
  diagnose: benchDiagnose,
  footprint: (size) => benchFootprint(size === 'smoke' ? FOOTPRINT_SMOKE : FOOTPRINT_FULL),
  flood: benchFlood,
  hostile: benchHostile,
  load: benchLoad,
  record: benchRecord,
  recordproof: benchRecordProof,
  recordwindow: benchRecordWindow,
  scanload: benchScanLoad,
  statehang: benchStateHang,
};

