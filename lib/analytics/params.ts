import { z } from "zod";
import { instant, text } from "../http/params";
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
      hostname: text(255).optional(),
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
