import { SESSION_FILTER_STATUSES } from "@/lib/sessions/params";

/** What the board shows, as kept in the URL: filters and grouping survive reloads and links. */
export type BoardView = { host: string; status: string; search: string; group: "host" | "project" | "flat" };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";

export function parseBoardView(query: Record<string, string | string[] | undefined>): BoardView {
  const status = first(query.status);
  const group = first(query.group);
  return {
    host: first(query.host).slice(0, 255),
    // An unknown status in a hand-edited URL shows everything rather than an error page.
    status: (SESSION_FILTER_STATUSES as readonly string[]).includes(status) ? status : "",
    search: first(query.q).trim().slice(0, 200),
    group: group === "project" || group === "flat" ? group : "host",
  };
}

export function boardQuery(view: BoardView) {
  const q = new URLSearchParams();
  if (view.host) q.set("host", view.host);
  if (view.status) q.set("status", view.status);
  if (view.search) q.set("q", view.search);
  if (view.group !== "host") q.set("group", view.group);
  return q;
}
