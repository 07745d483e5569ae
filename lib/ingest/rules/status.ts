import {
  finishedAttention,
  nextPendingAttention,
  noAttention,
  outranks,
  setAttention,
  turnFinished,
} from "./attention";
import type { Batch } from "../batch-state";
import { simpleEntry } from "./timeline-entry";
import { cap } from "../text-cap";

/**
 * session.status and session.idle. OpenCode does not await its plugin hooks, so statuses can
 * arrive out of order: event time decides, and the latest busy and idle times are kept so that
 * a finished turn is recognised whatever order its events came in.
 */
export function applyStatus(
  batch: Batch,
  sessionId: string,
  status: "busy" | "idle" | "retry",
  time: number,
  retry?: { attempt?: number; message?: string; next?: number },
) {
  const draft = batch.draft(sessionId);
  const before = {
    status: draft.status,
    statusAt: draft.status_at,
    lastBusy: draft.last_busy_at,
    lastIdle: draft.last_idle_at,
  };
  if (status === "busy" && (draft.last_busy_at === null || time > draft.last_busy_at)) draft.last_busy_at = time;
  if (status === "idle" && (draft.last_idle_at === null || time > draft.last_idle_at)) draft.last_idle_at = time;

  if (time < before.statusAt) {
    // A late busy whose turn already ended in the idle we hold: that idle was a finished turn.
    const unseenBusy = status === "busy" && (before.lastBusy === null || before.lastBusy < time);
    if (
      unseenBusy &&
      before.status === "idle" &&
      draft.attention_reason === null &&
      turnFinished(draft, time, before.statusAt)
    ) {
      batch.recordAttention(setAttention(draft, finishedAttention(before.statusAt)));
    }
    // OpenCode's twin idles arrived newest first: the turn ended at the earlier one.
    const earlierTwin = status === "idle" && draft.attention_reason === "idle" && (draft.attention_since ?? 0) > time;
    if (earlierTwin && before.lastBusy !== null && before.lastBusy <= time) {
      batch.recordAttention(setAttention(draft, finishedAttention(time)));
    }
    return;
  }

  let next = status as typeof draft.status;
  if (status === "busy") {
    if (
      (draft.attention_reason === "idle" || draft.attention_reason === "error") &&
      (draft.attention_since ?? 0) <= time
    ) {
      batch.recordAttention(setAttention(draft, noAttention));
    }
  } else if (status === "idle") {
    // A session blocked on a prompt stays busy; idle after the prompt means it was answered,
    // even if the reply never reached us.
    const blocked = draft.attention_reason === "permission" || draft.attention_reason === "question";
    if (batch.store.removePendingBefore(sessionId, time) > 0 && blocked) {
      batch.recordAttention(setAttention(draft, nextPendingAttention(batch.store, sessionId)));
    }
    // OpenCode goes idle right after an error; the error stays what the session shows.
    if (before.status === "error") next = "error";
    // The first idle after a busy ends the turn; the twin `session.idle` and repeated idles
    // after Esc do not end another.
    const firstIdle = before.lastIdle === null || (before.lastBusy !== null && before.lastIdle < before.lastBusy);
    if (firstIdle && turnFinished(draft, before.lastBusy, time) && outranks("idle", draft.attention_reason)) {
      batch.recordAttention(setAttention(draft, finishedAttention(time)));
    }
  } else {
    batch.writeTimeline({
      ...simpleEntry(sessionId, `retry:${time}:${retry?.attempt ?? 0}`, "retry", time),
      title: `Retry ${retry?.attempt ?? ""}`.trim(),
      text: cap(retry?.message).value,
      data: retry?.next ? JSON.stringify({ next: retry.next }) : null,
    });
  }

  draft.status = next;
  draft.status_at = time;
  draft.retry_attempt = status === "retry" ? (retry?.attempt ?? null) : null;
  draft.retry_message = status === "retry" ? (retry?.message ?? null) : null;
  draft.retry_next = status === "retry" ? (retry?.next ?? null) : null;
  if (next !== "error") draft.error_message = null;
}

/** session.error: an abort (Esc) only marks the turn; any other error needs the user. */
export function applyError(
  batch: Batch,
  sessionId: string,
  eventId: string,
  time: number,
  error?: { name?: string; data?: { message?: string } },
) {
  const draft = batch.draft(sessionId);
  const aborted = error?.name === "MessageAbortedError";
  const message = error?.data?.message || error?.name || "Unknown error";
  batch.writeTimeline({
    ...simpleEntry(sessionId, `error:${eventId}`, "error", time),
    status: aborted ? "aborted" : "error",
    title: error?.name ?? null,
    text: cap(message).value,
  });
  // An error from a turn that a later busy has already replaced changes nothing.
  if (draft.last_busy_at !== null && draft.last_busy_at > time) return;
  if (aborted) {
    // The user pressed Esc and is right there: the idle that follows is not a finished turn.
    if (draft.aborted_at === null || time > draft.aborted_at) draft.aborted_at = time;
    if (draft.attention_reason === "idle" && (draft.attention_since ?? 0) >= time) {
      batch.recordAttention(setAttention(draft, noAttention));
    }
    return;
  }
  draft.status = "error";
  draft.status_at = Math.max(draft.status_at, time);
  draft.error_message = message.slice(0, 2000);
  if (outranks("error", draft.attention_reason)) {
    batch.recordAttention(
      setAttention(draft, { reason: "error", detail: message.slice(0, 500), since: time, ref: null }),
    );
  }
}
