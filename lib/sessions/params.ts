import { z } from "zod";
import { cursor, HOSTNAME_MAX_LENGTH, instant, limit, text } from "../http/params";
import { SESSION_FILTER_NAMES, type SessionFilter } from "./active";

/** Query parameters of the session routes and the board. */

/** The states a list can be filtered to, defined in ./active.ts. */
export const SESSION_FILTER_STATUSES = SESSION_FILTER_NAMES;

/** The longest search text a session list accepts. */
export const SEARCH_MAX_LENGTH = 200;

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
  return list as SessionFilter[];
});

export const sessionListParams = z.object({
  hostname: text(HOSTNAME_MAX_LENGTH).optional(),
  directory: text(4096).optional(),
  status: statusList.optional(),
  search: text(SEARCH_MAX_LENGTH).optional(),
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

export const sessionExportParams = z.object({
  format: z.enum(["json", "markdown"], "must be json or markdown").default("json"),
});

/** POST /api/sessions/dismiss: finished sessions on one host, or on every host when it is left out. */
export const dismissFinishedBody = z.strictObject(
  { hostname: z.string("must be a string").pipe(text(HOSTNAME_MAX_LENGTH)).optional() },
  { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field ${issue.keys.join(", ")}` : undefined) },
);
