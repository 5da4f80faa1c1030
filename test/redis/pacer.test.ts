// The scan pacer's controller on readings of our own making: idle goes fast, others' commands or CPU make it back off,
// keyloss's own SCANs are never mistaken for others' load, and a server that says nothing gets the fixed middle level.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedPacing, levelAt, PACING, PacingController, type LoadReading, type OwnUse } from '../../src/redis/pacer.ts';

const reading = (atMs: number, fields: Partial<LoadReading> = {}): LoadReading => ({
  atMs,
  cpuSeconds: 10,
  commands: 1_000,
  opsPerSec: 0,
  scanCalls: 0,
  scanUsec: 0,
  ...fields,
});

const own = (fields: Partial<OwnUse> = {}): OwnUse => ({ commands: 0, scans: 0, scanCount: 0, scanRoundTripMs: 0, ...fields });

/** A controller after its first reading at t=0 and one 100 ms window described by `window`. */
function afterWindow(window: Partial<LoadReading>, use: Partial<OwnUse> = {}, first: Partial<LoadReading> = {}) {
  const controller = new PacingController();
  controller.first(reading(0, first));
  const decision = controller.observe(reading(100, window), own(use));
  return { controller, decision };
}

describe('the pacing controller', () => {
  it('starts at the busy level unless the server says it has been idle', () => {
    const idle = new PacingController().first(reading(0, { opsPerSec: 3 }));
    expect(idle.pressure).toBe(0);
    expect(idle.duty).toBe(PACING.idle.duty);
    const busy = new PacingController().first(reading(0, { opsPerSec: 40_000 }));
    expect(busy.pressure).toBe(1);
    expect(busy.duty).toBe(PACING.busy.duty);
    const silent = new PacingController().first(reading(0, { opsPerSec: null }));
    expect(silent.duty).toBe(PACING.busy.duty);
  });

  it('goes fast on an idle server: its own SCANs are keyloss, not load', () => {
    // 60 SCANs of COUNT 1000 took 70 ms of the window's 100 ms on the server, and the CPU shows just that.
    const { decision, controller } = afterWindow(
      { cpuSeconds: 10.072, commands: 1_064, scanCalls: 60, scanUsec: 70_000 },
      { commands: 64, scans: 60, scanCount: 60_000, scanRoundTripMs: 80 },
    );
    expect(decision.othersOpsPerSec).toBe(0);
    expect(decision.othersCpu).toBeLessThan(PACING.cpuShare.idle);
    expect(decision.ownShare).toBeCloseTo(0.7);
    expect(decision.pressure).toBe(0);
    expect(decision.duty).toBe(PACING.idle.duty);
    // 70 ms / 60,000 keys: about 1.17 µs per unit of COUNT, so a 1 ms SCAN is COUNT ~857.
    expect(decision.count).toBe(Math.round(PACING.idle.callUs / (70_000 / 60_000)));
    expect(controller.count).toBe(decision.count);
  });

  it("backs off at once when others' commands arrive, and sizes SCANs to the busy level's server time", () => {
    const controller = new PacingController();
    controller.first(reading(0, { opsPerSec: 0 }));
    const idle = controller.observe(reading(100, { commands: 1_010, cpuSeconds: 10.05, scanCalls: 50, scanUsec: 50_000 }), own({ commands: 10, scans: 50, scanCount: 50_000 }));
    expect(idle.duty).toBe(PACING.idle.duty);
    // Next window: 3,000 commands that were not keyloss's (30,000/s) and the main thread 60 % busy with them.
    const busy = controller.observe(
      reading(200, { commands: 4_030, cpuSeconds: 10.11, scanCalls: 70, scanUsec: 52_000 }),
      own({ commands: 20, scans: 20, scanCount: 2_000, scanRoundTripMs: 12 }),
    );
    expect(busy.othersOpsPerSec).toBe(30_000);
    expect(busy.pressure).toBe(1);
    expect(busy.duty).toBe(PACING.busy.duty);
    expect(busy.count).toBe(Math.round(PACING.busy.callUs / (2_000 / 2_000)));
    expect(busy.count).toBeLessThan(idle.count);
    expect(controller.decisions.map((d) => d.duty)).toEqual([PACING.idle.duty, PACING.idle.duty, PACING.busy.duty]);
  });

  it("does not read its own commands still in flight at a reading as others' load in the next window", () => {
    const controller = new PacingController();
    controller.first(reading(0, { opsPerSec: 0 }));
    // keyloss sent 40 commands in the window, but the server had run only 20 of them when INFO was read...
    const early = controller.observe(reading(50, { commands: 1_020 }), own({ commands: 40 }));
    // ...and runs the other 20 in the next window, beside 10 new ones: nobody else sent anything.
    const late = controller.observe(reading(100, { commands: 1_050 }), own({ commands: 10 }));
    expect([early.othersOpsPerSec, late.othersOpsPerSec]).toEqual([0, 0]);
    expect(late.duty).toBe(PACING.idle.duty);
    // What was owed is settled once: others' 600 commands in the window after are load again.
    const loaded = controller.observe(reading(150, { commands: 1_660 }), own({ commands: 10 }));
    expect(loaded.othersOpsPerSec).toBe(12_000);
    expect(loaded.duty).toBe(PACING.busy.duty);
  });

  it("backs off for others' CPU even when their commands are few (heavy scripts, big sets)", () => {
    // 20 commands (200/s) but 45 ms of CPU in a 100 ms window that keyloss's 5 ms of SCANs do not explain.
    const { decision } = afterWindow(
      { commands: 1_030, cpuSeconds: 10.05, scanCalls: 10, scanUsec: 5_000 },
      { commands: 10, scans: 10, scanCount: 5_000 },
    );
    expect(decision.othersOpsPerSec).toBe(200);
    expect(decision.othersCpu).toBeCloseTo(0.45);
    expect(decision.pressure).toBeGreaterThan(0.9);
    expect(decision.duty).toBeLessThan(0.1);
  });

  it("counts only keyloss's share of SCAN time as its own when others scan too", () => {
    // 100 SCAN calls took 80 ms; keyloss sent 20 of them: 16 ms is keyloss, the other 64 ms are others' load.
    const { decision } = afterWindow(
      { commands: 1_100, cpuSeconds: 10.08, scanCalls: 100, scanUsec: 80_000 },
      { commands: 20, scans: 20, scanCount: 2_000 },
    );
    expect(decision.ownShare).toBeCloseTo(0.16);
    expect(decision.othersCpu).toBeCloseTo(0.64);
    expect(decision.duty).toBe(PACING.busy.duty);
    expect(decision.usPerCount).toBeCloseTo(8);
  });

  it('falls back to the round trips for its own SCAN time when INFO has no commandstats', () => {
    const { decision } = afterWindow(
      { commands: 1_040, cpuSeconds: 10.03, scanCalls: null, scanUsec: null },
      { commands: 40, scans: 40, scanCount: 20_000, scanRoundTripMs: 30 },
      { scanCalls: null, scanUsec: null },
    );
    expect(decision.othersCpu).toBe(0);
    expect(decision.usPerCount).toBeCloseTo(1.5);
    expect(decision.duty).toBe(PACING.idle.duty);
  });

  it('paces at the fixed middle level when INFO says nothing about load, and says it does not know', () => {
    const blind = { cpuSeconds: null, commands: null, opsPerSec: null, scanCalls: null, scanUsec: null };
    const controller = new PacingController();
    const first = controller.first(reading(0, blind));
    expect(first.pressure).toBeNull();
    expect(first.duty).toBe(PACING.unknown.duty);
    expect(first.count).toBe(500);
    const later = controller.observe(reading(100, blind), own({ commands: 20, scans: 20, scanCount: 10_000, scanRoundTripMs: 10 }));
    expect(later.othersOpsPerSec).toBeNull();
    expect(later.othersCpu).toBeNull();
    expect(later.duty).toBe(PACING.unknown.duty);
    // Sized from the round trips: 1 µs per unit of COUNT, 300 µs per SCAN.
    expect(later.count).toBe(300);
  });

  it('reads a counter that went back (CONFIG RESETSTAT, a restart) as unknown for that window, not as negative load', () => {
    const { decision } = afterWindow({ commands: 5, cpuSeconds: 0.01, scanCalls: 1, scanUsec: 10 }, own({ commands: 10 }));
    expect(decision.othersOpsPerSec).toBeNull();
    expect(decision.othersCpu).toBeNull();
    expect(decision.duty).toBe(PACING.unknown.duty);
  });

  it('keeps COUNT within its bounds whatever SCAN costs', () => {
    const cheap = afterWindow({ commands: 1_001, cpuSeconds: 10.001, scanCalls: 1, scanUsec: 1 }, own({ scans: 1, scanCount: 5_000 }));
    expect(cheap.decision.count).toBe(PACING.count.max);
    const dear = afterWindow({ commands: 9_001, cpuSeconds: 10.09, scanCalls: 1, scanUsec: 90_000 }, own({ scans: 1, scanCount: 10 }));
    expect(dear.decision.count).toBe(PACING.count.min);
  });

  it("pauses so that the SCAN's server time is the duty's share, never a negative pause", () => {
    const { controller } = afterWindow({ commands: 1_000, cpuSeconds: 10.01, scanCalls: 10, scanUsec: 10_000 }, own({ scans: 10, scanCount: 10_000 }));
    // Idle: 1 µs per unit of COUNT, COUNT 1000 → 1 ms of server time; at duty 0.75 the period is 1.33 ms.
    expect(controller.pauseMs(0.5, 1_000)).toBeCloseTo(1 / PACING.idle.duty - 0.5);
    // A round trip longer than the period (a far-away cache): no pause at all.
    expect(controller.pauseMs(5, 1_000)).toBe(0);
    // Before anything is measured, the round trip stands for the server time.
    const fresh = new PacingController();
    fresh.first(reading(0, { opsPerSec: 100_000 }));
    expect(fresh.pauseMs(1, 100)).toBeCloseTo(1 / PACING.busy.duty - 1);
  });

  it('never scans harder when the load is higher (duty and SCAN time fall with pressure, within the stated bounds)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const calm = levelAt(low);
        const loaded = levelAt(high);
        expect(loaded.duty).toBeLessThanOrEqual(calm.duty + 1e-12);
        expect(loaded.callUs).toBeLessThanOrEqual(calm.callUs + 1e-9);
        for (const level of [calm, loaded]) {
          expect(level.duty).toBeGreaterThanOrEqual(PACING.busy.duty - 1e-12);
          expect(level.duty).toBeLessThanOrEqual(PACING.idle.duty + 1e-12);
        }
      }),
    );
  });

  it('a fixed pacing pauses for the round trip times (1 - d) / d, and not at all unpaced', () => {
    expect(fixedPacing(0.2, 500).after(1, 500)).toBeCloseTo(4);
    expect(fixedPacing(1, 500).after(1, 500)).toBe(0);
    expect(fixedPacing(0.2, 500).count()).toBe(500);
  });
});
