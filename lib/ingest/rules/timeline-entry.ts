import type { TimelineRow } from "../../db/schema";
import { Progress } from "../progress";
import type { TimelineUpsert } from "../store";

/** A timeline entry that is complete when written (errors, retries, diffs, commands). */
export function simpleEntry(sessionId: string, key: string, kind: TimelineRow["kind"], time: number): TimelineUpsert {
  return {
    session_id: sessionId,
    key,
    kind,
    message_id: null,
    time,
    end_time: null,
    status: null,
    tool: null,
    title: null,
    text: null,
    input: null,
    output: null,
    data: null,
    truncated: 0,
    progress: Progress.done,
  };
}
