/**
 * The triggers that queue timeline text for search (lib/db/upkeep/search-index.ts), as 003 made them;
 * 004 makes them again on the rebuilt table. Part of two migrations that have run, so never
 * edited: a migration that changes them writes its own.
 */
export function searchQueueTriggers() {
  return [
    `CREATE TRIGGER timeline_search_insert AFTER INSERT ON timeline
      WHEN new.kind IN ('prompt', 'text') AND new.text IS NOT NULL BEGIN
      INSERT INTO search_queue (id, indexed) SELECT new.id, 0
        WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE id = new.id);
    END`,
    // A row not queued has its current text indexed (or none, if it was not prompt or text).
    `CREATE TRIGGER timeline_search_update AFTER UPDATE OF kind, text ON timeline
      WHEN (old.kind IN ('prompt', 'text') OR new.kind IN ('prompt', 'text'))
        AND (old.text IS NOT new.text OR old.kind IS NOT new.kind) BEGIN
      INSERT INTO search_queue (id, indexed)
        SELECT new.id, old.kind IN ('prompt', 'text') AND old.text IS NOT NULL
        WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE id = new.id);
    END`,
    // Also runs for rows removed by ON DELETE CASCADE when a session is deleted.
    `CREATE TRIGGER timeline_search_delete AFTER DELETE ON timeline WHEN old.kind IN ('prompt', 'text') BEGIN
      DELETE FROM timeline_search WHERE rowid = old.id
        AND NOT EXISTS (SELECT 1 FROM search_queue WHERE id = old.id AND indexed = 0);
      DELETE FROM search_queue WHERE id = old.id;
    END`,
  ];
}
