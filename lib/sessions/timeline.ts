import type { TimelineRow } from "../db/schema";

/** Rows written before structures were capped whole may hold JSON cut mid-way: kept as text. */
export function parseStoredJson(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function toTimelineEntry(row: TimelineRow) {
  return {
    id: row.id,
    sessionId: row.session_id,
    key: row.key,
    kind: row.kind,
    messageId: row.message_id,
    time: row.time,
    endTime: row.end_time,
    durationMs: row.end_time !== null ? Math.max(0, row.end_time - row.time) : null,
    status: row.status,
    tool: row.tool,
    title: row.title,
    text: row.text,
    input: row.input,
    output: row.output,
    data: parseStoredJson(row.data),
    truncated: row.truncated === 1,
    updatedAt: row.updated_at,
  };
}

/** One timeline entry as the session page and the live push see it: each field typed by its column. */
export type TimelineEntry = ReturnType<typeof toTimelineEntry>;
