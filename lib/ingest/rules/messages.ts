import type { MessageUpsert, SessionDraft } from "../store";
import { type Context, type HeldMessage, sessionDraft, type Totals, writeMessages } from "../context";
import { writeTimelineHeld } from "../timeline-writes";
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
    sessionId: info.sessionID,
    role: info.role,
    parentId: info.parentID ?? null,
    providerId: info.providerID ?? info.model?.providerID ?? null,
    modelId: info.modelID ?? info.model?.modelID ?? null,
    agent: info.agent ?? null,
    mode: info.mode ?? null,
    tokensInput: tokens?.input ?? 0,
    tokensOutput: tokens?.output ?? 0,
    tokensReasoning: tokens?.reasoning ?? 0,
    tokensCacheRead: tokens?.cache.read ?? 0,
    tokensCacheWrite: tokens?.cache.write ?? 0,
    cost: info.cost ?? 0,
    createdAt: info.time.created,
    completedAt: info.time.completed ?? null,
    finish: info.finish ?? null,
    error: error ? error.slice(0, 2000) : null,
    // message.updated repeats as a message streams: a completed one is never overwritten by
    // an in-progress one that arrives late.
    progress: info.role === "user" || info.time.completed !== undefined ? 2 : 1,
  };
}

/** Adds (sign 1) or removes (sign -1) what a message contributes to its session's totals. */
function addTotals(draft: SessionDraft, row: Totals, sign: 1 | -1) {
  for (const column of tokenColumns) draft[column] += sign * row[column];
}

const asTotals = (m: MessageUpsert): Totals => ({
  tokens_input: m.tokensInput,
  tokens_output: m.tokensOutput,
  tokens_reasoning: m.tokensReasoning,
  tokens_cache_read: m.tokensCacheRead,
  tokens_cache_write: m.tokensCacheWrite,
  cost: m.cost,
});

/** The message as the database holds it, or will once the batch's held write is made. */
function held(ctx: Context, id: string): HeldMessage {
  let entry = ctx.messages.get(id);
  if (!entry) {
    const row = ctx.store.messageTotals(id);
    entry = { stored: row && { progress: row.progress, role: row.role, totals: row }, write: null };
    ctx.messages.set(id, entry);
  }
  return entry;
}

/** A message's role, counting updates still held in this batch. */
export function messageRole(ctx: Context, id: string) {
  const entry = ctx.messages.get(id);
  return entry ? (entry.stored?.role ?? entry.write?.role) : ctx.store.messageRole(id);
}

/**
 * message.updated. Session totals move by the difference between the held message and the new
 * one, so a repeated or stale update never counts twice. The write itself waits for the end of
 * the batch, where only the update that wins is made.
 */
export function applyMessage(ctx: Context, info: Info) {
  const message = toUpsert(info);
  const entry = held(ctx, message.id);
  const before = entry.write ? { progress: entry.write.progress, totals: asTotals(entry.write) } : entry.stored;
  // Stale: the held one is further along (the upsert's own rule, see lib/ingest/store.ts).
  if (before && message.progress < before.progress) return;
  // The upsert never changes a stored message's session, role or creation time: the first write sets them.
  entry.write = entry.write
    ? { ...message, sessionId: entry.write.sessionId, role: entry.write.role, createdAt: entry.write.createdAt }
    : message;
  const draft = sessionDraft(ctx, message.sessionId);
  if (!before) draft.message_count++;
  if (message.role === "assistant") {
    if (before) addTotals(draft, before.totals, -1);
    addTotals(draft, asTotals(message), 1);
    // The session shows the model of its latest assistant message.
    if (message.modelId && (draft.model_at === null || message.createdAt >= draft.model_at)) {
      draft.provider_id = message.providerId;
      draft.model_id = message.modelId;
      draft.agent = message.agent ?? draft.agent;
      draft.model_at = message.createdAt;
    }
  } else {
    // Text parts held in this batch must be in the table for the promotion to see them.
    writeTimelineHeld(ctx);
    const promoted = ctx.store.promoteUserText(message.id);
    if (ctx.watching(message.sessionId)) ctx.changes.timeline.push(...promoted);
  }
}

export function removeMessage(ctx: Context, sessionId: string, messageId: string) {
  writeMessages(ctx);
  writeTimelineHeld(ctx);
  const before = ctx.store.messageTotals(messageId);
  if (!before || !ctx.store.removeMessage(sessionId, messageId)) return;
  const draft = sessionDraft(ctx, sessionId);
  draft.message_count--;
  if (before.role === "assistant") addTotals(draft, before, -1);
}
