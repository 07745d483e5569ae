import Database from "better-sqlite3";

/** Opens the server's database read-only, to check what a request stored. */
export function openReadOnly(file: string) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  return {
    session: (id: string) => db.prepare("SELECT * FROM sessions WHERE id = ?").get(id) as any,
    messages: (sessionId: string) =>
      db.prepare("SELECT * FROM messages WHERE session_id = ? ORDER BY created_at").all(sessionId) as any[],
    timeline: (sessionId: string) =>
      db.prepare("SELECT * FROM timeline WHERE session_id = ? ORDER BY time, id").all(sessionId) as any[],
    pending: (sessionId: string) =>
      db.prepare("SELECT * FROM pending_requests WHERE session_id = ?").all(sessionId) as any[],
    count: (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
    all: (query: string, ...params: unknown[]) => db.prepare(query).all(...params) as any[],
    close: () => db.close(),
  };
}
