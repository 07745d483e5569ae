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
