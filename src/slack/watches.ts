// Which "Watch live" runs this replica has going, so that a stop can end them early and wait for their results.

/** The watches running on this replica: a stop ends them early (each still posts what it saw) and waits a while for them. */
export class LiveWatches {
  private readonly controller = new AbortController();
  private readonly running = new Set<Promise<void>>();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  track(work: Promise<void>): Promise<void> {
    this.running.add(work);
    void work.finally(() => this.running.delete(work)).catch(() => undefined);
    return work;
  }

  async stop(graceMs: number): Promise<void> {
    this.controller.abort();
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.running]), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }
}
