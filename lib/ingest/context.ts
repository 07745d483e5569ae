import { type IngestStore, newSessionDraft, type SessionDraft, type TimelineUpsert } from "../db/ingest-store";
import type { TimelineRow } from "../db/schema";
import type { AttentionChange } from "./attention";

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

/** The state of one batch being applied. */
export type Context = {
  store: IngestStore;
  changes: IngestChanges;
  now: number;
  /** Sessions named in the batch, read once and written back once at the end. */
  drafts: Map<string, SessionDraft>;
  /** Whether someone watches this session live, and so needs its timeline rows back. */
  watching: (sessionId: string) => boolean;
};

export function createContext(store: IngestStore, now: number, watching: (sessionId: string) => boolean): Context {
  return { store, changes: emptyChanges(), now, drafts: new Map(), watching };
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

export function saveDrafts(ctx: Context) {
  for (const draft of ctx.drafts.values()) {
    // Sums of deltas drift in the last bits; cents to ten decimals are exact enough.
    draft.cost = Math.round(draft.cost * 1e10) / 1e10;
    ctx.store.saveSession(draft, ctx.now);
  }
  ctx.drafts.clear();
}

export function recordAttention(ctx: Context, change: AttentionChange | null) {
  if (!change) return;
  const earlier = ctx.changes.attention.get(change.sessionId);
  // Several changes in one batch: report the net one, from the state before the batch.
  ctx.changes.attention.set(change.sessionId, earlier ? { ...change, previous: earlier.previous } : change);
}

/** Writes a timeline entry; the stored row comes back only for sessions someone watches. */
export function writeTimeline(ctx: Context, entry: TimelineUpsert) {
  if (!ctx.watching(entry.sessionId)) return ctx.store.upsertTimelineQuiet(entry, ctx.now);
  ctx.changes.timeline.push(ctx.store.upsertTimeline(entry, ctx.now));
}

/** Like writeTimeline, always returning the merged row (prompts check whether a reply came first). */
export function writeTimelineRow(ctx: Context, entry: TimelineUpsert): TimelineRow {
  const row = ctx.store.upsertTimeline(entry, ctx.now);
  if (ctx.watching(entry.sessionId)) ctx.changes.timeline.push(row);
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
