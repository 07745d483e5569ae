import type { TimelineRow } from "../db/schema";

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
    data: (row.data ? JSON.parse(row.data) : null) as unknown,
    truncated: row.truncated === 1,
    updatedAt: row.updated_at,
  };
}

/** One timeline entry as the session page and the live push see it: each field typed by its column. */
export type TimelineEntry = ReturnType<typeof toTimelineEntry>;
