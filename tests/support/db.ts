import Database from "better-sqlite3";
import type { Selectable } from "kysely";
import type { Database as Tables, MessageRow, SessionRow, TimelineRow } from "../../lib/db/schema";

/** Opens the server's database read-only, to check what a request stored. */
export function openReadOnly(file: string) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  return {
    session: (id: string) => db.prepare("SELECT * FROM sessions WHERE id = ?").get(id) as SessionRow,
    messages: (sessionId: string) =>
      db.prepare("SELECT * FROM messages WHERE session_id = ? ORDER BY created_at").all(sessionId) as MessageRow[],
    timeline: (sessionId: string) =>
      db.prepare("SELECT * FROM timeline WHERE session_id = ? ORDER BY time, id").all(sessionId) as TimelineRow[],
    pending: (sessionId: string) =>
      db.prepare("SELECT * FROM pending_requests WHERE session_id = ?").all(sessionId) as Selectable<
        Tables["pending_requests"]
      >[],
    count: (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
    /** Rows of an ad-hoc query, typed by the caller. */
    all: <T = Record<string, unknown>>(query: string, ...params: unknown[]) => db.prepare(query).all(...params) as T[],
    close: () => db.close(),
  };
}
