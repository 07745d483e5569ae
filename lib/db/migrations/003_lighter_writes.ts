import { searchQueueTriggers } from "./search-queue-triggers";

/**
 * Prompt and assistant text is indexed for search off the ingest path. Indexed by triggers,
 * every commit flushed a new FTS segment, about a sixth of the cost of storing a batch; now
 * the triggers only note which rows changed, and lib/db/upkeep/search-index.ts indexes them in bulk
 * every second and before each search, so a search still sees everything stored.
 * Indexes that every batch kept current for little use shrink (below). (Dropping the per-model
 * analytics index was tried: the all-time models report then took up to 115 ms at p95 on the
 * 200,000-message bench, over its 100 ms target.)
 */
export const statements: string[] = [
  `DROP TRIGGER timeline_search_insert`,
  `DROP TRIGGER timeline_search_update`,
  `DROP TRIGGER timeline_search_delete`,
  // By message, only text parts are looked up (to promote a user's text to a prompt when its
  // message arrives late); tool and other rows stay out of the index. Removing a message's
  // rows, which is rare, goes through the session instead.
  `DROP INDEX timeline_by_message`,
  `CREATE INDEX timeline_text_by_message ON timeline (message_id) WHERE kind = 'text' AND message_id IS NOT NULL`,
  // Every event moves its session's last activity, and each index holding it moves an entry.
  // Only the board's main order keeps it; a host's, project's or status's sessions are a
  // small share of all, and are sorted by activity after they are found.
  `DROP INDEX sessions_by_host`,
  `DROP INDEX sessions_by_status`,
  `DROP INDEX sessions_by_directory`,
  `CREATE INDEX sessions_by_host ON sessions (hostname)`,
  `CREATE INDEX sessions_by_status ON sessions (status)`,
  `CREATE INDEX sessions_by_directory ON sessions (directory)`,
  // Up to here the old triggers kept the index current: the queue starts empty. `indexed`
  // says whether the index holds an earlier text of the row, to be removed first. (The
  // triggers test for a queued id rather than INSERT OR IGNORE, which gives way to the
  // conflict clause of the statement that fired the trigger: the ingest's upsert has one.)
  `CREATE TABLE search_queue (id INTEGER PRIMARY KEY, indexed INTEGER NOT NULL)`,
  ...searchQueueTriggers(),
];
