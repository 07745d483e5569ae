import { getDb } from "../runtime";
import type { SessionRow } from "../db/schema";

const toSessionState = (row: Pick<SessionRow, "id" | "parent_id" | "status" | "attention_reason">) => ({
  id: row.id,
  parentId: row.parent_id,
  status: row.status,
  attention: row.attention_reason,
});

/** A session's state as the board's counters need it. */
export type SessionState = ReturnType<typeof toSessionState>;

/**
 * Every session that is working, retrying, failed or waiting: the counters on top of the board
 * count these across all sessions, whatever the list below is filtered to.
 */
export async function listActiveSessionStates(): Promise<SessionState[]> {
  const rows = await getDb()
    .kysely.selectFrom("sessions")
    .select(["id", "parent_id", "status", "attention_reason"])
    .where((eb) => eb.or([eb("status", "in", ["busy", "retry", "error"]), eb("attention_reason", "is not", null)]))
    .execute();
  return rows.map(toSessionState);
}

/** Whether any session was ever received: the board shows the setup steps until then. */
export async function hasAnySession(): Promise<boolean> {
  const row = await getDb().kysely.selectFrom("sessions").select("id").limit(1).executeTakeFirst();
  return row !== undefined;
}
