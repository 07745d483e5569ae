/**
 * Commands sent from the dashboard to a session's OpenCode (docs/control.md): what was asked,
 * by which client, and what became of it. They belong to their session (deleted and pruned with
 * it). Hosts record the control level their plugin reports, so the Hosts page can show it.
 */
export const statements: string[] = [
  `CREATE TABLE commands (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    hostname TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('permission.reply', 'question.reply', 'question.reject', 'prompt', 'abort')),
    args TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'delivered', 'applied', 'failed', 'expired')),
    reason TEXT,
    client_address TEXT NOT NULL,
    user_agent TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  )`,
  `CREATE INDEX commands_by_session ON commands (session_id, created_at)`,
  `CREATE INDEX commands_by_time ON commands (created_at, id)`,
  `CREATE INDEX commands_open ON commands (expires_at) WHERE status IN ('queued', 'delivered')`,
  `ALTER TABLE instances ADD COLUMN control TEXT`,
];
