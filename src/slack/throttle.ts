// Coalesces frequent redraws (check progress) into at most one write per interval; the last state is always written.

export interface Throttle {
  /** Asks for a write of the latest state; it happens now or when the interval allows. */
  request(): void;
  /** Waits for pending writes and writes once more, when the interval allows, if something changed since the last one. */
  flush(): Promise<void>;
}

/** `write` reads the state when it runs, so a skipped request loses nothing. Writes never overlap. */
export function createThrottle(intervalMs: number, write: () => Promise<void>, onError: (error: unknown) => void): Throttle {
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let dirty = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();

  const writeNow = (): Promise<void> => {
    dirty = false;
    lastWriteAt = Date.now();
    running = running.then(write).catch(onError);
    return running;
  };

  const schedule = () => {
    if (timer) return;
    const wait = Math.max(0, lastWriteAt + intervalMs - Date.now());
    timer = setTimeout(() => {
      timer = null;
      if (dirty) void writeNow();
    }, wait);
  };

  return {
    request() {
      dirty = true;
      schedule();
    },
    async flush() {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      await running;
      if (!dirty) return;
      // Keep the promise even at the end: Slack counts every edit of the message.
      const wait = lastWriteAt + intervalMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await writeNow();
    },
  };
}
