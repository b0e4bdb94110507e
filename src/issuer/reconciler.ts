/**
 * Runs the issuer's reconciliation (token-service.ts `reconcile`) at start-up and then every `intervalMs`: pending
 * journal entries are settled and drift repaired even when nobody retries. Runs never overlap; a failed run is
 * logged and the next one tries again. `tessera reconcile` runs the same reconciliation on demand.
 */
import type { ReconcileReport } from './token-service.js';

/** The subset of a pino logger the reconciler uses. */
export interface ReconcilerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ReconcilerOptions {
  reconcile: () => Promise<ReconcileReport>;
  /** Milliseconds between runs; 0 runs only once, at start-up. */
  intervalMs: number;
  logger: ReconcilerLogger;
}

export interface Reconciler {
  /** Runs a reconciliation now (or joins the one running) and resolves with its report. */
  runNow(): Promise<ReconcileReport>;
  /** Stops the timer and waits for a run in progress to end. */
  stop(): Promise<void>;
}

export function startReconciler({ reconcile, intervalMs, logger }: ReconcilerOptions): Reconciler {
  let running: Promise<ReconcileReport> | undefined;
  let stopped = false;

  function runNow(): Promise<ReconcileReport> {
    running ??= reconcile()
      .then((report) => {
        if (report.settled > 0 || report.repaired > 0 || report.failed > 0) logger.info({ ...report }, 'reconciliation');
        return report;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  const tick = () => {
    if (stopped) return;
    runNow().catch((error: unknown) => logger.warn({ err: error }, 'reconciliation failed; the next run tries again'));
  };
  tick();
  const timer = intervalMs > 0 ? setInterval(tick, intervalMs) : undefined;
  timer?.unref();

  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
