import { z } from "zod";
import { HOSTNAME_MAX_LENGTH, instant, searchParam, text } from "../http/params";
import { isTimeZone } from "./local-days";

/** Query parameters of the analytics routes, the analytics page and the usage export. */

const timeZone = z.string().refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin").default("UTC");

const range = z.enum(["today", "7d", "30d", "90d", "365d", "all"], "must be one of today, 7d, 30d, 90d, 365d, all");

/** The window every analytics route accepts; `from`/`to` override `range`. */
function analytics(defaultRange: z.output<typeof range>) {
  return z
    .object({
      range: range.default(defaultRange),
      from: instant.optional(),
      to: instant.optional(),
      hostname: text(HOSTNAME_MAX_LENGTH).optional(),
      tz: timeZone,
    })
    .refine((p) => p.from === undefined || p.to === undefined || p.from < p.to, {
      message: "must be before to",
      path: ["from"],
    });
}

export const analyticsParams = analytics("30d");
export type AnalyticsParams = z.output<typeof analyticsParams>;
/** The calendar defaults to the last 365 days. */
export const dailyParams = analytics("365d");
/** A usage export defaults to everything. */
export const usageExportParams = analytics("all");

/** The ranges the analytics page offers, and the one it shows when its URL names none. */
const ANALYTICS_PAGE_RANGES = ["today", "7d", "30d", "90d", "all"] as const;
const DEFAULT_ANALYTICS_PAGE_RANGE = "30d" satisfies (typeof ANALYTICS_PAGE_RANGES)[number];

/**
 * The analytics page's URL (range, host) and the browser's time zone (its `tz` cookie). A
 * hand-edited URL shows the page rather than an error: an unknown range shows the default, and
 * a time zone this server does not know shows UTC.
 */
export const analyticsPageParams = z.object({
  range: searchParam.pipe(z.enum(ANALYTICS_PAGE_RANGES)).catch(DEFAULT_ANALYTICS_PAGE_RANGE),
  host: searchParam.transform((s) => s.trim().slice(0, HOSTNAME_MAX_LENGTH)),
  tz: searchParam.refine(isTimeZone).catch("UTC"),
});
export type AnalyticsPageParams = z.output<typeof analyticsPageParams>;
