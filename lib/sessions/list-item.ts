import { sql } from "kysely";
import { getDb } from "../runtime";
import type { AttentionReason, SessionRow, SessionStatus } from "../db/schema";

/** A session as the board lists it; the same shape goes out over socket.io and /api/sessions. */
export type SessionListItem = {
  id: string;
  title: string;
  hostname: string;
  directory: string;
  parentId: string | null;
  status: SessionStatus;
  attention: { reason: AttentionReason; detail: string | null; since: number } | null;
  providerId: string | null;
  modelId: string | null;
  agent: string | null;
  tokens: { input: number; output: number; reasoning: number; cacheRead: number; cacheWrite: number; total: number };
  cost: number;
  messageCount: number;
  childCount: number;
  retry: { attempt: number | null; message: string | null; next: number | null } | null;
  errorMessage: string | null;
  changes: { additions: number; deletions: number; files: number } | null;
  createdAt: number;
  updatedAt: number;
  lastActivityAt: number;
  deletedAt: number | null;
};

export function toSessionListItem(row: SessionRow & { child_count: number }): SessionListItem {
  const tokens = {
    input: row.tokens_input,
    output: row.tokens_output,
    reasoning: row.tokens_reasoning,
    cacheRead: row.tokens_cache_read,
    cacheWrite: row.tokens_cache_write,
  };
  return {
    id: row.id,
    title: row.title,
    hostname: row.hostname,
    directory: row.directory,
    parentId: row.parent_id,
    status: row.status,
    attention:
      row.attention_reason && row.attention_since !== null
        ? { reason: row.attention_reason, detail: row.attention_detail, since: row.attention_since }
        : null,
    providerId: row.provider_id,
    modelId: row.model_id,
    agent: row.agent,
    tokens: {
      ...tokens,
      total: tokens.input + tokens.output + tokens.reasoning + tokens.cacheRead + tokens.cacheWrite,
    },
    cost: row.cost,
    messageCount: row.message_count,
    childCount: row.child_count,
    retry:
      row.status === "retry" ? { attempt: row.retry_attempt, message: row.retry_message, next: row.retry_next } : null,
    errorMessage: row.error_message,
    changes:
      row.files_changed !== null
        ? { additions: row.additions ?? 0, deletions: row.deletions ?? 0, files: row.files_changed }
        : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastActivityAt: row.last_activity_at,
    deletedAt: row.deleted_at,
  };
}

export function sessionListQuery() {
  return getDb()
    .kysely.selectFrom("sessions")
    .selectAll("sessions")
    .select(sql<number>`(SELECT count(*) FROM sessions AS c WHERE c.parent_id = sessions.id)`.as("child_count"));
}

export async function getSessionListItems(ids: string[]): Promise<SessionListItem[]> {
  if (ids.length === 0) return [];
  const rows = await sessionListQuery().where("id", "in", ids).execute();
  return rows.map(toSessionListItem);
}
