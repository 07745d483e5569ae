import { z } from "zod";
import { HOSTNAME_MAX_LENGTH, searchParam } from "../http/params";
import { SEARCH_MAX_LENGTH, SESSION_FILTER_STATUSES } from "./params";

/**
 * What the board and a session's page show, and the one translation of each into what they ask
 * /api/sessions for: the page's loader parses that query on the server, the browser sends it
 * when it loads more or catches up after a reconnect, so both always ask the same question.
 */

/**
 * How many sessions the board asks for at once: the first page and each "Load older sessions".
 * About two screens of rows: blocked sessions are pinned by their own query whatever the page
 * holds, and with 5,000 sessions a page of 200 made the board's HTML four times its 200 KB budget
 * (`npm run bench -- board`: 40 rows still came to 204 KB with 1,500 finished sessions).
 */
export const BOARD_PAGE_SIZE = 30;
/** How many timeline entries a session's page asks for at once. */
export const TIMELINE_PAGE_SIZE = 200;

const BOARD_GROUPINGS = ["host", "project", "flat"] as const;
const BOARD_STATUSES = ["", ...SESSION_FILTER_STATUSES] as const;

/**
 * The board's URL: filters and grouping survive reloads and links. A hand-edited URL shows the
 * board rather than an error page: an unknown status shows every status, an unknown grouping
 * groups by host, and text is trimmed and cut to what the session list accepts.
 */
const boardViewParams = z
  .object({
    host: searchParam.transform((s) => s.trim().slice(0, HOSTNAME_MAX_LENGTH)),
    status: searchParam.pipe(z.enum(BOARD_STATUSES)).catch(""),
    q: searchParam.transform((s) => s.trim().slice(0, SEARCH_MAX_LENGTH)),
    group: searchParam.pipe(z.enum(BOARD_GROUPINGS)).catch("host"),
  })
  .transform(({ host, status, q, group }) => ({ host, status, search: q, group }));

export type BoardView = z.output<typeof boardViewParams>;

export function parseBoardView(query: Record<string, string | string[] | undefined>): BoardView {
  return boardViewParams.parse(query);
}

/** The board's own URL for a view (the inverse of parseBoardView); the default grouping is left out. */
export function boardUrlQuery(view: BoardView) {
  const q = new URLSearchParams();
  if (view.host) q.set("host", view.host);
  if (view.status) q.set("status", view.status);
  if (view.search) q.set("q", view.search);
  if (view.group !== "host") q.set("group", view.group);
  return q;
}

/**
 * What the board asks /api/sessions for: every session, subagents included (the board nests
 * them under their parents), filtered as the view says, newest activity first.
 */
export function boardListQuery(view: BoardView, cursor?: string | null) {
  const q = new URLSearchParams({ parent: "any", limit: String(BOARD_PAGE_SIZE) });
  if (view.host) q.set("hostname", view.host);
  if (view.status) q.set("status", view.status);
  if (view.search) q.set("search", view.search);
  if (cursor) q.set("cursor", cursor);
  return q;
}

/**
 * What a session's page asks /api/sessions/:id for: its timeline newest first (the page shows it
 * oldest first and pages backwards from the cursor).
 */
export function sessionTimelineQuery(cursor?: string | null) {
  const q = new URLSearchParams({ order: "desc", limit: String(TIMELINE_PAGE_SIZE) });
  if (cursor) q.set("cursor", cursor);
  return q;
}
