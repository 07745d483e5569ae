import type { TimelineRow } from "../db/schema";
import { EventConflict } from "./conflict";
import { type AttentionChange, emptyChanges, type IngestChanges } from "../realtime/changes";
import {
  type IngestStore,
  type MessageTotals,
  type MessageUpsert,
  newSessionDraft,
  type SessionDraft,
  type TimelineUpsert,
} from "./store";

/** What a message adds to its session: tokens and cost. */
export type Totals = Pick<
  SessionDraft,
  "tokens_input" | "tokens_output" | "tokens_reasoning" | "tokens_cache_read" | "tokens_cache_write" | "cost"
>;

/** A message as the database holds it, or will once the batch's held write is made. */
export type HeldMessageState = { sessionId: string; progress: number; role: "user" | "assistant"; totals: Totals };

/** A message updated in this batch: what the database holds for it, and the update that wins. */
type HeldMessage = { stored: HeldMessageState | undefined; write: MessageUpsert | null };

/** Sums of deltas drift in the last bits; cents to ten decimals are exact enough. */
const COST_SCALE = 1e10;

/**
 * One batch being applied: the sessions it names, the writes it holds, and what it changed for
 * the live push. Sessions and messages are held in memory and written once when the batch ends
 * (flush): busy sessions are named by nearly every event, and OpenCode repeats a message's update
 * several times a turn. Timeline entries are written as they come, merged by the store's upsert
 * (the one merge rule, ./store.ts). The rule modules (./rules/) change the batch only through
 * these methods, which also keep its writes in order: a statement that reads what the batch
 * holds makes the held writes first.
 */
export class Batch {
  readonly changes: IngestChanges = emptyChanges();
  /** Sessions named in the batch, read once and written back once at the end. */
  private readonly drafts = new Map<string, SessionDraft>();
  /** Messages updated in the batch, by id. */
  private readonly messages = new Map<string, HeldMessage>();
  /** Sessions deleted on the dashboard that this batch named: their events are ignored. */
  private readonly buried = new Set<string>();
  /** Events ignored per deleted session, not yet counted on its tombstone. */
  private readonly buriedHits = new Map<string, number>();
  /** Events ignored per deleted session over the whole batch, counted on their tombstones. */
  readonly ignoredForDeleted = new Map<string, number>();
  /** Timeline entries written in watched sessions, by session and key: read back once at the end. */
  private watchedEntries: Map<string, { sessionId: string; key: string }> | null = null;

  constructor(
    readonly store: IngestStore,
    readonly now: number,
    /** Whether someone watches this session live, and so needs its timeline rows back. */
    private readonly watching: (sessionId: string) => boolean,
    /** Sessions as the last commit left them (./session-cache.ts), or null: read each. */
    private readonly known: Map<string, SessionDraft> | null = null,
  ) {}

  /**
   * The session an event names, created on first sight: whichever event arrives first makes the
   * row, since OpenCode's events can come in any order. Its activity time moves forward only.
   * Null for a session deleted on the dashboard (or started under one, `parentId`): the event is
   * ignored and counted, so it cannot bring back part of what was deleted.
   */
  session(
    id: string,
    origin: { hostname: string; directory: string; time: number },
    parentId?: string,
  ): SessionDraft | null {
    let draft = this.drafts.get(id);
    if (!draft) {
      const held = this.known?.get(id) ?? this.store.loadSession(id);
      if (!held && this.isBuried(id, origin.hostname, parentId)) {
        this.buriedHits.set(id, (this.buriedHits.get(id) ?? 0) + 1);
        return null;
      }
      // OpenCode's ids are unique per machine in practice; the same one from a second host is
      // another session (or a forged one): it must not change the first host's row.
      if (held && held.hostname !== origin.hostname) {
        throw new EventConflict("hostname", `session ${id} belongs to host ${held.hostname}, not ${origin.hostname}`);
      }
      draft = held;
      if (!draft) {
        this.store.insertSession({
          id,
          hostname: origin.hostname,
          directory: origin.directory,
          time: origin.time,
          now: this.now,
        });
        draft = newSessionDraft(id, origin.hostname, origin.time);
      }
      this.drafts.set(id, draft);
      this.changes.sessions.add(id);
    }
    if (origin.time > draft.last_activity_at) draft.last_activity_at = origin.time;
    return draft;
  }

  /** Whether the session, absent from the database, was deleted on the dashboard (or its parent was). */
  private isBuried(id: string, hostname: string, parentId: string | undefined) {
    if (this.buried.has(id)) return true;
    if (this.store.isTombstoned(id)) return this.buried.add(id) !== undefined;
    if (parentId && (this.buried.has(parentId) || this.store.isTombstoned(parentId))) {
      this.store.addTombstone(id, hostname, this.now);
      return this.buried.add(id) !== undefined;
    }
    return false;
  }

  /** The host a session belongs to, if it is known (held in this batch or stored); it is not created. */
  hostOf(id: string): string | undefined {
    return (this.drafts.get(id) ?? this.known?.get(id) ?? this.store.loadSession(id))?.hostname;
  }

  /** A session already named in this batch. */
  draft(id: string): SessionDraft {
    const draft = this.drafts.get(id);
    if (!draft) throw new Error(`session ${id} was not loaded for this batch`);
    return draft;
  }

  touchInstance(hostname: string) {
    this.store.touchInstance(hostname, this.now);
    this.changes.instances.add(hostname);
  }

  recordAttention(change: AttentionChange | null) {
    if (!change) return;
    const earlier = this.changes.attention.get(change.sessionId);
    // Several changes in one batch: report the net one, from the state before the batch.
    this.changes.attention.set(change.sessionId, earlier ? { ...change, previous: earlier.previous } : change);
  }

  /** A message as the database holds it, counting the update held for it; undefined if unknown. */
  message(id: string): HeldMessageState | undefined {
    let held = this.messages.get(id);
    if (!held) {
      const row = this.store.messageTotals(id);
      held = {
        stored: row && { sessionId: row.session_id, progress: row.progress, role: row.role, totals: row },
        write: null,
      };
      this.messages.set(id, held);
    }
    const write = held.write;
    return write
      ? { sessionId: write.session_id, progress: write.progress, role: write.role, totals: write }
      : held.stored;
  }

  /**
   * Holds the update that now wins for its message, written when the batch ends. As the upsert
   * does, the first write keeps the message's session, role and creation time.
   */
  holdMessage(message: MessageUpsert) {
    const held = this.messages.get(message.id);
    if (!held) this.messages.set(message.id, { stored: undefined, write: message });
    else if (!held.write) held.write = message;
    else {
      const first = held.write;
      held.write = { ...message, session_id: first.session_id, role: first.role, created_at: first.created_at };
    }
  }

  /** A message's role, counting updates still held in this batch. */
  messageRole(id: string) {
    const held = this.messages.get(id);
    return held ? (held.stored?.role ?? held.write?.role) : this.store.messageRole(id);
  }

  /** Removes a message and its timeline; returns what it had counted, or undefined if it was not there. */
  removeMessage(sessionId: string, messageId: string): MessageTotals | undefined {
    this.writeMessages();
    const before = this.store.messageTotals(messageId);
    if (!before || !this.store.removeMessage(sessionId, messageId)) return undefined;
    return before;
  }

  /** Writes a timeline entry, merged with what is stored for it. */
  writeTimeline(entry: TimelineUpsert) {
    this.store.upsertTimelineQuiet(entry, this.now);
    if (this.watching(entry.session_id)) this.watched(entry.session_id, entry.key);
  }

  /** Writes a timeline entry and returns the merged row (prompts check whether a reply came first). */
  writeTimelineRow(entry: TimelineUpsert): TimelineRow {
    const row = this.store.upsertTimeline(entry, this.now);
    if (this.watching(entry.session_id)) this.watched(entry.session_id, entry.key);
    return row;
  }

  /** A user message's text entries become its prompt. */
  promoteUserText(sessionId: string, messageId: string) {
    const promoted = this.store.promoteUserText(messageId);
    if (this.watching(sessionId)) for (const key of promoted) this.watched(sessionId, key);
  }

  removeTimelineEntry(sessionId: string, key: string) {
    this.store.removeTimelineEntry(sessionId, key);
  }

  /** Makes every held write: messages, then sessions; reports the watched timeline rows. */
  flush() {
    this.writeMessages();
    for (const [id, events] of this.buriedHits) {
      this.store.countTombstoned(id, events, this.now);
      this.ignoredForDeleted.set(id, (this.ignoredForDeleted.get(id) ?? 0) + events);
    }
    this.buriedHits.clear();
    for (const draft of this.drafts.values()) {
      draft.cost = Math.round(draft.cost * COST_SCALE) / COST_SCALE;
      this.store.saveSession(draft, this.now);
      this.known?.set(draft.id, draft);
    }
    this.drafts.clear();
    if (this.watchedEntries) {
      for (const { sessionId, key } of this.watchedEntries.values()) {
        const row = this.store.timelineRow(sessionId, key);
        if (row) this.changes.timeline.push(row);
      }
      this.watchedEntries = null;
    }
  }

  /** Forgets what a failed event left held (its savepoint undid what it wrote). */
  drop() {
    this.drafts.clear();
    this.buried.clear();
    this.buriedHits.clear();
    this.messages.clear();
    this.watchedEntries = null;
  }

  private writeMessages() {
    for (const held of this.messages.values()) if (held.write) this.store.upsertMessage(held.write);
    this.messages.clear();
  }

  /**
   * Notes an entry for the live push, read back when the batch ends: one row per entry and batch,
   * however many times the batch wrote it.
   */
  private watched(sessionId: string, key: string) {
    (this.watchedEntries ??= new Map()).set(`${sessionId}\u0000${key}`, { sessionId, key });
  }
}
