import type { MessageUpsert, SessionDraft } from "../store";
import type { Batch, Totals } from "../batch-state";
import { EventConflict } from "../conflict";
import { Progress } from "../progress";
import type { KnownEvent } from "../protocol";

type Info = Extract<KnownEvent, { type: "message.updated" }>["properties"]["info"];

const tokenColumns = [
  "tokens_input",
  "tokens_output",
  "tokens_reasoning",
  "tokens_cache_read",
  "tokens_cache_write",
  "cost",
] as const;

function toUpsert(info: Info): MessageUpsert {
  const tokens = info.tokens;
  const error = info.error
    ? ((info.error.data as { message?: string } | undefined)?.message ?? info.error.name ?? "error")
    : null;
  return {
    id: info.id,
    session_id: info.sessionID,
    role: info.role,
    parent_id: info.parentID ?? null,
    provider_id: info.providerID ?? info.model?.providerID ?? null,
    model_id: info.modelID ?? info.model?.modelID ?? null,
    agent: info.agent ?? null,
    mode: info.mode ?? null,
    tokens_input: tokens?.input ?? 0,
    tokens_output: tokens?.output ?? 0,
    tokens_reasoning: tokens?.reasoning ?? 0,
    tokens_cache_read: tokens?.cache.read ?? 0,
    tokens_cache_write: tokens?.cache.write ?? 0,
    cost: info.cost ?? 0,
    created_at: info.time.created,
    completed_at: info.time.completed ?? null,
    finish: info.finish ?? null,
    error: error ? error.slice(0, 2000) : null,
    // message.updated repeats as a message streams: a completed one is never overwritten by
    // an in-progress one that arrives late.
    progress: info.role === "user" || info.time.completed !== undefined ? Progress.done : Progress.ongoing,
  };
}

/** Adds (sign 1) or removes (sign -1) what a message contributes to its session's totals. */
function addTotals(draft: SessionDraft, row: Totals, sign: 1 | -1) {
  for (const column of tokenColumns) draft[column] += sign * row[column];
}

/**
 * message.updated. Session totals move by the difference between the held message and the new
 * one, so a repeated or stale update never counts twice. The write itself waits for the end of
 * the batch, where only the update that wins is made.
 */
export function applyMessage(batch: Batch, info: Info) {
  const message = toUpsert(info);
  const before = batch.message(message.id);
  // A message belongs to one session: a later claim by another would move its totals.
  if (before && before.sessionId !== message.session_id) {
    throw new EventConflict(
      "properties.info.sessionID",
      `message ${message.id} belongs to session ${before.sessionId}, not ${message.session_id}`,
    );
  }
  // The one rule for which update of a message wins (the store's upsert writes what is held):
  // one at least as far along as the stored or held one, so a late in-progress update never
  // overwrites a completed message nor moves its totals.
  if (before && message.progress < before.progress) return;
  batch.holdMessage(message);
  const draft = batch.draft(message.session_id);
  if (!before) draft.message_count++;
  if (message.role === "assistant") {
    if (before) addTotals(draft, before.totals, -1);
    addTotals(draft, message, 1);
    // The session shows the model of its latest assistant message.
    if (message.model_id && (draft.model_at === null || message.created_at >= draft.model_at)) {
      draft.provider_id = message.provider_id;
      draft.model_id = message.model_id;
      draft.agent = message.agent ?? draft.agent;
      draft.model_at = message.created_at;
    }
  } else {
    batch.promoteUserText(message.session_id, message.id);
  }
}

export function removeMessage(batch: Batch, sessionId: string, messageId: string) {
  const before = batch.removeMessage(sessionId, messageId);
  if (!before) return;
  const draft = batch.draft(sessionId);
  draft.message_count--;
  if (before.role === "assistant") addTotals(draft, before, -1);
}
