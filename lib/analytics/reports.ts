import type { AnalyticsParams } from "./params";
import {
  earliestActivity,
  totalsByDay,
  totalsByHost,
  totalsByModel,
  totalsByProject,
  usageByDayAndModel,
  usageTotals,
} from "./queries";
import { resolveWindow, type Window } from "./window";
import { localDayNumber, startOfLocalDay } from "./local-days";
import { usageCsv } from "./csv";

/** The analytics routes' answers: the window they cover, then the numbers. */

export async function analyticsSummary(p: AnalyticsParams) {
  const w = resolveWindow(p);
  const [totals, previous] = await Promise.all([
    usageTotals(w, p.hostname),
    w.previous ? usageTotals(w.previous, p.hostname) : null,
  ]);
  return {
    window: { from: w.from, to: w.to },
    totals,
    previous: w.previous && previous ? { window: w.previous, totals: previous } : null,
  };
}

export async function analyticsModels(p: AnalyticsParams) {
  const w = resolveWindow(p);
  return { window: { from: w.from, to: w.to }, models: await totalsByModel(w, p.hostname) };
}

export async function analyticsHosts(p: AnalyticsParams) {
  const w = resolveWindow(p);
  return {
    window: { from: w.from, to: w.to },
    hosts: (await totalsByHost(w, p.hostname)).map(({ key, ...t }) => ({ hostname: key, ...t })),
  };
}

export async function analyticsProjects(p: AnalyticsParams) {
  const w = resolveWindow(p);
  return {
    window: { from: w.from, to: w.to },
    projects: (await totalsByProject(w, p.hostname)).map(({ key, ...t }) => ({ directory: key, ...t })),
  };
}

/**
 * A calendar window: rolling ranges become whole local days ending today (365d: today and the
 * 364 days before), `all` starts on the day of the first activity.
 */
async function calendarWindow(p: AnalyticsParams, now = Date.now()): Promise<{ from: number; to: number }> {
  const w: Window = resolveWindow(p, now);
  const to = w.to ?? now;
  if (p.from !== undefined || p.range === "today") return { from: w.from ?? to, to };
  if (p.to !== undefined || p.range === "all") {
    const first = await earliestActivity(p.hostname);
    return { from: startOfLocalDay(p.tz, localDayNumber(p.tz, Math.min(first ?? to, to - 1))), to };
  }
  const days = Math.round((to - (w.from ?? to)) / 86_400_000);
  return { from: startOfLocalDay(p.tz, localDayNumber(p.tz, now) - (days - 1)), to };
}

/**
 * The daily series lists at most this many days (three years), ending with the window's: one
 * session dated 1970 by a machine whose clock was not set yet would have `all` list 20,000 days.
 */
const MAX_DAILY_DAYS = 3 * 366;

export async function analyticsDaily(p: AnalyticsParams) {
  const w = await calendarWindow(p);
  const firstDay = localDayNumber(p.tz, w.to - 1) - (MAX_DAILY_DAYS - 1);
  const window = { from: Math.max(w.from, startOfLocalDay(p.tz, firstDay)), to: w.to };
  return { window, timeZone: p.tz, days: await totalsByDay(window, p.tz, p.hostname) };
}

/** usage.csv: one row per local day (in `tz`) and provider/model, assistant messages only. */
export async function usageExportCsv(p: AnalyticsParams) {
  const w = await calendarWindow(p);
  return usageCsv(await usageByDayAndModel(w, p.tz, p.hostname));
}
