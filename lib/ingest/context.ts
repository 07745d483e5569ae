import { type IngestStore, type MessageUpsert, newSessionDraft, type SessionDraft, type TimelineUpsert } from "./store";
import type { TimelineRow } from "../db/schema";
import { type AttentionChange, emptyChanges, type IngestChanges } from "../realtime/changes";
import { writeTimelineHeld } from "./timeline-writes";

/** A message updated in this batch: what the database holds for it, and the update that wins. */
export type HeldMessage = {
  stored: { progress: number; role: "user" | "assistant"; totals: Totals } | undefined;
  write: MessageUpsert | null;
};

export type Totals = Pick<
  SessionDraft,
  "tokens_input" | "tokens_output" | "tokens_reasoning" | "tokens_cache_read" | "tokens_cache_write" | "cost"
>;

/**
 * The state of one batch being applied. Writes are held in memory and made once when the batch
 * ends (writeBack): OpenCode repeats its updates (a message three times a turn, a tool call
 * running then completed), and most repeats arrive in the same batch.
 */
export type Context = {
  store: IngestStore;
  changes: IngestChanges;
  now: number;
  /** Sessions named in the batch, read once and written back once at the end. */
  drafts: Map<string, SessionDraft>;
  /** Sessions as the last commit left them (./session-cache.ts), or null: read each. */
  known: Map<string, SessionDraft> | null;
  /** Messages updated in the batch, by id. */
  messages: Map<string, HeldMessage>;
  /** Timeline writes in arrival order, by session and key. */
  timeline: Map<string, TimelineUpsert[]>;
  /** Whether someone watches this session live, and so needs its timeline rows back. */
  watching: (sessionId: string) => boolean;
};

export function createContext(
  store: IngestStore,
  now: number,
  watching: (sessionId: string) => boolean,
  known: Map<string, SessionDraft> | null = null,
): Context {
  return {
    store,
    changes: emptyChanges(),
    now,
    drafts: new Map(),
    known,
    messages: new Map(),
    timeline: new Map(),
    watching,
  };
}

/**
 * The session an event names, created on first sight: whichever event arrives first makes the
 * row, since OpenCode's events can come in any order. Its activity time moves forward only.
 */
export function touchSession(
  ctx: Context,
  id: string,
  origin: { hostname: string; directory: string; time: number },
): SessionDraft {
  let draft = ctx.drafts.get(id);
  if (!draft) {
    draft = ctx.known?.get(id) ?? ctx.store.loadSession(id);
    if (!draft) {
      ctx.store.insertSession({
        id,
        hostname: origin.hostname,
        directory: origin.directory,
        time: origin.time,
        now: ctx.now,
      });
      draft = newSessionDraft(id, origin.time);
    }
    ctx.drafts.set(id, draft);
    ctx.changes.sessions.add(id);
  }
  if (origin.time > draft.last_activity_at) draft.last_activity_at = origin.time;
  return draft;
}

/** A session already touched in this batch. */
export function sessionDraft(ctx: Context, id: string): SessionDraft {
  const draft = ctx.drafts.get(id);
  if (!draft) throw new Error(`session ${id} was not loaded for this batch`);
  return draft;
}

/** Makes the held message writes. */
export function writeMessages(ctx: Context) {
  for (const held of ctx.messages.values()) if (held.write) ctx.store.upsertMessage(held.write);
  ctx.messages.clear();
}

/** Makes every held write of the batch: messages, timeline entries, then sessions. */
export function writeBack(ctx: Context) {
  writeMessages(ctx);
  writeTimelineHeld(ctx);
  for (const draft of ctx.drafts.values()) {
    // Sums of deltas drift in the last bits; cents to ten decimals are exact enough.
    draft.cost = Math.round(draft.cost * 1e10) / 1e10;
    ctx.store.saveSession(draft, ctx.now);
    ctx.known?.set(draft.id, draft);
  }
  ctx.drafts.clear();
}

/** Forgets what a failed event left held (its savepoint undid what it wrote). */
export function dropHeld(ctx: Context) {
  ctx.drafts.clear();
  ctx.messages.clear();
  ctx.timeline.clear();
}

export function recordAttention(ctx: Context, change: AttentionChange | null) {
  if (!change) return;
  const earlier = ctx.changes.attention.get(change.sessionId);
  // Several changes in one batch: report the net one, from the state before the batch.
  ctx.changes.attention.set(change.sessionId, earlier ? { ...change, previous: earlier.previous } : change);
}
