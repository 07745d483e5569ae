import type { Attention, IngestStore, SessionState } from "../db/ingest-store";
import type { AttentionReason } from "../db/schema";

/**
 * When a session needs its user. A blocked session (permission, question) outranks an error,
 * which outranks a finished turn: a weaker reason never hides a stronger one.
 */
const rank: Record<AttentionReason, number> = { idle: 1, error: 2, question: 3, permission: 4 };

export const FINISHED_DETAIL = "Finished — waiting for your next prompt";

export type AttentionChange = Attention & { sessionId: string; previous: AttentionReason | null };

export function outranks(next: AttentionReason, current: AttentionReason | null) {
  return current === null || rank[next] >= rank[current];
}

export function permissionDetail(permission: string, patterns: string[], metadata?: Record<string, unknown>) {
  const command = typeof metadata?.command === "string" ? metadata.command : patterns.join(" ");
  return clip(command ? `${permission}: ${command}` : permission);
}

export function questionDetail(questions: { question: string }[]) {
  const first = questions[0]?.question ?? "a question";
  return clip(questions.length > 1 ? `${first} (+${questions.length - 1} more)` : first);
}

function clip(text: string, limit = 500) {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** Sets attention on a session and reports the change, or returns null when nothing changed. */
export function setAttention(
  store: IngestStore,
  sessionId: string,
  state: SessionState,
  next: Attention,
): AttentionChange | null {
  if (state.attention_reason === next.reason && state.attention_ref === next.ref && state.attention_since === next.since) return null;
  store.setAttention(sessionId, next);
  const change = { sessionId, previous: state.attention_reason, ...next };
  state.attention_reason = next.reason;
  state.attention_since = next.since;
  state.attention_ref = next.ref;
  return change;
}

export const noAttention: Attention = { reason: null, detail: null, since: null, ref: null };

/** After a permission or question is answered: the next one still pending, or nothing. */
export function nextPendingAttention(store: IngestStore, sessionId: string): Attention {
  const pending = store.oldestPending(sessionId);
  if (!pending) return noAttention;
  return { reason: pending.kind, detail: pending.summary, since: pending.asked_at, ref: pending.id };
}
