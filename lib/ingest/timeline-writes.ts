import type { TimelineUpsert } from "./store";
import type { TimelineRow } from "../db/schema";
import type { Context } from "./context";
import { mergeTimeline } from "./timeline-merge";

/**
 * Timeline writes of a batch. They are held until the batch ends (./context.ts writeBack):
 * OpenCode updates a part as it goes (a tool call pending, running, completed), and one batch
 * often carries several updates of the same part, which then cost one statement.
 */

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
