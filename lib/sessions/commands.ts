import type BetterSqlite3 from "better-sqlite3";
import { capTombstones } from "../db/upkeep/tombstones";
import { emptyChanges } from "../realtime/changes";
import { getHub, getDb } from "../runtime";
import type { AttentionReason } from "../db/schema";
import { readySql } from "./active";
import { getSessionListItems, type SessionListItem } from "./list-item";

/**
 * What the dashboard's user changes on a session. Each write runs as one synchronous
 * better-sqlite3 transaction: the ingest path writes on the same connection, and an async
 * (kysely) transaction would let its statements land inside ours between awaits.
 */

type Previous = {
  attention_reason: AttentionReason | null;
  attention_detail: string | null;
  attention_since: number | null;
  attention_ref: string | null;
};

const CLEAR_ATTENTION =
  "UPDATE sessions SET attention_reason = NULL, attention_detail = NULL, attention_since = NULL, attention_ref = NULL WHERE id = ?";

/** Tells every dashboard that these sessions' attention was cleared by hand (dismissed). */
function publishCleared(cleared: { id: string; previous: AttentionReason | null }[]) {
  const changes = emptyChanges();
  for (const { id, previous } of cleared) {
    changes.sessions.add(id);
    if (previous !== null)
      changes.attention.set(id, { sessionId: id, reason: null, detail: null, since: null, ref: null, previous });
  }
  getHub()?.publish(changes);
}

/** Clears the attention flag and tells every dashboard; null when there is no such session. */
export async function dismissAttention(id: string): Promise<SessionListItem | null> {
  const { sqlite } = getDb();
  const previous = sqlite.transaction(() => {
    const row = sqlite
      .prepare("SELECT attention_reason, attention_detail, attention_since, attention_ref FROM sessions WHERE id = ?")
      .get(id) as Previous | undefined;
    if (!row) return undefined;
    sqlite.prepare(CLEAR_ATTENTION).run(id);
    return row;
  })();
  if (!previous) return null;
  publishCleared([{ id, previous: previous.attention_reason }]);
  const [item] = await getSessionListItems([id]);
  return item ?? null;
}

/**
 * Remembers deleted sessions by id (a tombstone each, migration 006): OpenCode was not touched and
 * may go on with them, and ingest ignores and counts their later events instead of bringing back
 * a partial session. Kept bounded (lib/db/upkeep/tombstones.ts). Inside the delete's transaction.
 */
function buryTree(sqlite: BetterSqlite3.Database, ids: string[], now: number) {
  const bury = sqlite.prepare(
    `INSERT INTO tombstones (session_id, hostname, deleted_at, last_event_at)
     SELECT id, hostname, @now, @now FROM sessions WHERE id = @id
     ON CONFLICT (session_id) DO UPDATE SET deleted_at = @now, last_event_at = @now`,
  );
  for (const id of ids) bury.run({ id, now });
  capTombstones(sqlite);
}

/**
 * Clears the attention of finished sessions (./active.ts: ready, not blocked), on one host or
 * all, or only those finished before a time, and tells every dashboard; returns how many. The
 * board's "Dismiss all finished" and the age-out sweep (./finished-expiry.ts) both come here.
 */
export function dismissFinished(filter: { hostname?: string; finishedBefore?: number } = {}): number {
  const { kysely, sqlite } = getDb();
  let select = kysely.selectFrom("sessions").select(["id", "attention_reason"]).where(readySql);
  if (filter.hostname !== undefined) select = select.where("hostname", "=", filter.hostname);
  if (filter.finishedBefore !== undefined) select = select.where("attention_since", "<", filter.finishedBefore);
  const query = select.compile();
  const cleared = sqlite.transaction(() => {
    const rows = sqlite.prepare(query.sql).all(...query.parameters) as {
      id: string;
      attention_reason: AttentionReason;
    }[];
    const clear = sqlite.prepare(CLEAR_ATTENTION);
    for (const row of rows) clear.run(row.id);
    return rows;
  })();
  if (cleared.length === 0) return 0;
  publishCleared(cleared.map((row) => ({ id: row.id, previous: row.attention_reason })));
  return cleared.length;
}

/**
 * Deletes a session, its subagent sessions at any depth, and (by ON DELETE CASCADE and the
 * search triggers) every row that hangs off them, leaving a tombstone for each (buryTree), so
 * that no later event brings one back. Returns the deleted ids, or null when there is no such session.
 */
export function deleteSessionTree(id: string): string[] | null {
  const { sqlite } = getDb();
  let parentId: string | null = null;
  const ids = sqlite.transaction(() => {
    parentId =
      (sqlite.prepare("SELECT parent_id FROM sessions WHERE id = ?").pluck().get(id) as string | null | undefined) ??
      null;
    const tree = sqlite
      .prepare(
        `WITH RECURSIVE tree (id) AS (
           SELECT id FROM sessions WHERE id = ?
           UNION SELECT s.id FROM sessions AS s JOIN tree ON s.parent_id = tree.id
         ) SELECT id FROM tree`,
      )
      .pluck()
      .all(id) as string[];
    if (tree.length === 0) return null;
    buryTree(sqlite, tree, Date.now());
    const remove = sqlite.prepare("DELETE FROM sessions WHERE id = ?");
    for (const sessionId of tree) remove.run(sessionId);
    return tree;
  })();
  if (!ids) return null;
  const hub = getHub();
  for (const sessionId of ids) hub?.sessionRemoved(sessionId);
  if (parentId) {
    // The parent stays, with one child fewer on its row.
    const changes = emptyChanges();
    changes.sessions.add(parentId);
    hub?.publish(changes);
  }
  return ids;
}
