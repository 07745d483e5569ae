/**
 * Sessions deleted on the dashboard (lib/sessions/commands.ts): their data goes, a tombstone
 * remembers the id so that the events OpenCode still sends for it (it was not touched there) are
 * ignored instead of bringing back a partial session, and counts them per host. Kept bounded:
 * lib/db/upkeep/tombstones.ts.
 */
export const statements: string[] = [
  `CREATE TABLE tombstones (
    session_id TEXT PRIMARY KEY,
    hostname TEXT NOT NULL,
    deleted_at INTEGER NOT NULL,
    ignored_events INTEGER NOT NULL DEFAULT 0,
    last_event_at INTEGER NOT NULL
  ) WITHOUT ROWID`,
  `CREATE INDEX tombstones_by_last_event ON tombstones (last_event_at)`,
  `CREATE INDEX tombstones_by_host ON tombstones (hostname)`,
];
