import { type SqlBool, sql } from "kysely";
import { encodeCursor } from "@/lib/http/cursor";
import { offlineAfterMs } from "../instances/item";
import { countedSql, offlineHeartbeatCutoff, waitingSql } from "./active";
import type { SessionListParams } from "./params";
import { matchesSearch, toMatchQuery } from "./search";
import { type SessionListItem, sessionListQuery, toSessionListItem } from "./list-item";

export type SessionPage = { sessions: SessionListItem[]; nextCursor: string | null };

/**
 * The board's list, newest activity first. Pages are a keyset on (last_activity_at, id), so a
 * new session or new activity on a session already listed never shifts a later page (no
 * duplicates, nothing skipped). A session not yet reached that gets new activity moves to the
 * top, ahead of the cursor: it arrives over the live push instead of on a later page.
 * A status filter leaves stale sessions out (./active.ts): their status is no longer known.
 */
export async function listSessions(p: SessionListParams, now = Date.now()): Promise<SessionPage> {
  let q = sessionListQuery();
  if (p.parent === "root") q = q.where("sessions.parent_id", "is", null);
  else if (p.parent !== "any") q = q.where("sessions.parent_id", "=", p.parent);
  if (p.hostname) q = q.where("sessions.hostname", "=", p.hostname);
  if (p.directory) q = q.where("sessions.directory", "=", p.directory);
  if (p.from !== undefined) q = q.where("sessions.last_activity_at", ">=", p.from);
  if (p.to !== undefined) q = q.where("sessions.last_activity_at", "<", p.to);
  if (p.status) {
    const statuses = p.status.filter((s) => s !== "attention");
    const attention = p.status.includes("attention");
    q = q.where((eb) =>
      eb.or([
        ...(statuses.length ? [eb("sessions.status", "in", statuses)] : []),
        ...(attention ? [waitingSql(eb)] : []),
      ]),
    );
    const cutoff = offlineHeartbeatCutoff(now, offlineAfterMs());
    q = q.where((eb) => countedSql(eb, cutoff));
  }
  if (p.search) {
    const match = toMatchQuery(p.search);
    if (!match) return { sessions: [], nextCursor: null };
    q = q.where(await matchesSearch(match));
  }
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
