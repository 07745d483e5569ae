/**
 * Search and the indexes the JSON API reads by. Full-text search covers what a user remembers
 * of a session: its title and directory, their prompts and the assistant's text. Tool output,
 * reasoning and the rest stay out of the index, since every indexed byte is paid for on ingest.
 * The FTS tables are contentless (the text lives in sessions and timeline already) with
 * contentless_delete so triggers can drop a row by rowid; timeline.id is a stable INTEGER
 * PRIMARY KEY, sessions need session_search_ids for one (their implicit rowid may change on VACUUM).
 * timeline_search keeps the session id (contentless_unindexed stores UNINDEXED columns), so a
 * search never has to look each matching timeline row up: that halves a common word's cost.
 */
export const statements: string[] = [
  `CREATE TABLE session_search_ids (
    rowid INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL UNIQUE
  )`,
  `CREATE VIRTUAL TABLE session_search USING fts5(
    title, directory, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
  )`,
  `CREATE VIRTUAL TABLE timeline_search USING fts5(
    text, session_id UNINDEXED, content='', contentless_delete=1, contentless_unindexed=1,
    tokenize='unicode61 remove_diacritics 2'
  )`,
  `INSERT INTO session_search_ids (session_id) SELECT id FROM sessions`,
  `INSERT INTO session_search (rowid, title, directory)
    SELECT k.rowid, s.title, s.directory FROM session_search_ids AS k JOIN sessions AS s ON s.id = k.session_id`,
  `INSERT INTO timeline_search (rowid, text, session_id)
    SELECT id, text, session_id FROM timeline WHERE kind IN ('prompt', 'text') AND text IS NOT NULL`,
  `CREATE TRIGGER sessions_search_insert AFTER INSERT ON sessions BEGIN
    INSERT INTO session_search_ids (session_id) VALUES (new.id);
    INSERT INTO session_search (rowid, title, directory)
      SELECT rowid, new.title, new.directory FROM session_search_ids WHERE session_id = new.id;
  END`,
  // The ingest path rewrites title and directory with coalesce() on every session.updated;
  // only a real change touches the index.
  `CREATE TRIGGER sessions_search_update AFTER UPDATE OF title, directory ON sessions
    WHEN old.title IS NOT new.title OR old.directory IS NOT new.directory BEGIN
    DELETE FROM session_search WHERE rowid = (SELECT rowid FROM session_search_ids WHERE session_id = new.id);
    INSERT INTO session_search (rowid, title, directory)
      SELECT rowid, new.title, new.directory FROM session_search_ids WHERE session_id = new.id;
  END`,
  `CREATE TRIGGER sessions_search_delete AFTER DELETE ON sessions BEGIN
    DELETE FROM session_search WHERE rowid = (SELECT rowid FROM session_search_ids WHERE session_id = old.id);
    DELETE FROM session_search_ids WHERE session_id = old.id;
  END`,
  `CREATE TRIGGER timeline_search_insert AFTER INSERT ON timeline
    WHEN new.kind IN ('prompt', 'text') AND new.text IS NOT NULL BEGIN
    INSERT INTO timeline_search (rowid, text, session_id) VALUES (new.id, new.text, new.session_id);
  END`,
  // Streaming text parts are upserted many times; unchanged text (most tool and status
  // upserts) skips the index entirely.
  `CREATE TRIGGER timeline_search_update AFTER UPDATE OF kind, text ON timeline
    WHEN (old.kind IN ('prompt', 'text') OR new.kind IN ('prompt', 'text'))
      AND (old.text IS NOT new.text OR old.kind IS NOT new.kind) BEGIN
    DELETE FROM timeline_search WHERE rowid = old.id;
    INSERT INTO timeline_search (rowid, text, session_id)
      SELECT new.id, new.text, new.session_id WHERE new.kind IN ('prompt', 'text') AND new.text IS NOT NULL;
  END`,
  // Also runs for rows removed by ON DELETE CASCADE when a session is deleted.
  `CREATE TRIGGER timeline_search_delete AFTER DELETE ON timeline WHEN old.kind IN ('prompt', 'text') BEGIN
    DELETE FROM timeline_search WHERE rowid = old.id;
  END`,
  // Analytics read only assistant messages (tokens and cost live there) by time; covering
  // every column they sum keeps those scans inside the index.
  `CREATE INDEX messages_assistant_by_created ON messages (
    created_at, session_id, provider_id, model_id, tokens_input, tokens_output, tokens_reasoning,
    tokens_cache_read, tokens_cache_write, cost
  ) WHERE role = 'assistant'`,
  // Per-model totals group by (provider, model); in that order the grouping needs no sort.
  `CREATE INDEX messages_assistant_by_model ON messages (
    provider_id, model_id, created_at, tokens_input, tokens_output, tokens_reasoning,
    tokens_cache_read, tokens_cache_write, cost
  ) WHERE role = 'assistant'`,
];
