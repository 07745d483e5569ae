import type BetterSqlite3 from "better-sqlite3";
import { type ControlLevel, type MessageRow, NO_USAGE, type SessionRow, type TimelineRow } from "../db/schema";
import { runtime } from "../runtime";
import type { Progress } from "./progress";

/**
 * The writes behind POST /events. The ingest path runs several statements per event at tens of
 * thousands of events a second, so it uses prepared statements on the raw connection instead of
 * building and compiling a kysely query per call. Reads stay on kysely.
 */

/**
 * The columns of a session that the projection changes event by event. A batch reads each
 * session once, changes this copy in memory and writes it back once (saveSession).
 */
const savedColumns = [
  "status",
  "status_at",
  "retry_attempt",
  "retry_message",
  "retry_next",
  "error_message",
  "last_busy_at",
  "last_idle_at",
  "aborted_at",
  "attention_reason",
  "attention_detail",
  "attention_since",
  "attention_ref",
  "tokens_input",
  "tokens_output",
  "tokens_reasoning",
  "tokens_cache_read",
  "tokens_cache_write",
  "cost",
  "message_count",
  "provider_id",
  "model_id",
  "agent",
  "model_at",
  "last_activity_at",
  "deleted_at",
] as const satisfies readonly (keyof SessionRow)[];

/** Read with the session but never written by the projection: id, parent and host stay as first seen. */
export type SessionDraft = Pick<SessionRow, "id" | "parent_id" | "hostname" | (typeof savedColumns)[number]>;

export function newSessionDraft(id: string, hostname: string, time: number): SessionDraft {
  return {
    id,
    parent_id: null,
    hostname,
    status: "idle",
    status_at: 0,
    retry_attempt: null,
    retry_message: null,
    retry_next: null,
    error_message: null,
    last_busy_at: null,
    last_idle_at: null,
    aborted_at: null,
    attention_reason: null,
    attention_detail: null,
    attention_since: null,
    attention_ref: null,
    ...NO_USAGE,
    message_count: 0,
    provider_id: null,
    model_id: null,
    agent: null,
    model_at: null,
    last_activity_at: time,
    deleted_at: null,
  };
}

/** What a stored message contributed to its session's totals. */
export type MessageTotals = Pick<
  MessageRow,
  | "session_id"
  | "role"
  | "progress"
  | "tokens_input"
  | "tokens_output"
  | "tokens_reasoning"
  | "tokens_cache_read"
  | "tokens_cache_write"
  | "cost"
>;

/**
 * What session.created / session.updated say about a session, by column; null keeps what is
 * stored. `info_updated_at` is the info's own time: an older update changes nothing.
 */
export type SessionInfoUpdate = Nullable<
  Pick<
    SessionRow,
    | "title"
    | "directory"
    | "parent_id"
    | "project_id"
    | "slug"
    | "opencode_version"
    | "additions"
    | "deletions"
    | "files_changed"
  >
> &
  Pick<SessionRow, "id" | "created_at" | "info_updated_at">;

type Nullable<T> = { [K in keyof T]: T[K] | null };

/** A message as ingest writes it: its row, with how far along it is named (./progress.ts). */
export type MessageUpsert = Omit<MessageRow, "progress"> & { progress: Progress };

/** A timeline entry as ingest writes it: its row but the store's id and update time. */
export type TimelineUpsert = Omit<TimelineRow, "id" | "updated_at" | "progress"> & { progress: Progress };

/**
 * Every column of a write, in the order its statement binds them: the object's keys are checked
 * against the write's type, so a column added to the table and the write is bound here too.
 */
const columnsOf = <T>(columns: Record<keyof T, true>) => Object.keys(columns) as (keyof T & string)[];

// The one merge rule for timeline entries, applied by SQLite where the stored row is. It is not
// also computed in TypeScript: merging in memory needs the stored row first, a read per entry
// that an earlier batch wrote (nearly all of them when requests carry one event each), while a
// batch's repeated writes of one entry (a tool call running, then completed) cost about as much
// as that read would. tests/unit/timeline-merge.test.ts checks it on random sequences.
// For each column: a write with at least the stored progress wins (keeping old values where it
// has none); an older write only fills gaps. Out-of-order tool updates (OpenCode does not await
// its plugin hooks) then never turn a completed call back into a running one.
const timelineMerge = [
  "kind",
  "message_id",
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
    const keepPrompt =
      c === "kind" ? `CASE WHEN timeline.kind = 'prompt' AND excluded.kind = 'text' THEN 'prompt' ELSE ` : "";
    const close = c === "kind" ? " END" : "";
    return `${c} = ${keepPrompt}CASE WHEN excluded.progress >= timeline.progress THEN coalesce(excluded.${c}, timeline.${c}) ELSE coalesce(timeline.${c}, excluded.${c}) END${close}`;
  })
  // An entry keeps the time it started (a permission's reply must not move it down the timeline).
  .concat("time = min(timeline.time, excluded.time)")
  .join(",\n");

// The hottest statements bind positional parameters: naming fifteen or more costs about 2 µs a
// call in better-sqlite3, which is a tenth of writing the row. Each list below gives the order of
// both the columns and the values, so the two cannot drift apart.
const timelineColumns = columnsOf<TimelineUpsert>({
  session_id: true,
  key: true,
  kind: true,
  message_id: true,
  time: true,
  end_time: true,
  status: true,
  tool: true,
  title: true,
  text: true,
  input: true,
  output: true,
  data: true,
  truncated: true,
  progress: true,
});
const timelineValues = (t: TimelineUpsert, now: number) => [...timelineColumns.map((c) => t[c]), now];

const timelineUpsert = `INSERT INTO timeline (${timelineColumns.join(", ")}, updated_at)
  VALUES (${timelineColumns.map(() => "?").join(", ")}, ?)
  ON CONFLICT (session_id, key) DO UPDATE SET ${timelineMerge},
    progress = max(timeline.progress, excluded.progress), updated_at = excluded.updated_at`;

const messageColumns = columnsOf<MessageUpsert>({
  id: true,
  session_id: true,
  role: true,
  parent_id: true,
  provider_id: true,
  model_id: true,
  agent: true,
  mode: true,
  tokens_input: true,
  tokens_output: true,
  tokens_reasoning: true,
  tokens_cache_read: true,
  tokens_cache_write: true,
  cost: true,
  created_at: true,
  completed_at: true,
  finish: true,
  error: true,
  progress: true,
});

export function createIngestStore(sqlite: BetterSqlite3.Database) {
  const s = {
    totalChanges: sqlite.prepare("SELECT total_changes()").pluck(),
    dataVersion: sqlite.prepare("PRAGMA data_version").pluck(),
    markSeen: sqlite.prepare("INSERT OR IGNORE INTO events_seen (id, received_at) VALUES (?, ?)"),
    markSeenMany: sqlite
      .prepare("INSERT OR IGNORE INTO events_seen (id, received_at) SELECT value, ? FROM json_each(?) RETURNING id")
      .pluck(),
    touchInstance: sqlite.prepare(
      `INSERT INTO instances (hostname, first_seen, last_seen) VALUES (?, ?, ?)
       ON CONFLICT (hostname) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`,
    ),
    heartbeat: sqlite.prepare(
      `UPDATE instances SET last_heartbeat = max(coalesce(last_heartbeat, 0), @time),
         opencode_version = coalesce(@opencodeVersion, opencode_version),
         plugin_version = coalesce(@pluginVersion, plugin_version),
         busy_reported = @busy, spool_bytes = @spool, dropped_events = @dropped,
         control = coalesce(@control, control)
       WHERE hostname = @hostname AND coalesce(last_heartbeat, 0) <= @time`,
    ),
    insertSession: sqlite.prepare(
      `INSERT INTO sessions (id, hostname, directory, created_at, updated_at, last_activity_at)
       VALUES (@id, @hostname, @directory, @time, @now, @time)`,
    ),
    loadSession: sqlite.prepare(
      `SELECT id, parent_id, hostname, ${savedColumns.join(", ")} FROM sessions WHERE id = ?`,
    ),
    saveSession: sqlite.prepare(
      `UPDATE sessions SET ${savedColumns.map((c) => `${c} = ?`).join(", ")}, updated_at = ? WHERE id = ?`,
    ),
    sessionInfo: sqlite.prepare(
      `UPDATE sessions SET
         title = coalesce(@title, title), directory = coalesce(@directory, directory),
         parent_id = coalesce(@parent_id, parent_id), project_id = coalesce(@project_id, project_id),
         slug = coalesce(@slug, slug), opencode_version = coalesce(@opencode_version, opencode_version),
         additions = coalesce(@additions, additions), deletions = coalesce(@deletions, deletions),
         files_changed = coalesce(@files_changed, files_changed),
         created_at = min(created_at, @created_at), info_updated_at = @info_updated_at
       WHERE id = @id AND info_updated_at <= @info_updated_at`,
    ),
    setDiffSummary: sqlite.prepare("UPDATE sessions SET additions = ?, deletions = ?, files_changed = ? WHERE id = ?"),
    messageTotals: sqlite.prepare(
      `SELECT session_id, role, progress, tokens_input, tokens_output, tokens_reasoning,
         tokens_cache_read, tokens_cache_write, cost FROM messages WHERE id = ?`,
    ),
    // Unconditional: which update of a message wins is decided once, by the batch that holds it
    // (rules/messages.ts), which reads the stored row first to move the session's totals.
    upsertMessage: sqlite.prepare(
      `INSERT INTO messages (${messageColumns.join(", ")})
       VALUES (${messageColumns.map(() => "?").join(", ")})
       ON CONFLICT (id) DO UPDATE SET
         parent_id = excluded.parent_id, provider_id = excluded.provider_id,
         model_id = excluded.model_id, agent = excluded.agent, mode = excluded.mode,
         tokens_input = excluded.tokens_input, tokens_output = excluded.tokens_output,
         tokens_reasoning = excluded.tokens_reasoning, tokens_cache_read = excluded.tokens_cache_read,
         tokens_cache_write = excluded.tokens_cache_write, cost = excluded.cost,
         completed_at = excluded.completed_at, finish = excluded.finish, error = excluded.error,
         progress = excluded.progress`,
    ),
    messageRole: sqlite.prepare("SELECT role FROM messages WHERE id = ?").pluck(),
    promoteUserText: sqlite
      .prepare("UPDATE timeline SET kind = 'prompt' WHERE message_id = ? AND kind = 'text' RETURNING key")
      .pluck(),
    removeMessage: sqlite.prepare("DELETE FROM messages WHERE id = ? AND session_id = ?"),
    removeMessageTimeline: sqlite.prepare("DELETE FROM timeline WHERE message_id = ? AND session_id = ?"),
    removeTimelineEntry: sqlite.prepare("DELETE FROM timeline WHERE session_id = ? AND key = ?"),
    timelineRow: sqlite.prepare("SELECT * FROM timeline WHERE session_id = ? AND key = ?"),
    entryClaims: sqlite.prepare("SELECT session_id, message_id FROM timeline WHERE key = ? LIMIT 2"),
    upsertTimeline: sqlite.prepare(`${timelineUpsert} RETURNING *`),
    // Without RETURNING: materialising the row costs as much as writing it. A session watched
    // live has its entries read back once per batch instead (./batch-state.ts).
    upsertTimelineQuiet: sqlite.prepare(timelineUpsert),
    addPending: sqlite.prepare(
      `INSERT OR IGNORE INTO pending_requests (id, session_id, kind, summary, data, asked_at)
       VALUES (@id, @sessionId, @kind, @summary, @data, @askedAt)`,
    ),
    removePending: sqlite.prepare("DELETE FROM pending_requests WHERE id = ?"),
    removePendingBefore: sqlite.prepare("DELETE FROM pending_requests WHERE session_id = ? AND asked_at <= ?"),
    oldestPending: sqlite.prepare(
      `SELECT id, kind, summary, asked_at FROM pending_requests WHERE session_id = ?
       ORDER BY asked_at, id LIMIT 1`,
    ),
    isTombstoned: sqlite.prepare("SELECT 1 FROM tombstones WHERE session_id = ?").pluck(),
    addTombstone: sqlite.prepare(
      `INSERT OR IGNORE INTO tombstones (session_id, hostname, deleted_at, last_event_at) VALUES (?, ?, ?, ?)`,
    ),
    countTombstoned: sqlite.prepare(
      `UPDATE tombstones SET ignored_events = ignored_events + ?, last_event_at = max(last_event_at, ?)
       WHERE session_id = ?`,
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

    /**
     * Changes whenever anything writes to the database: through this connection (the rows it
     * changed so far) or through another one (PRAGMA data_version).
     */
    writeMark: () => `${s.totalChanges.get()}:${s.dataVersion.get()}`,

    markSeen: (id: string, now: number) => s.markSeen.run(id, now).changes === 1,
    /** Records many event ids in one statement; returns those not seen before. */
    markSeenMany: (ids: string[], now: number) => new Set(s.markSeenMany.all(now, JSON.stringify(ids)) as string[]),
    touchInstance: (hostname: string, now: number) => s.touchInstance.run(hostname, now, now),
    heartbeat: (p: {
      hostname: string;
      time: number;
      opencodeVersion: string | null;
      pluginVersion: string | null;
      busy: number | null;
      spool: number | null;
      dropped: number | null;
      control: ControlLevel | null;
    }) => s.heartbeat.run(p),

    insertSession: (p: { id: string; hostname: string; directory: string; time: number; now: number }) =>
      s.insertSession.run(p),
    loadSession: (id: string) => s.loadSession.get(id) as SessionDraft | undefined,
    saveSession: (draft: SessionDraft, now: number) =>
      s.saveSession.run(...savedColumns.map((c) => draft[c]), now, draft.id),
    applySessionInfo: (p: SessionInfoUpdate) => s.sessionInfo.run(p).changes === 1,
    setDiffSummary: (id: string, additions: number, deletions: number, files: number) =>
      s.setDiffSummary.run(additions, deletions, files, id),
    messageTotals: (id: string) => s.messageTotals.get(id) as MessageTotals | undefined,

    upsertMessage: (m: MessageUpsert) => s.upsertMessage.run(...messageColumns.map((c) => m[c])).changes === 1,
    messageRole: (id: string) => s.messageRole.get(id) as "user" | "assistant" | undefined,
    /** Turns a user message's text entries into its prompt; returns their keys. */
    promoteUserText: (messageId: string) => s.promoteUserText.all(messageId) as string[],
    removeMessage: (sessionId: string, messageId: string) => {
      s.removeMessageTimeline.run(messageId, sessionId);
      return s.removeMessage.run(messageId, sessionId).changes === 1;
    },
    removeTimelineEntry: (sessionId: string, key: string) => s.removeTimelineEntry.run(sessionId, key).changes === 1,

    /** The sessions (and messages) holding a timeline entry by this key: a part's or a prompt's id is OpenCode's, unique. */
    entryClaims: (key: string) => s.entryClaims.all(key) as { session_id: string; message_id: string | null }[],
    timelineRow: (sessionId: string, key: string) => s.timelineRow.get(sessionId, key) as TimelineRow | undefined,
    upsertTimeline: (t: TimelineUpsert, now: number) => s.upsertTimeline.get(...timelineValues(t, now)) as TimelineRow,
    upsertTimelineQuiet: (t: TimelineUpsert, now: number) => void s.upsertTimelineQuiet.run(...timelineValues(t, now)),

    addPending: (p: {
      id: string;
      sessionId: string;
      kind: "permission" | "question";
      summary: string;
      data: string;
      askedAt: number;
    }) => s.addPending.run(p),
    removePending: (id: string) => s.removePending.run(id).changes === 1,
    removePendingBefore: (sessionId: string, time: number) => s.removePendingBefore.run(sessionId, time).changes,
    oldestPending: (sessionId: string) =>
      s.oldestPending.get(sessionId) as
        { id: string; kind: "permission" | "question"; summary: string; asked_at: number } | undefined,
    /** Whether the dashboard deleted this session (lib/sessions/commands.ts): its events are ignored. */
    isTombstoned: (id: string) => s.isTombstoned.get(id) !== undefined,
    /** A subagent session started under a session deleted on the dashboard goes with it. */
    addTombstone: (id: string, hostname: string, now: number) => void s.addTombstone.run(id, hostname, now, now),
    countTombstoned: (id: string, events: number, now: number) => void s.countTombstoned.run(events, now, id),
    upsertTodos: (sessionId: string, items: string, time: number) => s.upsertTodos.run(sessionId, items, time),
  };
}

export type IngestStore = ReturnType<typeof createIngestStore>;

/** One set of prepared statements per connection, kept in the process registry. */
export function ingestStoreFor(sqlite: BetterSqlite3.Database): IngestStore {
  const cached = runtime.ingestStore;
  if (cached?.sqlite === sqlite) return cached.store;
  const store = createIngestStore(sqlite);
  runtime.ingestStore = { sqlite, store };
  return store;
}
