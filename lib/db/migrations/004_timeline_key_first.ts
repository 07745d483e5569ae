import { searchQueueTriggers } from "./search-queue-triggers";

/**
 * Timeline rows are found by (session, key) for upserts. Indexed session first, a commit wrote
 * one index page per session it touched: about a quarter of all pages written per batch. Keys
 * are mostly OpenCode's ids, which sort by creation time, so indexed key first, new rows land
 * on the index's last pages, and a lookup by both columns is just as direct. The constraint is
 * part of the table, so the table is rebuilt (ids kept: search and its queue refer to them):
 * once, at start, about 3 s per 300,000 rows here.
 */
export const statements: string[] = [
  `DROP TRIGGER timeline_search_insert`,
  `DROP TRIGGER timeline_search_update`,
  `DROP TRIGGER timeline_search_delete`,
  `CREATE TABLE timeline_new (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    message_id TEXT,
    time INTEGER NOT NULL,
    end_time INTEGER,
    status TEXT,
    tool TEXT,
    title TEXT,
    text TEXT,
    input TEXT,
    output TEXT,
    data TEXT,
    truncated INTEGER NOT NULL DEFAULT 0,
    progress INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    UNIQUE (key, session_id)
  )`,
  `INSERT INTO timeline_new (id, session_id, key, kind, message_id, time, end_time, status, tool, title,
     text, input, output, data, truncated, progress, updated_at)
   SELECT id, session_id, key, kind, message_id, time, end_time, status, tool, title,
     text, input, output, data, truncated, progress, updated_at FROM timeline`,
  `DROP TABLE timeline`,
  `ALTER TABLE timeline_new RENAME TO timeline`,
  `CREATE INDEX timeline_by_session_time ON timeline (session_id, time, id)`,
  `CREATE INDEX timeline_text_by_message ON timeline (message_id) WHERE kind = 'text' AND message_id IS NOT NULL`,
  ...searchQueueTriggers(),
];
