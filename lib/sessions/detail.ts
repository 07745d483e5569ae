import { type SqlBool, sql } from "kysely";
import { encodeCursor } from "@/lib/http/cursor";
import type { TimelineParams } from "./params";
import { getDb } from "../runtime";
import type { MessageRow, PendingRequestRow } from "../db/schema";
import { type SessionListItem, type SessionListRow, sessionListQuery, toSessionListItem } from "./list-item";
import { combineFileChanges, type FileChanges, patchFiles } from "./file-changes";
import { toTokens } from "./tokens";
import { parseStoredJson, type TimelineEntry, toTimelineEntry } from "./timeline";

/** One session with everything its page shows. Each shape is what its reshape function returns. */

const db = () => getDb().kysely;

function toMessageItem(row: MessageRow) {
  return {
    id: row.id,
    sessionId: row.session_id,
    role: row.role,
    parentId: row.parent_id,
    providerId: row.provider_id,
    modelId: row.model_id,
    agent: row.agent,
    mode: row.mode,
    tokens: toTokens(row),
    cost: row.cost,
    createdAt: row.created_at,
    completedAt: row.completed_at,
    finish: row.finish,
    error: row.error,
  };
}
export type MessageItem = ReturnType<typeof toMessageItem>;

/** The list item plus what only the session's own page shows. */
function toSessionInfo(row: SessionListRow) {
  return {
    ...toSessionListItem(row),
    projectId: row.project_id,
    slug: row.slug,
    opencodeVersion: row.opencode_version,
    statusAt: row.status_at,
  };
}
export type SessionInfo = ReturnType<typeof toSessionInfo>;

const toPendingItem = (row: PendingRequestRow) => ({
  id: row.id,
  kind: row.kind,
  summary: row.summary,
  data: parseStoredJson(row.data),
  askedAt: row.asked_at,
});
type PendingItem = ReturnType<typeof toPendingItem>;

type TodoList = { items: unknown[]; updatedAt: number };
type TimelinePage = { entries: TimelineEntry[]; nextCursor: string | null };

export type SessionDetail = {
  session: SessionInfo;
  messages: MessageItem[];
  timeline: TimelinePage;
  children: SessionListItem[];
  pending: PendingItem[];
  todos: TodoList | null;
  fileChanges: FileChanges | null;
};

export async function getSessionInfo(id: string): Promise<SessionInfo | null> {
  const row = await sessionListQuery().where("sessions.id", "=", id).executeTakeFirst();
  return row ? toSessionInfo(row) : null;
}

/** A page of the timeline in (time, id) order; the cursor continues in the same direction. */
async function getTimelinePage(sessionId: string, p: TimelineParams): Promise<TimelinePage> {
  let q = db().selectFrom("timeline").selectAll().where("session_id", "=", sessionId);
  if (p.cursor) {
    const op = sql.raw(p.order === "asc" ? ">" : "<");
    q = q.where(sql<SqlBool>`(time, id) ${op} (${p.cursor.at}, ${Number(p.cursor.id)})`);
  }
  const rows = await q
    .orderBy("time", p.order)
    .orderBy("id", p.order)
    .limit(p.limit + 1)
    .execute();
  const entries = rows.slice(0, p.limit).map(toTimelineEntry);
  const last = entries[entries.length - 1];
  return { entries, nextCursor: rows.length > p.limit && last ? encodeCursor({ at: last.time, id: last.id }) : null };
}

export async function getMessages(sessionId: string): Promise<MessageItem[]> {
  const rows = await db()
    .selectFrom("messages")
    .selectAll()
    .where("session_id", "=", sessionId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toMessageItem);
}

export async function getChildren(sessionId: string): Promise<SessionListItem[]> {
  const rows = await sessionListQuery()
    .where("sessions.parent_id", "=", sessionId)
    .orderBy("sessions.created_at")
    .orderBy("sessions.id")
    .execute();
  return rows.map(toSessionListItem);
}

async function getPending(sessionId: string): Promise<PendingItem[]> {
  const rows = await db()
    .selectFrom("pending_requests")
    .selectAll()
    .where("session_id", "=", sessionId)
    .orderBy("asked_at")
    .orderBy("id")
    .execute();
  return rows.map(toPendingItem);
}

async function getTodos(sessionId: string): Promise<TodoList | null> {
  const row = await db().selectFrom("todos").selectAll().where("session_id", "=", sessionId).executeTakeFirst();
  if (!row) return null;
  const items = parseStoredJson(row.items);
  return { items: Array.isArray(items) ? items : [], updatedAt: row.updated_at };
}

async function getFileChanges(session: SessionInfo): Promise<FileChanges | null> {
  const [latest, patches] = await Promise.all([
    db()
      .selectFrom("timeline")
      .select(["data", "time"])
      .where("session_id", "=", session.id)
      .where("kind", "=", "diff")
      .orderBy("time", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst(),
    db()
      .selectFrom("timeline")
      .select("data")
      .where("session_id", "=", session.id)
      .where("kind", "=", "patch")
      .execute(),
  ]);
  return combineFileChanges({
    summary: session.changes,
    diff: latest ? { data: parseStoredJson(latest.data), time: latest.time } : null,
    patches: patches.map((p) => patchFiles(parseStoredJson(p.data))),
  });
}

export async function getSessionDetail(id: string, timeline: TimelineParams): Promise<SessionDetail | null> {
  const session = await getSessionInfo(id);
  if (!session) return null;
  const [messages, page, children, pending, todos, fileChanges] = await Promise.all([
    getMessages(id),
    getTimelinePage(id, timeline),
    getChildren(id),
    getPending(id),
    getTodos(id),
    getFileChanges(session),
  ]);
  return { session, messages, timeline: page, children, pending, todos, fileChanges };
}

/** The whole timeline, oldest first, for exports. */
export async function getFullTimeline(sessionId: string): Promise<TimelineEntry[]> {
  const rows = await db()
    .selectFrom("timeline")
    .selectAll()
    .where("session_id", "=", sessionId)
    .orderBy("time")
    .orderBy("id")
    .execute();
  return rows.map(toTimelineEntry);
}
