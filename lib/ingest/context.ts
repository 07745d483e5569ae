import { type IngestStore, type MessageUpsert, newSessionDraft, type SessionDraft, type TimelineUpsert } from "../db/ingest-store";
import type { TimelineRow } from "../db/schema";
import type { AttentionChange } from "./attention";
import { mergeTimeline } from "./timeline-merge";

/** What one committed batch changed, for the live push. */
export type IngestChanges = {
  sessions: Set<string>;
  timeline: TimelineRow[];
  attention: Map<string, AttentionChange>;
  instances: Set<string>;
};

export function emptyChanges(): IngestChanges {
  return { sessions: new Set(), timeline: [], attention: new Map(), instances: new Set() };
}

/** A message updated in this batch: what the database holds for it, and the update that wins. */
export type HeldMessage = {
  stored: { progress: number; role: "user" | "assistant"; totals: Totals } | undefined;
  write: MessageUpsert | null;
};

export type Totals = Pick<SessionDraft, "tokens_input" | "tokens_output" | "tokens_reasoning" | "tokens_cache_read" | "tokens_cache_write" | "cost">;

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
  /** Messages updated in the batch, by id. */
  messages: Map<string, HeldMessage>;
  /** Timeline writes in arrival order, by session and key. */
  timeline: Map<string, TimelineUpsert[]>;
  /** Whether someone watches this session live, and so needs its timeline rows back. */
  watching: (sessionId: string) => boolean;
};

export function createContext(store: IngestStore, now: number, watching: (sessionId: string) => boolean): Context {
  return { store, changes: emptyChanges(), now, drafts: new Map(), messages: new Map(), timeline: new Map(), watching };
}

/**
 * The session an event names, created on first sight: whichever event arrives first makes the
 * row, since OpenCode's events can come in any order. Its activity time moves forward only.
 */
export function touchSession(ctx: Context, id: string, origin: { hostname: string; directory: string; time: number }): SessionDraft {
  let draft = ctx.drafts.get(id);
  if (!draft) {
    draft = ctx.store.loadSession(id);
    if (!draft) {
      ctx.store.insertSession({ id, hostname: origin.hostname, directory: origin.directory, time: origin.time, now: ctx.now });
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

const timelineId = (entry: TimelineUpsert) => `${entry.sessionId}\u0000${entry.key}`;

/** Holds a timeline write until the batch ends. */
export function writeTimeline(ctx: Context, entry: TimelineUpsert) {
  const id = timelineId(entry);
  const held = ctx.timeline.get(id);
  if (held) held.push(entry);
  else ctx.timeline.set(id, [entry]);
}

/** Writes an entry at once and returns the merged row (prompts check whether a reply came first). */
export function writeTimelineRow(ctx: Context, entry: TimelineUpsert): TimelineRow {
  writeTimeline(ctx, entry);
  const id = timelineId(entry);
  const row = writeEntry(ctx, ctx.timeline.get(id)!, true)!;
  ctx.timeline.delete(id);
  return row;
}

/**
 * Makes the held timeline writes. Several writes to one entry are folded, starting from the
 * stored row, exactly as the upsert would have merged them one by one, then written once.
 * Statements that touch timeline rows by other keys (promoting a prompt, removals) run after this.
 */
export function writeTimelineHeld(ctx: Context) {
  for (const writes of ctx.timeline.values()) writeEntry(ctx, writes, false);
  ctx.timeline.clear();
}

function writeEntry(ctx: Context, writes: TimelineUpsert[], needRow: boolean): TimelineRow | undefined {
  let entry = writes[0];
  let merged = false;
  if (writes.length > 1) {
    const stored = ctx.store.timelineEntry(entry.sessionId, entry.key);
    entry = stored ?? writes[0];
    for (let i = stored ? 0 : 1; i < writes.length; i++) entry = mergeTimeline(entry, writes[i]);
    // Merged from the stored row already: written as is, not merged with it again.
    merged = stored !== undefined;
  }
  // The stored row comes back only for sessions someone watches (or when asked for).
  const watched = ctx.watching(entry.sessionId);
  if (!watched && !needRow) {
    if (merged) ctx.store.replaceTimelineQuiet(entry, ctx.now);
    else ctx.store.upsertTimelineQuiet(entry, ctx.now);
    return undefined;
  }
  const row = merged ? ctx.store.replaceTimeline(entry, ctx.now) : ctx.store.upsertTimeline(entry, ctx.now);
  if (watched) ctx.changes.timeline.push(row);
  return row;
}

/** A timeline entry that is complete when written (errors, retries, diffs, commands). */
export function simpleEntry(sessionId: string, key: string, kind: TimelineRow["kind"], time: number): TimelineUpsert {
  return {
    sessionId,
    key,
    kind,
    messageId: null,
    time,
    endTime: null,
    status: null,
    tool: null,
    title: null,
    text: null,
    input: null,
    output: null,
    data: null,
    truncated: 0,
    progress: 2,
  };
}
