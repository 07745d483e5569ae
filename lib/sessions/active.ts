import type { ExpressionBuilder } from "kysely";
import type { AttentionReason, Database, SessionStatus } from "../db/schema";

/**
 * Which sessions count as working, failed, blocked or ready: the one definition behind the
 * board's counters, pinned rows and group headings, its Status filter and /api/sessions?status=,
 * the Hosts page's counts and the list of active sessions, in TypeScript (for rows the browser
 * holds) and in SQL (for counts the database makes), both built from the lists below. Types only
 * from kysely and lib/db, so the browser can import the predicates.
 */

/** A turn is running; a retry is a turn waiting out a provider error before it tries again. */
const WORKING_STATUSES = ["busy", "retry"] as const satisfies readonly SessionStatus[];
/** The last turn ended in an error. */
const FAILED_STATUSES = ["error"] as const satisfies readonly SessionStatus[];
/** Working or failed: every status but idle. */
const ACTIVE_STATUSES = [...WORKING_STATUSES, ...FAILED_STATUSES];

/**
 * Blocked on the user: nothing moves until they answer a permission or a question, or look at an
 * error. OpenCode keeps a session busy while it waits for an answer, so blocked is never working.
 */
const BLOCKED_REASONS = ["permission", "question", "error"] as const satisfies readonly AttentionReason[];
/**
 * Ready: the turn finished and the session waits for a next prompt. Worth a look, blocks nothing,
 * and ages out (lib/sessions/finished-expiry.ts).
 */
const READY_REASONS = ["idle"] as const satisfies readonly AttentionReason[];

/**
 * A session's state as the board's counters need it, and no more: the board's HTML carries one
 * for every active session (`npm run bench -- board`).
 */
export type SessionState = {
  id: string;
  /** Whose host decides whether it is stale (see staleReason below). */
  hostname: string;
  status: SessionStatus;
  attention: AttentionReason | null;
};

/**
 * A state as the board's HTML carries it: a tuple. The page holds one for every active session
 * (thousands of finished turns, before they age out), and the key names repeated for each were a
 * third of the board's HTML.
 */
export type PackedState = [id: string, hostname: string, status: SessionStatus, attention: AttentionReason | null];
export const packState = (s: SessionState): PackedState => [s.id, s.hostname, s.status, s.attention];
export const unpackState = ([id, hostname, status, attention]: PackedState): SessionState => ({
  id,
  hostname,
  status,
  attention,
});

/** A list item carries its attention as an object, a state as the reason. */
type WithAttention = { attention: { reason: AttentionReason } | AttentionReason | null };
type WithStatus = { status: SessionStatus };

const isOneOf = <T extends string>(list: readonly T[], value: T | null) => value !== null && list.includes(value);
const reasonOf = (s: WithAttention) => (typeof s.attention === "string" ? s.attention : (s.attention?.reason ?? null));

export const isBlocked = (s: WithAttention) => isOneOf(BLOCKED_REASONS, reasonOf(s));
export const isReady = (s: WithAttention) => isOneOf(READY_REASONS, reasonOf(s));
/** Waiting for the user, blocked or ready: its attention flag is set. */
export const isWaiting = (s: WithAttention) => reasonOf(s) !== null;
/** A turn is running and the session is not blocked on the user. */
export const isWorking = (s: WithStatus & WithAttention) => isOneOf(WORKING_STATUSES, s.status) && !isBlocked(s);
export const isFailed = (s: WithStatus) => isOneOf(FAILED_STATUSES, s.status);
/** Working, failed or waiting: what the board's counters follow whatever the list shows. */
export const isActive = (s: WithStatus & WithAttention) => isOneOf(ACTIVE_STATUSES, s.status) || isWaiting(s);

type Sessions = ExpressionBuilder<Database, "sessions">;

export const blockedSql = (eb: Sessions) => eb("sessions.attention_reason", "in", BLOCKED_REASONS);
export const readySql = (eb: Sessions) => eb("sessions.attention_reason", "in", READY_REASONS);
export const waitingSql = (eb: Sessions) => eb("sessions.attention_reason", "is not", null);
// `NOT IN` is NULL, not true, on a session without attention: hence the explicit IS NULL.
const notBlockedSql = (eb: Sessions) =>
  eb.or([eb("sessions.attention_reason", "is", null), eb("sessions.attention_reason", "not in", BLOCKED_REASONS)]);
export const workingSql = (eb: Sessions) => eb.and([eb("sessions.status", "in", WORKING_STATUSES), notBlockedSql(eb)]);
export const failedSql = (eb: Sessions) => eb("sessions.status", "in", FAILED_STATUSES);
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
/** Online: heard from (a heartbeat) and not offline yet. A host never heard from is neither. */
export const isHostOnline = (offlineAt: number | null | undefined, now: number) =>
  offlineAt !== null && offlineAt !== undefined && now < offlineAt;

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

type Filter = { is: (s: WithStatus & WithAttention) => boolean; sql: (eb: Sessions) => ReturnType<typeof waitingSql> };

const statusIs = (status: SessionStatus): Filter => ({
  is: (s) => s.status === status && !isBlocked(s),
  sql: (eb) => eb.and([eb("sessions.status", "=", status), notBlockedSql(eb)]),
});
const reasonIs = (reason: AttentionReason): Filter => ({
  is: (s) => reasonOf(s) === reason,
  sql: (eb) => eb("sessions.attention_reason", "=", reason),
});

/**
 * What a session list can be filtered to (the board's Status filter and /api/sessions?status=,
 * several at once meaning any of them). A status filter leaves blocked sessions out, as the
 * counters do; `idle` is the status, finished turns included.
 */
export const SESSION_FILTERS = {
  blocked: { is: isBlocked, sql: blockedSql },
  permission: reasonIs("permission"),
  question: reasonIs("question"),
  error: { is: isFailed, sql: failedSql },
  finished: { is: isReady, sql: readySql },
  attention: { is: isWaiting, sql: waitingSql },
  working: { is: isWorking, sql: workingSql },
  busy: statusIs("busy"),
  retry: statusIs("retry"),
  idle: { is: (s) => s.status === "idle", sql: (eb) => eb("sessions.status", "=", "idle") },
} satisfies Record<string, Filter>;

export type SessionFilter = keyof typeof SESSION_FILTERS;
export const SESSION_FILTER_NAMES = Object.keys(SESSION_FILTERS) as [SessionFilter, ...SessionFilter[]];
