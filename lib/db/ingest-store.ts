import type BetterSqlite3 from "better-sqlite3";
import type { AttentionReason, SessionStatus, TimelineKind, TimelineRow } from "./schema";

/**
 * The writes behind POST /events. The ingest path runs several statements per event at tens of
 * thousands of events a second, so it uses prepared statements on the raw connection instead of
 * building and compiling a kysely query per call. Reads stay on kysely.
 */

export type SessionState = {
  status: SessionStatus;
  status_at: number;
  parent_id: string | null;
  last_busy_at: number | null;
  last_idle_at: number | null;
  aborted_at: number | null;
  attention_reason: AttentionReason | null;
  attention_since: number | null;
  attention_ref: string | null;
};

export type SessionInfoUpdate = {
  id: string;
  title: string | null;
  directory: string | null;
  parentId: string | null;
  projectId: string | null;
  slug: string | null;
  version: string | null;
  agent: string | null;
  providerId: string | null;
  modelId: string | null;
  additions: number | null;
  deletions: number | null;
  files: number | null;
  createdAt: number;
  updatedAt: number;
};

export type MessageUpsert = {
  id: string;
  sessionId: string;
  role: "user" | "assistant";
  parentId: string | null;
  providerId: string | null;
  modelId: string | null;
  agent: string | null;
  mode: string | null;
  tokensInput: number;
  tokensOutput: number;
  tokensReasoning: number;
  tokensCacheRead: number;
  tokensCacheWrite: number;
  cost: number;
  createdAt: number;
  completedAt: number | null;
  finish: string | null;
  error: string | null;
  progress: number;
};

export type TimelineUpsert = {
  sessionId: string;
  key: string;
  kind: TimelineKind;
  messageId: string | null;
  time: number;
  endTime: number | null;
  status: string | null;
  tool: string | null;
  title: string | null;
  text: string | null;
  input: string | null;
  output: string | null;
  data: string | null;
  truncated: number;
  progress: number;
};

export type Attention = {
  reason: AttentionReason | null;
  detail: string | null;
  since: number | null;
  ref: string | null;
};

// For each column: a write with at least the stored progress wins (keeping old values where it
// has none); an older write only fills gaps. Out-of-order tool updates (OpenCode does not await
// its plugin hooks) then never turn a completed call back into a running one.
const timelineMerge = [
  "kind",
  "message_id",
  "time",
  "end_time",
  "status",
  "tool",
  "title",
  "text",
  "input",
  "output",
  "data",
  "truncated",
]
  .map((c) => {
    const keepPrompt = c === "kind" ? `CASE WHEN timeline.kind = 'prompt' AND excluded.kind = 'text' THEN 'prompt' ELSE ` : "";
    const close = c === "kind" ? " END" : "";
    return `${c} = ${keepPrompt}CASE WHEN excluded.progress >= timeline.progress THEN coalesce(excluded.${c}, timeline.${c}) ELSE coalesce(timeline.${c}, excluded.${c}) END${close}`;
  })
  .join(",\n");

const latestAssistant = (column: string) =>
  `SELECT ${column} FROM messages WHERE session_id = @id AND role = 'assistant' ORDER BY created_at DESC LIMIT 1`;

export function createIngestStore(sqlite: BetterSqlite3.Database) {
  const s = {
    markSeen: sqlite.prepare("INSERT OR IGNORE INTO events_seen (id, received_at) VALUES (?, ?)"),
    touchInstance: sqlite.prepare(
      `INSERT INTO instances (hostname, first_seen, last_seen) VALUES (?, ?, ?)
       ON CONFLICT (hostname) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`,
    ),
    heartbeat: sqlite.prepare(
      `UPDATE instances SET last_heartbeat = max(coalesce(last_heartbeat, 0), @time),
         opencode_version = coalesce(@opencodeVersion, opencode_version),
         plugin_version = coalesce(@pluginVersion, plugin_version),
         busy_reported = @busy, spool_bytes = @spool, dropped_events = @dropped
       WHERE hostname = @hostname AND coalesce(last_heartbeat, 0) <= @time`,
    ),
    ensureSession: sqlite.prepare(
      `INSERT OR IGNORE INTO sessions (id, hostname, directory, created_at, updated_at, last_activity_at)
       VALUES (@id, @hostname, @directory, @time, @now, @time)`,
    ),
    touchSession: sqlite.prepare(
      `UPDATE sessions SET last_activity_at = max(last_activity_at, @time), updated_at = @now
       WHERE id = @id`,
    ),
    sessionState: sqlite.prepare(
      `SELECT status, status_at, parent_id, last_busy_at, last_idle_at, aborted_at, attention_reason, attention_since, attention_ref
       FROM sessions WHERE id = ?`,
    ),
    sessionInfo: sqlite.prepare(
      `UPDATE sessions SET
         title = coalesce(@title, title), directory = coalesce(@directory, directory),
         parent_id = coalesce(@parentId, parent_id), project_id = coalesce(@projectId, project_id),
         slug = coalesce(@slug, slug), opencode_version = coalesce(@version, opencode_version),
         agent = coalesce(agent, @agent), provider_id = coalesce(provider_id, @providerId),
         model_id = coalesce(model_id, @modelId),
         additions = coalesce(@additions, additions), deletions = coalesce(@deletions, deletions),
         files_changed = coalesce(@files, files_changed),
         created_at = min(created_at, @createdAt), info_updated_at = @updatedAt
       WHERE id = @id AND info_updated_at <= @updatedAt`,
    ),
    markDeleted: sqlite.prepare("UPDATE sessions SET deleted_at = ? WHERE id = ?"),
    setStatus: sqlite.prepare(
      `UPDATE sessions SET status = @status, status_at = @time,
         retry_attempt = @retryAttempt, retry_message = @retryMessage, retry_next = @retryNext,
         error_message = CASE WHEN @status = 'error' THEN error_message END
       WHERE id = @id`,
    ),
    setError: sqlite.prepare(
      `UPDATE sessions SET status = 'error', status_at = max(status_at, @time), error_message = @message
       WHERE id = @id`,
    ),
    markStatusSeen: sqlite.prepare(
      `UPDATE sessions SET last_busy_at = coalesce(max(last_busy_at, @busy), last_busy_at, @busy),
         last_idle_at = coalesce(max(last_idle_at, @idle), last_idle_at, @idle) WHERE id = @id`,
    ),
    markAborted: sqlite.prepare(
      "UPDATE sessions SET aborted_at = coalesce(max(aborted_at, @time), @time) WHERE id = @id",
    ),
    setAttention: sqlite.prepare(
      `UPDATE sessions SET attention_reason = @reason, attention_detail = @detail,
         attention_since = @since, attention_ref = @ref WHERE id = @id`,
    ),
    setDiffSummary: sqlite.prepare(
      "UPDATE sessions SET additions = ?, deletions = ?, files_changed = ? WHERE id = ?",
    ),
    upsertMessage: sqlite.prepare(
      `INSERT INTO messages (id, session_id, role, parent_id, provider_id, model_id, agent, mode,
         tokens_input, tokens_output, tokens_reasoning, tokens_cache_read, tokens_cache_write, cost,
         created_at, completed_at, finish, error, progress)
       VALUES (@id, @sessionId, @role, @parentId, @providerId, @modelId, @agent, @mode,
         @tokensInput, @tokensOutput, @tokensReasoning, @tokensCacheRead, @tokensCacheWrite, @cost,
         @createdAt, @completedAt, @finish, @error, @progress)
       ON CONFLICT (id) DO UPDATE SET
         parent_id = excluded.parent_id, provider_id = excluded.provider_id,
         model_id = excluded.model_id, agent = excluded.agent, mode = excluded.mode,
         tokens_input = excluded.tokens_input, tokens_output = excluded.tokens_output,
         tokens_reasoning = excluded.tokens_reasoning, tokens_cache_read = excluded.tokens_cache_read,
         tokens_cache_write = excluded.tokens_cache_write, cost = excluded.cost,
         completed_at = excluded.completed_at, finish = excluded.finish, error = excluded.error,
         progress = excluded.progress
       WHERE excluded.progress >= messages.progress`,
    ),
    messageRole: sqlite.prepare("SELECT role FROM messages WHERE id = ?").pluck(),
    promoteUserText: sqlite.prepare(
      "UPDATE timeline SET kind = 'prompt' WHERE message_id = ? AND kind = 'text' RETURNING *",
    ),
    removeMessage: sqlite.prepare("DELETE FROM messages WHERE id = ? AND session_id = ?"),
    removeMessageTimeline: sqlite.prepare("DELETE FROM timeline WHERE message_id = ? AND session_id = ?"),
    removeTimelineEntry: sqlite.prepare("DELETE FROM timeline WHERE session_id = ? AND key = ?"),
    recomputeTotals: sqlite.prepare(
      `UPDATE sessions SET
         (tokens_input, tokens_output, tokens_reasoning, tokens_cache_read, tokens_cache_write, cost) =
           (SELECT coalesce(sum(tokens_input), 0), coalesce(sum(tokens_output), 0),
                   coalesce(sum(tokens_reasoning), 0), coalesce(sum(tokens_cache_read), 0),
                   coalesce(sum(tokens_cache_write), 0), coalesce(sum(cost), 0)
            FROM messages WHERE session_id = @id AND role = 'assistant'),
         message_count = (SELECT count(*) FROM messages WHERE session_id = @id),
         provider_id = coalesce((${latestAssistant("provider_id")}), provider_id),
         model_id = coalesce((${latestAssistant("model_id")}), model_id),
         agent = coalesce((${latestAssistant("agent")}), agent)
       WHERE id = @id`,
    ),
    upsertTimeline: sqlite.prepare(
      `INSERT INTO timeline (session_id, key, kind, message_id, time, end_time, status, tool, title,
         text, input, output, data, truncated, progress, updated_at)
       VALUES (@sessionId, @key, @kind, @messageId, @time, @endTime, @status, @tool, @title,
         @text, @input, @output, @data, @truncated, @progress, @now)
       ON CONFLICT (session_id, key) DO UPDATE SET ${timelineMerge},
         progress = max(timeline.progress, excluded.progress), updated_at = excluded.updated_at
       RETURNING *`,
    ),
    addPending: sqlite.prepare(
      `INSERT OR IGNORE INTO pending_requests (id, session_id, kind, summary, data, asked_at)
       VALUES (@id, @sessionId, @kind, @summary, @data, @askedAt)`,
    ),
    removePending: sqlite.prepare("DELETE FROM pending_requests WHERE id = ?"),
    removePendingBefore: sqlite.prepare(
      "DELETE FROM pending_requests WHERE session_id = ? AND asked_at <= ?",
    ),
    oldestPending: sqlite.prepare(
      `SELECT id, kind, summary, asked_at FROM pending_requests WHERE session_id = ?
       ORDER BY asked_at, id LIMIT 1`,
    ),
    upsertTodos: sqlite.prepare(
      `INSERT INTO todos (session_id, items, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (session_id) DO UPDATE SET items = excluded.items, updated_at = excluded.updated_at
       WHERE excluded.updated_at >= todos.updated_at`,
    ),
  };

  return {
    /** A transaction, or a savepoint when called inside one. */
    transaction: <T>(fn: () => T) => sqlite.transaction(fn)(),

    markSeen: (id: string, now: number) => s.markSeen.run(id, now).changes === 1,
    touchInstance: (hostname: string, now: number) => s.touchInstance.run(hostname, now, now),
    heartbeat: (p: {
      hostname: string;
      time: number;
      opencodeVersion: string | null;
      pluginVersion: string | null;
      busy: number | null;
      spool: number | null;
      dropped: number | null;
    }) => s.heartbeat.run(p),

    ensureSession: (p: { id: string; hostname: string; directory: string; time: number; now: number }) =>
      s.ensureSession.run(p),
    touchSession: (id: string, time: number, now: number) => s.touchSession.run({ id, time, now }),
    sessionState: (id: string) => s.sessionState.get(id) as SessionState,
    applySessionInfo: (p: SessionInfoUpdate) => s.sessionInfo.run(p).changes === 1,
    markDeleted: (id: string, time: number) => s.markDeleted.run(time, id),
    setStatus: (p: {
      id: string;
      status: SessionStatus;
      time: number;
      retryAttempt: number | null;
      retryMessage: string | null;
      retryNext: number | null;
    }) => s.setStatus.run(p),
    setError: (id: string, message: string, time: number) => s.setError.run({ id, message, time }),
    /** Remembers the latest busy and idle times, which decide whether a turn has finished. */
    markStatusSeen: (id: string, kind: "busy" | "idle", time: number) =>
      s.markStatusSeen.run({ id, busy: kind === "busy" ? time : null, idle: kind === "idle" ? time : null }),
    markAborted: (id: string, time: number) => s.markAborted.run({ id, time }),
    setAttention: (id: string, a: Attention) => s.setAttention.run({ id, ...a }),
    setDiffSummary: (id: string, additions: number, deletions: number, files: number) =>
      s.setDiffSummary.run(additions, deletions, files, id),

    upsertMessage: (m: MessageUpsert) => s.upsertMessage.run(m).changes === 1,
    messageRole: (id: string) => s.messageRole.get(id) as "user" | "assistant" | undefined,
    promoteUserText: (messageId: string) => s.promoteUserText.all(messageId) as TimelineRow[],
    removeMessage: (sessionId: string, messageId: string) => {
      s.removeMessageTimeline.run(messageId, sessionId);
      return s.removeMessage.run(messageId, sessionId).changes === 1;
    },
    removeTimelineEntry: (sessionId: string, key: string) =>
      s.removeTimelineEntry.run(sessionId, key).changes === 1,
    recomputeTotals: (id: string) => s.recomputeTotals.run({ id }),

    upsertTimeline: (t: TimelineUpsert, now: number) =>
      s.upsertTimeline.get({ ...t, now }) as TimelineRow,

    addPending: (p: {
      id: string;
      sessionId: string;
      kind: "permission" | "question";
      summary: string;
      data: string;
      askedAt: number;
    }) => s.addPending.run(p),
    removePending: (id: string) => s.removePending.run(id).changes === 1,
    removePendingBefore: (sessionId: string, time: number) =>
      s.removePendingBefore.run(sessionId, time).changes,
    oldestPending: (sessionId: string) =>
      s.oldestPending.get(sessionId) as
        | { id: string; kind: "permission" | "question"; summary: string; asked_at: number }
        | undefined,
    upsertTodos: (sessionId: string, items: string, time: number) =>
      s.upsertTodos.run(sessionId, items, time),
  };
}

export type IngestStore = ReturnType<typeof createIngestStore>;

const globalForStore = globalThis as unknown as {
  __ocdIngestStore?: { sqlite: BetterSqlite3.Database; store: IngestStore };
};

/** One set of prepared statements per connection. */
export function ingestStoreFor(sqlite: BetterSqlite3.Database): IngestStore {
  const cached = globalForStore.__ocdIngestStore;
  if (cached?.sqlite === sqlite) return cached.store;
  const store = createIngestStore(sqlite);
  globalForStore.__ocdIngestStore = { sqlite, store };
  return store;
}
