import { Progress } from "../progress";
import type { TimelineUpsert } from "../store";
import { simpleEntry } from "./timeline-entry";
import { cap, capJson } from "../text-cap";
import type { WirePart } from "../protocol";

type Part = WirePart;

const toolProgress: Record<string, Progress> = {
  pending: Progress.pending,
  running: Progress.ongoing,
  completed: Progress.done,
  error: Progress.done,
};

/** A part's entry before its type fills it in: keyed by the part, in flight until it says otherwise. */
function base(part: Part, time: number): TimelineUpsert {
  return {
    ...simpleEntry(part.sessionID, part.id, "text", time),
    message_id: part.messageID,
    progress: Progress.pending,
  };
}

/** A file part's URL is kept up to a `file://` URL of the longest path (PATH_MAX). */
const MAX_URL_LENGTH = 4096 + "file://".length;

const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * One message part as a timeline entry, or null for parts that carry nothing to show
 * (step boundaries and snapshots; their tokens and cost arrive on the message itself).
 */
export function partToTimeline(part: Part, eventTime: number): TimelineUpsert | null {
  const times = part.time ?? {};
  switch (part.type) {
    case "text":
    case "reasoning": {
      const text = str(part.text);
      if (!text) return null;
      const capped = cap(text);
      const end = num(times.end) ?? null;
      return {
        ...base(part, num(times.start) ?? eventTime),
        kind: part.type,
        text: capped.value,
        truncated: capped.truncated ? 1 : 0,
        end_time: end,
        // A text part grows while it streams; the final text is the one with an end time.
        progress: end ? Progress.done : Progress.ongoing,
        data: part.synthetic ? JSON.stringify({ synthetic: true }) : null,
      };
    }
    case "tool": {
      const state = part.state ?? {};
      const status = state.status ?? "pending";
      const input = capJson(state.input && Object.keys(state.input).length ? state.input : undefined);
      const output = cap(status === "error" ? state.error : state.output);
      return {
        ...base(part, num(state.time?.start) ?? eventTime),
        kind: "tool",
        tool: str(part.tool) ?? null,
        status,
        title: state.title ?? null,
        input: input.value,
        output: output.value,
        truncated: input.truncated || output.truncated ? 1 : 0,
        end_time: num(state.time?.end) ?? null,
        progress: toolProgress[status] ?? Progress.ongoing,
        data: JSON.stringify({ callID: part.callID ?? null }),
      };
    }
    case "subtask":
      return {
        ...base(part, eventTime),
        kind: "subtask",
        title: str(part.description) ?? null,
        text: cap(str(part.prompt)).value,
        data: JSON.stringify({ agent: part.agent ?? null }),
        progress: Progress.done,
      };
    case "file": {
      // A link past a path's length is no link to follow (and data: URLs carry whole files inline).
      const url = str(part.url);
      const kept = url && !url.startsWith("data:") && url.length <= MAX_URL_LENGTH ? url : null;
      return {
        ...base(part, eventTime),
        kind: "file",
        title: str(part.filename) ?? null,
        data: JSON.stringify({ mime: part.mime ?? null, url: kept }),
        progress: Progress.done,
      };
    }
    case "patch": {
      const files = Array.isArray(part.files) ? (part.files as unknown[]).filter((f) => typeof f === "string") : [];
      return {
        ...base(part, eventTime),
        kind: "patch",
        title: `${files.length} file${files.length === 1 ? "" : "s"} changed`,
        data: capJson({ hash: part.hash ?? null, files }).value,
        progress: Progress.done,
      };
    }
    case "retry": {
      const error = part.error;
      return {
        ...base(part, eventTime),
        kind: "retry",
        title: `Retry ${num(part.attempt) ?? ""}`.trim(),
        text: cap(error?.data?.message ?? error?.name).value,
        progress: Progress.done,
      };
    }
    case "compaction":
      return {
        ...base(part, eventTime),
        kind: "compaction",
        data: JSON.stringify({ auto: part.auto ?? null }),
        progress: Progress.done,
      };
    default:
      return null;
  }
}
