// The one way tests wait for something to happen: poll a probe until it returns something truthy, or fail naming it.

export type Probe<T> = () => T | undefined | null | false | Promise<T | undefined | null | false>;

export interface WaitOptions {
  /** How long to keep trying; default 30 s (a guard against hangs, never a timing assertion). */
  timeoutMs?: number;
  /** Pause between tries; default 25 ms. */
  everyMs?: number;
}

/** The default when a caller gives none; child-process tests pass longer ones. */
export const WAIT_MS = 30_000;

/**
 * Calls `probe` until it returns something truthy and resolves with that value. A probe that throws ends the wait with
 * its error (a process that exited, say). On time-out the error names `what` (a function is read then, for detail).
 */
export async function waitFor<T>(probe: Probe<T>, what: string | (() => string), options: WaitOptions | number = {}): Promise<T> {
  const { timeoutMs = WAIT_MS, everyMs = 25 } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
