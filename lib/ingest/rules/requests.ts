import {
  finishedAttention,
  nextPendingAttention,
  outranks,
  permissionDetail,
  questionDetail,
  setAttention,
  turnFinished,
} from "./attention";
import type { Batch } from "../batch-state";
import { simpleEntry } from "./timeline-entry";
import { Progress } from "../progress";
import type { KnownEvent } from "../protocol";
import { capJson } from "../text-cap";
import { claimRequest } from "./claims";

type Of<T extends KnownEvent["type"]> = Extract<KnownEvent, { type: T }>;

/** A prompt asked before the session's latest idle was answered already (the session moved on). */
function answeredByIdle(batch: Batch, sessionId: string, askedAt: number) {
  const draft = batch.draft(sessionId);
  return draft.last_idle_at !== null && draft.last_idle_at >= askedAt;
}

/** permission.asked and question.asked: the session is blocked until its user answers. */
export function applyAsked(batch: Batch, event: Of<"permission.asked"> | Of<"question.asked">) {
  const p = event.properties;
  const kind = event.type === "permission.asked" ? "permission" : "question";
  claimRequest(batch, kind, p, "properties.id");
  const detail =
    event.type === "permission.asked"
      ? permissionDetail(event.properties.permission, event.properties.patterns, event.properties.metadata)
      : questionDetail(event.properties.questions);
  const data =
    event.type === "permission.asked"
      ? {
          patterns: event.properties.patterns,
          always: event.properties.always ?? [],
          tool: event.properties.tool ?? null,
          metadata: event.properties.metadata ?? null,
        }
      : { questions: event.properties.questions };
  const row = batch.writeTimelineRow({
    ...simpleEntry(p.sessionID, `${kind}:${p.id}`, kind, event.time),
    status: "asked",
    title:
      event.type === "permission.asked"
        ? event.properties.permission
        : (event.properties.questions[0]?.header ?? "Question"),
    text: detail,
    data: capJson(data, 8192).value,
    progress: Progress.ongoing,
  });
  if (row.status !== "asked") return; // the reply got here first
  if (answeredByIdle(batch, p.sessionID, event.time)) return;
  batch.store.addPending({
    id: p.id,
    sessionId: p.sessionID,
    kind,
    summary: detail,
    data: capJson(data, 8192).value ?? "{}",
    askedAt: event.time,
  });
  const draft = batch.draft(p.sessionID);
  // A second prompt while one is pending waits its turn; it surfaces when the first is answered.
  const alreadyBlocked = draft.attention_reason === "permission" || draft.attention_reason === "question";
  if (outranks(kind, draft.attention_reason) && !alreadyBlocked) {
    batch.recordAttention(setAttention(draft, { reason: kind, detail, since: event.time, ref: p.id }));
  }
}

/** permission.replied, question.replied, question.rejected. */
export function applyAnswered(
  batch: Batch,
  event: Of<"permission.replied"> | Of<"question.replied"> | Of<"question.rejected">,
) {
  const p = event.properties;
  const kind = event.type === "permission.replied" ? "permission" : "question";
  claimRequest(batch, kind, { id: p.requestID, sessionID: p.sessionID }, "properties.requestID");
  const reply =
    event.type === "permission.replied"
      ? event.properties.reply
      : event.type === "question.rejected"
        ? "rejected"
        : "answered";
  const answers = event.type === "question.replied" ? event.properties.answers : undefined;
  batch.writeTimeline({
    ...simpleEntry(p.sessionID, `${kind}:${p.requestID}`, kind, event.time),
    status: reply,
    end_time: event.time,
    output: answers === undefined ? null : capJson(answers, 4096).value,
  });
  batch.store.removePending(p.requestID);
  const draft = batch.draft(p.sessionID);
  if (draft.attention_ref !== p.requestID) return;
  let next = nextPendingAttention(batch.store, p.sessionID);
  // Late reply: if the turn already ended, what the user is owed is the finished turn.
  if (!next.reason && draft.status === "idle" && turnFinished(draft, draft.last_busy_at, draft.status_at)) {
    next = finishedAttention(draft.status_at);
  }
  batch.recordAttention(setAttention(draft, next));
}
