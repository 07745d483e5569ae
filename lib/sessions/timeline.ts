import type { TimelineKind, TimelineRow } from "../db/schema";

/** One timeline entry as the session page and the live push see it. */
export type TimelineEntry = {
  id: number;
  sessionId: string;
  key: string;
  kind: TimelineKind;
  messageId: string | null;
  time: number;
  endTime: number | null;
  durationMs: number | null;
  status: string | null;
  tool: string | null;
  title: string | null;
  text: string | null;
  input: string | null;
  output: string | null;
  data: unknown;
  truncated: boolean;
  updatedAt: number;
};

export function toTimelineEntry(row: TimelineRow): TimelineEntry {
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
    data: row.data ? JSON.parse(row.data) : null,
    truncated: row.truncated === 1,
    updatedAt: row.updated_at,
  };
}
