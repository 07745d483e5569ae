import { sql } from "kysely";
import { getDb } from "../runtime";
import type { SessionRow } from "../db/schema";
import { toTokens } from "./tokens";

/** The row a session list reads: the session and how many subagent sessions it has. */
export type SessionListRow = SessionRow & { child_count: number };

export function toSessionListItem(row: SessionListRow) {
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
    tokens: toTokens(row),
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

/**
 * A session as the board lists it; the same shape goes out over socket.io and /api/sessions.
 * It is what toSessionListItem returns, so each field is typed by the column it comes from.
 */
export type SessionListItem = ReturnType<typeof toSessionListItem>;

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
