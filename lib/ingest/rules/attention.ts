import type { Attention, AttentionChange } from "../../realtime/changes";
import type { IngestStore, SessionDraft } from "../store";
import type { AttentionReason } from "../../db/schema";
import { permissionSubject } from "../../sessions/blocking-context";

/**
 * When a session needs its user. A blocked session (permission, question) outranks an error,
 * which outranks a finished turn: a weaker reason never hides a stronger one.
 */
const rank: Record<AttentionReason, number> = { idle: 1, error: 2, question: 3, permission: 4 };

export const FINISHED_DETAIL = "Finished — waiting for your next prompt";

export const noAttention: Attention = { reason: null, detail: null, since: null, ref: null };

export function outranks(next: AttentionReason, current: AttentionReason | null) {
  return current === null || rank[next] >= rank[current];
}

export const finishedAttention = (since: number): Attention => ({
  reason: "idle",
  detail: FINISHED_DETAIL,
  since,
  ref: null,
});

/** "bash: npm test", "external_directory: /etc/hosts": the command or file, not only the glob. */
export function permissionDetail(permission: string, patterns: string[], metadata?: Record<string, unknown>) {
  const subject = permissionSubject(metadata, patterns);
  return clip(subject ? `${permission}: ${subject}` : permission);
}

export function questionDetail(questions: { question: string }[]) {
  const first = questions[0]?.question ?? "a question";
  return clip(questions.length > 1 ? `${first} (+${questions.length - 1} more)` : first);
}

function clip(text: string, limit = 500) {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/**
 * Sets attention on a session draft and reports the change, or null when nothing changed. A
 * session deleted in OpenCode never needs its user again, whatever late event still arrives.
 */
export function setAttention(draft: SessionDraft, next: Attention): AttentionChange | null {
  if (next.reason !== null && draft.deleted_at !== null) return null;
  if (
    draft.attention_reason === next.reason &&
    draft.attention_ref === next.ref &&
    draft.attention_since === next.since
  ) {
    return null;
  }
  const change = { sessionId: draft.id, previous: draft.attention_reason, ...next };
  draft.attention_reason = next.reason;
  draft.attention_detail = next.detail;
  draft.attention_since = next.since;
  draft.attention_ref = next.ref;
  return change;
}

/** After a permission or question is answered: the next one still pending, or nothing. */
export function nextPendingAttention(store: IngestStore, sessionId: string): Attention {
  const pending = store.oldestPending(sessionId);
  if (!pending) return noAttention;
  return { reason: pending.kind, detail: pending.summary, since: pending.asked_at, ref: pending.id };
}

/**
 * Whether the idle at `idleAt` ends a turn the user should hear about: a root session, a busy
 * before it, and no Esc (abort) during that turn.
 */
export function turnFinished(draft: SessionDraft, busyAt: number | null, idleAt: number) {
  if (draft.parent_id || busyAt === null || busyAt > idleAt) return false;
  return draft.aborted_at === null || draft.aborted_at < busyAt;
}
