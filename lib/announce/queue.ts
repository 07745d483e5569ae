import type { AttentionReason } from "../db/schema";
import type { AttentionMessage } from "../realtime/messages";
import type { SessionListItem } from "../sessions/list-item";
import { composeSentence, type SpokenItem } from "./sentence";

/**
 * Decides what the dashboard says and when, with no DOM and no React: attention messages go in,
 * sentences come out. Attention that starts within one short window is said in one sentence;
 * the same attention (session, reason, since) is said once; subagents are silent; so is the
 * session the user is looking at, and any reason the user switched off.
 */

/** What the queue reads of a session, as the board lists it. */
export type KnownSession = Pick<SessionListItem, "id" | "title" | "hostname" | "parentId">;
/** A session's attention as far as saying it goes: which reason, since when. */
export type SessionAttention = Pick<NonNullable<SessionListItem["attention"]>, "reason" | "since">;
export type Reasons = Record<AttentionReason, boolean>;

export type Announcement = { text: string; items: (SpokenItem & { sessionId: string; since: number | null })[] };

export type QueueOptions = {
  /** Session title, host and parent, as last seen (the board's list plus session:upsert). */
  lookup(sessionId: string): KnownSession | undefined;
  /** Which reasons speak right now (the user's settings). */
  reasons(): Reasons;
  /** True while the user looks at this session (its page open in a visible tab, this one or another). */
  isLookingAt(sessionId: string): boolean;
  announce(announcement: Announcement): void;
  /** How long to wait for more attention to say it all at once. */
  windowMs?: number;
  /** The clock: tests pass fake timers. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** How many attention keys are remembered for de-duplication. */
  memory?: number;
};

/** Attention waiting to be said: a message that sets a reason. */
type Pending = Omit<AttentionMessage, "previous" | "reason"> & { reason: AttentionReason };

export type AnnouncementQueue = {
  /** Marks attention that was already there when the page loaded as said. */
  prime(sessions: (Pick<SessionListItem, "id"> & { attention: SessionAttention | null })[]): void;
  attention(message: AttentionMessage): void;
  /** Says what is pending now instead of at the end of the window. */
  flush(): void;
  pending(): number;
  dispose(): void;
};

const attentionKey = (sessionId: string, reason: AttentionReason, since: number | null) =>
  `${sessionId}|${reason}|${since ?? "-"}`;

export function createAnnouncementQueue(options: QueueOptions): AnnouncementQueue {
  const windowMs = options.windowMs ?? 1_500;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  const memory = options.memory ?? 1_000;
  const seen = new Set<string>();
  let pending: Pending[] = [];
  let timer: unknown = null;

  function remember(key: string) {
    seen.add(key);
    if (seen.size > memory) seen.delete(seen.values().next().value!);
  }

  // Checked when attention arrives and again when the window closes: the session's row (with its
  // parentId) may arrive after its attention, and the user may have opened it meanwhile.
  function speaks(item: Pending) {
    if (options.lookup(item.sessionId)?.parentId) return false;
    if (!options.reasons()[item.reason]) return false;
    return !options.isLookingAt(item.sessionId);
  }

  function flush() {
    if (timer !== null) clearTimer(timer);
    timer = null;
    const due = pending.filter(speaks);
    pending = [];
    if (due.length === 0) return;
    const items = due.map((p) => {
      const s = options.lookup(p.sessionId);
      return {
        sessionId: p.sessionId,
        since: p.since,
        reason: p.reason,
        detail: p.detail,
        session: s && { hostname: s.hostname, title: s.title },
      };
    });
    options.announce({ text: composeSentence(items), items });
  }

  return {
    prime(sessions) {
      for (const s of sessions) if (s.attention) remember(attentionKey(s.id, s.attention.reason, s.attention.since));
    },
    attention(message) {
      const key = message.reason && attentionKey(message.sessionId, message.reason, message.since);
      if (key && seen.has(key)) return; // a repeat (a reconnect, a second upsert) changes nothing
      // Whatever the session waited for before is over: a newer reason replaces it, null clears it.
      pending = pending.filter((p) => p.sessionId !== message.sessionId);
      if (message.reason === null || !key) return;
      remember(key);
      const item: Pending = {
        sessionId: message.sessionId,
        reason: message.reason,
        detail: message.detail,
        since: message.since,
      };
      if (!speaks(item)) return;
      pending.push(item);
      timer ??= setTimer(flush, windowMs);
    },
    flush,
    pending: () => pending.length,
    dispose() {
      if (timer !== null) clearTimer(timer);
      timer = null;
      pending = [];
    },
  };
}
