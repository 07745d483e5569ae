import type { TimelineUpsert } from "./store";

/** The columns a later write may change, merged by the rule below. */
const merged = [
  "kind",
  "messageId",
  "endTime",
  "status",
  "tool",
  "title",
  "text",
  "input",
  "output",
  "data",
  "truncated",
] as const;

/**
 * What the timeline upsert in lib/db/ingest-store.ts makes of `incoming` arriving on `stored`,
 * computed in memory so a batch can fold several writes to one entry into one statement.
 * Column by column, a write with at least the stored progress wins, keeping old values where it
 * has none; an older write only fills gaps. A prompt stays a prompt; the earlier time stays.
 * tests/unit/timeline-merge.test.ts checks it against SQLite on random sequences.
 */
export function mergeTimeline(stored: TimelineUpsert, incoming: TimelineUpsert): TimelineUpsert {
  const newer = incoming.progress >= stored.progress;
  const out = { ...stored };
  for (const column of merged) {
    const value = newer ? (incoming[column] ?? stored[column]) : (stored[column] ?? incoming[column]);
    (out as Record<string, unknown>)[column] = value;
  }
  if (stored.kind === "prompt" && incoming.kind === "text") out.kind = "prompt";
  out.time = Math.min(stored.time, incoming.time);
  out.progress = Math.max(stored.progress, incoming.progress);
  return out;
}
