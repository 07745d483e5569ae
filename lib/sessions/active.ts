import type { ExpressionBuilder } from "kysely";
import type { AttentionReason, Database, SessionStatus } from "../db/schema";

/**
 * Which sessions count as working, failed or waiting: the one definition behind the board's
 * counters and group headings, its "Waiting for you" filter, the Hosts page's counts and the
 * list of active sessions, in TypeScript (for rows the browser holds) and in SQL (for counts the
 * database makes), both built from the lists below. Types only from kysely and lib/db, so the
 * browser can import the predicates.
 */

/** A turn is running; a retry is a turn waiting out a provider error before it tries again. */
const WORKING_STATUSES = ["busy", "retry"] as const satisfies readonly SessionStatus[];
/** The last turn ended in an error. */
const FAILED_STATUSES = ["error"] as const satisfies readonly SessionStatus[];
/** Working or failed: every status but idle. */
const ACTIVE_STATUSES = [...WORKING_STATUSES, ...FAILED_STATUSES];

/** A session's state as the board's counters need it. */
export type SessionState = {
  id: string;
  parentId: string | null;
  /** Whose host decides whether it is stale (see staleReason below). */
  hostname: string;
  status: SessionStatus;
  attention: AttentionReason | null;
};

const isOneOf = (statuses: readonly SessionStatus[], status: SessionStatus) => statuses.includes(status);

export const isWorking = (s: { status: SessionStatus }) => isOneOf(WORKING_STATUSES, s.status);
export const isFailed = (s: { status: SessionStatus }) => isOneOf(FAILED_STATUSES, s.status);
/** Waiting for the user: its attention flag is set (a list item carries it as an object, a state as the reason). */
export const isWaiting = (s: { attention: object | string | null }) => s.attention !== null;
/** Working, failed or waiting: what the board's counters follow whatever the list shows. */
export const isActive = (s: { status: SessionStatus; attention: object | string | null }) =>
  isOneOf(ACTIVE_STATUSES, s.status) || isWaiting(s);

type Sessions = ExpressionBuilder<Database, "sessions">;

export const workingSql = (eb: Sessions) => eb("sessions.status", "in", WORKING_STATUSES);
export const failedSql = (eb: Sessions) => eb("sessions.status", "in", FAILED_STATUSES);
export const waitingSql = (eb: Sessions) => eb("sessions.attention_reason", "is not", null);
export const activeSql = (eb: Sessions) => eb.or([eb("sessions.status", "in", ACTIVE_STATUSES), waitingSql(eb)]);

/**
 * Stale: the row no longer describes a live session, so it is neither working nor waiting,
 * whatever its status and attention columns last said. Either OpenCode deleted it
 * (`session.deleted`), or its host is offline: the host's plugin sent heartbeats (every 30 s)
 * and the last one is OFFLINE_AFTER_SECONDS old (lib/config.ts). A host that never sent a
 * heartbeat is not judged. The host's side is given as the moment it goes offline unless it is
 * heard from again (`hostOfflineAt`), so a view can judge against a ticking clock, and in SQL as
 * the newest heartbeat that counts as offline at a given time (`offlineHeartbeatCutoff`).
 */
export const hostOfflineAt = (lastHeartbeat: number | null, offlineAfterMs: number) =>
  lastHeartbeat === null ? null : lastHeartbeat + offlineAfterMs;
export const offlineHeartbeatCutoff = (now: number, offlineAfterMs: number) => now - offlineAfterMs;
export const isHostOffline = (offlineAt: number | null | undefined, now: number) =>
  offlineAt !== null && offlineAt !== undefined && now >= offlineAt;

/** Why a session is stale, as the board and the session page say it; null when it is not. */
export type StaleReason = "deleted" | "host_offline";

export function staleReason(s: { deletedAt: number | null }, hostOffline: boolean): StaleReason | null {
  if (s.deletedAt !== null) return "deleted";
  return hostOffline ? "host_offline" : null;
}

/** `cutoff`: offlineHeartbeatCutoff(now, offlineAfterMs), the same rule as isHostOffline(hostOfflineAt(…), now). */
export const staleSql = (eb: Sessions, cutoff: number) =>
  eb.or([
    eb("sessions.deleted_at", "is not", null),
    eb.exists(
      eb
        .selectFrom("instances")
        .select("instances.hostname")
        .whereRef("instances.hostname", "=", "sessions.hostname")
        .where("instances.last_heartbeat", "<=", cutoff),
    ),
  ]);
/** Counted (not stale): what the working and waiting counts add up. */
export const countedSql = (eb: Sessions, cutoff: number) => eb.not(staleSql(eb, cutoff));
