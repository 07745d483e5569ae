import type { AnalyticsParams } from "./params";
import { DAY_MS, localDayNumber, startOfLocalDay } from "./local-days";

/** A half-open time window [from, to) in epoch ms; null means unbounded on that side. */
export type Window = { from: number | null; to: number | null };

export type ResolvedWindow = Window & { previous: Window | null };

const rolling: Record<string, number> = { "7d": 7, "30d": 30, "90d": 90, "365d": 365 };

/**
 * What `range`/`from`/`to` mean. Rolling ranges end now; `today` starts at local midnight in
 * `tz` and compares with the same span of yesterday; `from`/`to` win over `range`. The previous
 * period is the window of the same length right before (none for an unbounded window).
 */
export function resolveWindow(
  p: Pick<AnalyticsParams, "range" | "from" | "to" | "tz">,
  now = Date.now(),
): ResolvedWindow {
  if (p.from !== undefined || p.to !== undefined) {
    const from = p.from ?? null;
    const to = p.to ?? now;
    return { from, to, previous: from === null ? null : { from: from - (to - from), to: from } };
  }
  if (p.range === "all") return { from: null, to: null, previous: null };
  if (p.range === "today") {
    const today = localDayNumber(p.tz, now);
    const from = startOfLocalDay(p.tz, today);
    const yesterday = startOfLocalDay(p.tz, today - 1);
    return { from, to: now, previous: { from: yesterday, to: yesterday + (now - from) } };
  }
  const from = now - rolling[p.range] * DAY_MS;
  return { from, to: now, previous: { from: from - (now - from), to: from } };
}
