// Runs checks concurrently, each after the checks it needs and within its budget; a check never crashes the run.
import { describeError } from '../redact.ts';
import { CheckSkipped, type Check, type CheckContext } from './types.ts';
import type {
  CheckId,
  CheckProgress,
  CheckResult,
  CheckResults,
} from '../domain/checks.ts';

export interface RunHooks {
  onProgress?(progress: CheckProgress): void;
  /** Cancels the whole run: running checks fail with "cancelled", waiting ones are skipped. */
  signal?: AbortSignal;
}

class BudgetExceeded extends Error {
  constructor(readonly budgetMs: number) {
    super(`timed out after ${budgetMs} ms`);
  }
}

class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export async function runChecks(
  checks: readonly Check[],
  ctx: Omit<CheckContext, 'signal' | 'results'>,
  hooks: RunHooks = {},
): Promise<CheckResults> {
  const results: CheckResults = {};
  const byId = new Map<CheckId, Check>(checks.map((check) => [check.id, check]));
  const finished = new Map<CheckId, Promise<CheckResult>>();

  const report = (check: Check, result: CheckResult): CheckResult => {
    (results as Record<string, CheckResult>)[check.id] = result;
    const progress: CheckProgress = { id: check.id, title: check.title, status: result.status, ms: result.ms };
    if (result.status === 'failed') progress.detail = result.error;
    if (result.status === 'skipped') progress.detail = result.reason;
    try {
      hooks.onProgress?.(progress);
    } catch {
      // A surface failing to render progress must not stop the diagnosis.
    }
    return result;
  };

  const runOne = async (check: Check, path: readonly CheckId[]): Promise<CheckResult> => {
    for (const need of check.needs) {
      const blocked = await whyBlocked(need, path);
      if (blocked) return report(check, { id: check.id, status: 'skipped', ms: 0, reason: `needs ${need}, ${blocked}` });
    }
    if (hooks.signal?.aborted) return report(check, { id: check.id, status: 'skipped', ms: 0, reason: 'cancelled' });
    try {
      hooks.onProgress?.({ id: check.id, title: check.title, status: 'running' });
    } catch {
      // see above
    }
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const onCancel = () => controller.abort(new Cancelled());
    hooks.signal?.addEventListener('abort', onCancel, { once: true });
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(() => controller.abort(new BudgetExceeded(check.budgetMs)), check.budgetMs);
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    stopped.catch(() => undefined);
    try {
      const needed: CheckResults = {};
      for (const need of check.needs) (needed as Record<string, CheckResult | undefined>)[need] = results[need];
      const spanning = check.spansRun ? { othersSettled } : {};
      const data = await Promise.race([check.run({ ...ctx, signal: controller.signal, results: needed, ...spanning }), stopped]);
      return report(check, { id: check.id, status: 'ok', ms: elapsed(), data } as CheckResult);
    } catch (error) {
      if (error instanceof CheckSkipped) return report(check, { id: check.id, status: 'skipped', ms: elapsed(), reason: describeError(error) });
      return report(check, { id: check.id, status: 'failed', ms: elapsed(), error: describeError(error) });
    } finally {
      clearTimeout(timer);
      hooks.signal?.removeEventListener('abort', onCancel);
      // Tell a check still running after its budget (it ignored the signal) that nobody waits for it any more.
      if (!controller.signal.aborted) controller.abort(new Cancelled());
    }
  };

  /** Null when `need` succeeded; otherwise the rest of the sentence "needs <id>, …". */
  const whyBlocked = async (need: CheckId, path: readonly CheckId[]): Promise<string | null> => {
    if (path.includes(need)) return `which needs it in turn (a cycle: ${[...path, need].join(' → ')})`;
    const dependency = byId.get(need);
    if (!dependency) return 'which is not part of this run';
    const result = await start(dependency, path);
    if (result.status === 'ok') return null;
    if (result.status === 'failed') return `which failed: ${result.error}`;
    return `which was skipped: ${result.reason}`;
  };

  const start = (check: Check, path: readonly CheckId[] = []): Promise<CheckResult> => {
    let pending = finished.get(check.id);
    if (!pending) {
      pending = runOne(check, [...path, check.id]);
      finished.set(check.id, pending);
    }
    return pending;
  };

  // Checks that span the run start with the others; they learn when the others are done.
  let othersDone: () => void = () => undefined;
  const othersSettled = new Promise<void>((resolve) => {
    othersDone = resolve;
  });
  const others = checks.filter((check) => !check.spansRun);
  const spanning = checks.filter((check) => check.spansRun);
  const pending = spanning.map((check) => start(check));
  await Promise.all(others.map((check) => start(check)));
  othersDone();
  await Promise.all(pending);
  return results;
}
