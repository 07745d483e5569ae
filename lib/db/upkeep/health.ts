import type { Db } from "../client";

const PROBE_TIMEOUT_MS = 1000;

/**
 * Whether the database can take a write right now: what POST /events needs. Taking and
 * releasing the write lock catches a closed connection, a read-only or broken file, and another
 * process holding the lock; the short busy timeout keeps a stuck probe from stalling the server.
 */
export function probeDatabase(db: Db | undefined): { ok: true } | { ok: false; message: string } {
  if (!db) return { ok: false, message: "database is not open: start the app through server.ts" };
  const { sqlite } = db;
  const previous = sqlite.pragma("busy_timeout", { simple: true }) as number;
  try {
    sqlite.pragma(`busy_timeout = ${PROBE_TIMEOUT_MS}`);
    sqlite.exec("BEGIN IMMEDIATE");
    sqlite.prepare("SELECT count(*) FROM kysely_migration").pluck().get();
    sqlite.exec("ROLLBACK");
    return { ok: true };
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
    return { ok: false, message: (error as Error).message };
  } finally {
    if (sqlite.open) sqlite.pragma(`busy_timeout = ${previous}`);
  }
}
