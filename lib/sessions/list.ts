import { type SqlBool, sql } from "kysely";
import { encodeCursor } from "@/lib/http/cursor";
import { getInstanceItems, offlineAfterMs } from "../instances/item";
import {
  blockedSql,
  countedSql,
  isHostOffline,
  offlineHeartbeatCutoff,
  SESSION_FILTERS,
  type StaleReason,
  staleReason,
} from "./active";
import type { SessionListParams } from "./params";
import { matchesSearch, toMatchQuery } from "./search";
import { type SessionListItem, sessionListQuery, toSessionListItem } from "./list-item";

export type SessionPage = { sessions: SessionListItem[]; nextCursor: string | null };

/**
 * The most blocked sessions the board pins above its list. Far more than anyone answers at once;
 * past it the Status filter's "Blocked on you" pages through the rest.
 */
const BLOCKED_MAX = 200;

/** The list's filters (everything but the page): null when the search can match nothing. */
async function filteredQuery(p: Omit<SessionListParams, "limit" | "cursor">, now: number) {
  let q = sessionListQuery();
  if (p.parent === "root") q = q.where("sessions.parent_id", "is", null);
  else if (p.parent !== "any") q = q.where("sessions.parent_id", "=", p.parent);
  if (p.hostname) q = q.where("sessions.hostname", "=", p.hostname);
  if (p.directory) q = q.where("sessions.directory", "=", p.directory);
  if (p.from !== undefined) q = q.where("sessions.last_activity_at", ">=", p.from);
  if (p.to !== undefined) q = q.where("sessions.last_activity_at", "<", p.to);
  const filters = p.status;
  if (filters) {
    q = q.where((eb) => eb.or(filters.map((f) => SESSION_FILTERS[f].sql(eb))));
    // A stale session's status and attention are no longer known (./active.ts): no filter picks it.
    const cutoff = offlineHeartbeatCutoff(now, offlineAfterMs());
    q = q.where((eb) => countedSql(eb, cutoff));
  }
  if (p.search) {
    const match = toMatchQuery(p.search);
    if (!match) return null;
    q = q.where(await matchesSearch(match));
  }
  return q;
}

/**
 * The board's list, newest activity first. Pages are a keyset on (last_activity_at, id), so a
 * new session or new activity on a session already listed never shifts a later page (no
 * duplicates, nothing skipped). A session not yet reached that gets new activity moves to the
 * top, ahead of the cursor: it arrives over the live push instead of on a later page.
 * A status filter leaves stale sessions out (./active.ts): their status is no longer known.
 */
export async function listSessions(p: SessionListParams, now = Date.now()): Promise<SessionPage> {
  let q = await filteredQuery(p, now);
  if (!q) return { sessions: [], nextCursor: null };
  if (p.cursor)
    q = q.where(sql<SqlBool>`(sessions.last_activity_at, sessions.id) < (${p.cursor.at}, ${String(p.cursor.id)})`);
  const rows = await q
    .orderBy("sessions.last_activity_at", "desc")
    .orderBy("sessions.id", "desc")
    .limit(p.limit + 1)
    .execute();
  const page = rows.slice(0, p.limit).map(toSessionListItem);
  const last = page[page.length - 1];
  return {
    sessions: page,
    nextCursor: rows.length > p.limit && last ? encodeCursor({ at: last.lastActivityAt, id: last.id }) : null,
  };
}

/**
 * The blocked sessions among those the same filters pick, longest waiting first: the board pins
 * them above its pages, so no amount of newer history hides one (the attention index keeps the
 * query cheap however many sessions there are).
 */
export async function listBlocked(p: SessionListParams, now = Date.now()): Promise<SessionListItem[]> {
  const q = await filteredQuery(p, now);
  if (!q) return [];
  // Offline hosts' sessions are fetched too: the board pins them again, live, when their host is
  // back (it judges offline itself, app/_components/board/board-state.ts pinBlocked); deleted
  // ones never block again.
  const rows = await q
    .where(blockedSql)
    .where("sessions.deleted_at", "is", null)
    .orderBy("sessions.attention_since", "asc")
    .orderBy("sessions.id", "asc")
    .limit(BLOCKED_MAX)
    .execute();
  return rows.map(toSessionListItem);
}

/** A listed session as /api/sessions answers it: with whether it is stale at the time of the answer. */
type SessionApiItem = SessionListItem & { stale: StaleReason | null };

/**
 * The page /api/sessions answers. API clients have no host clocks to judge staleness by, as the
 * board does (it judges it live), so each session says whether it is stale now: deleted in
 * OpenCode, or on a host offline for OFFLINE_AFTER_SECONDS (./active.ts).
 */
export async function listSessionsForApi(p: SessionListParams, now = Date.now()) {
  const page = await listSessions(p, now);
  const hosts = await getInstanceItems([...new Set(page.sessions.map((s) => s.hostname))]);
  const offline = new Set(hosts.filter((h) => isHostOffline(h.offlineAt, now)).map((h) => h.hostname));
  const sessions: SessionApiItem[] = page.sessions.map((s) => ({
    ...s,
    stale: staleReason(s, offline.has(s.hostname)),
  }));
  return { sessions, nextCursor: page.nextCursor };
}
