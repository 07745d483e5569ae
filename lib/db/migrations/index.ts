import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";

/**
 * The triggers that queue timeline text for search (lib/db/search-index.ts), as 003 made them;
 * 004 makes them again on the rebuilt table. Part of two migrations that have run, so never
 * edited: a migration that changes them writes its own.
 */
function searchQueueTriggers() {
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

/**
 * Versioned migrations, compiled with the server (no migration folder to ship). Append only:
 * a migration that has run on someone's database is never edited, a new one follows it.
 */
const statements: Record<string, string[]> = {
  "001_initial": [
    `CREATE TABLE instances (
      hostname TEXT PRIMARY KEY,
      first_seen INTEGER NOT NULL,
      last_seen INTEGER NOT NULL,
      last_heartbeat INTEGER,
      opencode_version TEXT,
      plugin_version TEXT,
      busy_reported INTEGER,
      spool_bytes INTEGER,
      dropped_events INTEGER
    )`,
    `CREATE TABLE sessions (
      id TEXT PRIMARY KEY,
      hostname TEXT NOT NULL,
      directory TEXT NOT NULL DEFAULT '',
      parent_id TEXT,
      project_id TEXT,
      slug TEXT,
      title TEXT NOT NULL DEFAULT '',
      opencode_version TEXT,
      status TEXT NOT NULL DEFAULT 'idle' CHECK (status IN ('busy', 'idle', 'retry', 'error')),
      status_at INTEGER NOT NULL DEFAULT 0,
      retry_attempt INTEGER,
      retry_message TEXT,
      retry_next INTEGER,
      error_message TEXT,
      last_busy_at INTEGER,
      last_idle_at INTEGER,
      aborted_at INTEGER,
      attention_reason TEXT CHECK (attention_reason IN ('permission', 'question', 'idle', 'error')),
      attention_detail TEXT,
      attention_since INTEGER,
      attention_ref TEXT,
      agent TEXT,
      provider_id TEXT,
      model_id TEXT,
      model_at INTEGER,
      tokens_input INTEGER NOT NULL DEFAULT 0,
      tokens_output INTEGER NOT NULL DEFAULT 0,
      tokens_reasoning INTEGER NOT NULL DEFAULT 0,
      tokens_cache_read INTEGER NOT NULL DEFAULT 0,
      tokens_cache_write INTEGER NOT NULL DEFAULT 0,
      cost REAL NOT NULL DEFAULT 0,
      message_count INTEGER NOT NULL DEFAULT 0,
      additions INTEGER,
      deletions INTEGER,
      files_changed INTEGER,
      info_updated_at INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      last_activity_at INTEGER NOT NULL,
      deleted_at INTEGER
    )`,
    `CREATE INDEX sessions_by_activity ON sessions (last_activity_at DESC)`,
    `CREATE INDEX sessions_by_host ON sessions (hostname, last_activity_at DESC)`,
    `CREATE INDEX sessions_by_status ON sessions (status, last_activity_at DESC)`,
    `CREATE INDEX sessions_needing_attention ON sessions (attention_since) WHERE attention_reason IS NOT NULL`,
    `CREATE INDEX sessions_by_parent ON sessions (parent_id) WHERE parent_id IS NOT NULL`,
    `CREATE INDEX sessions_by_created ON sessions (created_at)`,
    `CREATE INDEX sessions_by_directory ON sessions (directory, last_activity_at DESC)`,
    `CREATE TABLE messages (
      id TEXT PRIMARY KEY,
      session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
      role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
      parent_id TEXT,
      provider_id TEXT,
      model_id TEXT,
      agent TEXT,
      mode TEXT,
      tokens_input INTEGER NOT NULL DEFAULT 0,
      tokens_output INTEGER NOT NULL DEFAULT 0,
      tokens_reasoning INTEGER NOT NULL DEFAULT 0,
      tokens_cache_read INTEGER NOT NULL DEFAULT 0,
      tokens_cache_write INTEGER NOT NULL DEFAULT 0,
      cost REAL NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      completed_at INTEGER,
      finish TEXT,
      error TEXT,
      progress INTEGER NOT NULL DEFAULT 0
    )`,
    `CREATE INDEX messages_by_session ON messages (session_id, created_at)`,
    `CREATE INDEX messages_by_created ON messages (created_at)`,
    `CREATE TABLE timeline (
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
      UNIQUE (session_id, key)
    )`,
    `CREATE INDEX timeline_by_session_time ON timeline (session_id, time, id)`,
    `CREATE INDEX timeline_by_message ON timeline (message_id) WHERE message_id IS NOT NULL`,
    `CREATE TABLE pending_requests (
      id TEXT PRIMARY KEY,
      session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
      kind TEXT NOT NULL CHECK (kind IN ('permission', 'question')),
      summary TEXT NOT NULL,
      data TEXT NOT NULL,
      asked_at INTEGER NOT NULL
    )`,
    `CREATE INDEX pending_by_session ON pending_requests (session_id, asked_at)`,
    `CREATE TABLE todos (
      session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
      items TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    // Event ids outlive their session on purpose: a replayed batch must not resurrect a
    // session that the user deleted.
    `CREATE TABLE events_seen (
      id TEXT PRIMARY KEY,
      received_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
  ],
  // Search and the indexes the JSON API reads by. Full-text search covers what a user remembers
  // of a session: its title and directory, their prompts and the assistant's text. Tool output,
  // reasoning and the rest stay out of the index, since every indexed byte is paid for on ingest.
  // The FTS tables are contentless (the text lives in sessions and timeline already) with
  // contentless_delete so triggers can drop a row by rowid; timeline.id is a stable INTEGER
  // PRIMARY KEY, sessions need session_search_ids for one (their implicit rowid may change on VACUUM).
  // timeline_search keeps the session id (contentless_unindexed stores UNINDEXED columns), so a
  // search never has to look each matching timeline row up: that halves a common word's cost.
  "002_api": [
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
  ],
  // Prompt and assistant text is indexed for search off the ingest path. Indexed by triggers,
  // every commit flushed a new FTS segment, about a sixth of the cost of storing a batch; now
  // the triggers only note which rows changed, and lib/db/search-index.ts indexes them in bulk
  // every second and before each search, so a search still sees everything stored.
  // Indexes that every batch kept current for little use shrink (below). (Dropping the per-model
  // analytics index was tried: the all-time models report then took up to 115 ms at p95 on the
  // 200,000-message bench, over its 100 ms target.)
  "003_lighter_writes": [
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
  ],
  // Timeline rows are found by (session, key) for upserts. Indexed session first, a commit wrote
  // one index page per session it touched: about a quarter of all pages written per batch. Keys
  // are mostly OpenCode's ids, which sort by creation time, so indexed key first, new rows land
  // on the index's last pages, and a lookup by both columns is just as direct. The constraint is
  // part of the table, so the table is rebuilt (ids kept: search and its queue refer to them):
  // once, at start, about 3 s per 300,000 rows here.
  "004_timeline_key_first": [
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
  ],
};

function migration(list: string[]): Migration {
  return {
    // Kysely runs SQLite migrations outside a transaction; one per migration means a failure
    // (or a crash) part way through a table rebuild leaves the database as it was.
    async up(db: Kysely<any>) {
      await sql.raw("BEGIN IMMEDIATE").execute(db);
      try {
        for (const statement of list) await sql.raw(statement).execute(db);
        await sql.raw("COMMIT").execute(db);
      } catch (error) {
        await sql.raw("ROLLBACK").execute(db);
        throw error;
      }
    },
  };
}

const provider: MigrationProvider = {
  async getMigrations() {
    return Object.fromEntries(Object.entries(statements).map(([name, list]) => [name, migration(list)]));
  },
};

/** Applies pending migrations; returns the names it applied. Throws on the first failure. */
export function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return migrateTo(db);
}

/** Applies pending migrations up to and including `target` (default: all of them). */
export async function migrateTo(db: Kysely<any>, target?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results = [] } = await (target ? migrator.migrateTo(target) : migrator.migrateToLatest());
  const failed = results.find((r) => r.status === "Error");
  if (error || failed) {
    const reason = error instanceof Error ? error.message : String(error ?? "unknown error");
    throw new Error(`migration ${failed?.migrationName ?? "?"} failed: ${reason}`);
  }
  return results.filter((r) => r.status === "Success").map((r) => r.migrationName);
}
