import type BetterSqlite3 from "better-sqlite3";

/**
 * How long tombstones (sessions deleted on the dashboard, migration 006) are kept. A tombstone
 * stays while its session is still talked about: each ignored event renews it. It goes
 * - with RETENTION_DAYS set, once no event has come for it within the window, as a pruned
 *   session goes (a session that quiet would have been pruned anyway: should it come back, it
 *   comes back as any pruned session does, from its new events);
 * - in any case beyond MAX_TOMBSTONES, the ones quiet longest first, checked at every delete, so
 *   the table stays bounded without retention too.
 */
const MAX_TOMBSTONES = 10_000;

/** Tombstones whose last event (or the delete) came before `cutoff`; returns how many went. */
export function pruneQuietTombstones(sqlite: BetterSqlite3.Database, cutoff: number): number {
  return sqlite.prepare("DELETE FROM tombstones WHERE last_event_at < ?").run(cutoff).changes;
}

/** The quietest tombstones beyond `max`; returns how many went. */
export function capTombstones(sqlite: BetterSqlite3.Database, max = MAX_TOMBSTONES): number {
  return sqlite
    .prepare(
      `DELETE FROM tombstones WHERE session_id IN (
         SELECT session_id FROM tombstones ORDER BY last_event_at, session_id
         LIMIT max(0, (SELECT count(*) FROM tombstones) - ?)
       )`,
    )
    .run(max).changes;
}
