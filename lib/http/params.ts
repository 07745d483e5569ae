import { z } from "zod";
import { decodeCursor } from "./cursor";
import { isTimeZone } from "@/lib/analytics/local-days";

/** Query-parameter schemas for /api. Messages complete `<field>: …` in the 400 answer. */

const instant = z.string().transform((value, ctx) => {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: "must be epoch milliseconds or an ISO 8601 date" });
    return z.NEVER;
  }
  return ms;
});

const cursor = z.string().transform((value, ctx) => {
  const key = decodeCursor(value);
  if (!key) {
    ctx.addIssue({ code: "custom", message: "is not a cursor this API returned" });
    return z.NEVER;
  }
  return key;
});

const limit = (max: number, fallback: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(max, `must be at most ${max}`)
    .default(fallback);

const text = (max: number) =>
  z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);

export const SESSION_FILTER_STATUSES = ["busy", "idle", "retry", "error", "attention"] as const;
export type SessionFilterStatus = (typeof SESSION_FILTER_STATUSES)[number];

const statusList = z.string().transform((value, ctx) => {
  const list = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.find((s) => !(SESSION_FILTER_STATUSES as readonly string[]).includes(s));
  if (bad !== undefined || list.length === 0) {
    ctx.addIssue({
      code: "custom",
      message: `must be one or more of ${SESSION_FILTER_STATUSES.join(", ")} (comma separated)`,
    });
    return z.NEVER;
  }
  return list as SessionFilterStatus[];
});

export const sessionListParams = z.object({
  hostname: text(255).optional(),
  directory: text(4096).optional(),
  status: statusList.optional(),
  search: text(200).optional(),
  /** Root sessions by default; `any` for every session; a session id for its children. */
  parent: text(200).default("root"),
  from: instant.optional(),
  to: instant.optional(),
  limit: limit(200, 50),
  cursor: cursor.optional(),
});
export type SessionListParams = z.output<typeof sessionListParams>;

export const timelineParams = z.object({
  order: z.enum(["asc", "desc"], "must be asc or desc").default("asc"),
  limit: limit(1000, 200),
  cursor: cursor.optional(),
});
export type TimelineParams = z.output<typeof timelineParams>;

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

export const sessionExportParams = z.object({
  format: z.enum(["json", "markdown"], "must be json or markdown").default("json"),
});
