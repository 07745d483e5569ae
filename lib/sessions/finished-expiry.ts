import { dismissFinished } from "./commands";

/** The sweep runs this often relative to the limit, so a finished turn outlives it by a tenth at most… */
const SWEEPS_PER_LIMIT = 10;
/** …but never more often than this… */
const MIN_SWEEP_MS = 1_000;
/** …nor less often than this. */
const MAX_SWEEP_MS = 60_000;

/**
 * Finished turns age out of "waiting for you" (FINISHED_WAITING_SECONDS, a day by default).
 * A sweep clears the attention columns themselves, rather than a read-time rule comparing
 * attention_since with the clock: then every count, filter, page and API answer reads the same
 * stored state (./active.ts stays free of time), and the change reaches open dashboards through
 * the live push like any dismiss. The price is that a turn may stay waiting up to one sweep
 * interval past the limit.
 */
export function startFinishedExpiry(
  limitMs: number,
  onSwept: (cleared: number) => void,
  onError: (e: unknown) => void,
) {
  const sweep = () => {
    try {
      const cleared = dismissFinished({ finishedBefore: Date.now() - limitMs });
      if (cleared > 0) onSwept(cleared);
    } catch (error) {
      onError(error);
    }
  };
  sweep();
  const timer = setInterval(sweep, Math.min(MAX_SWEEP_MS, Math.max(MIN_SWEEP_MS, limitMs / SWEEPS_PER_LIMIT)));
  timer.unref();
  return () => clearInterval(timer);
}
