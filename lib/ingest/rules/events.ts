import { noAttention, setAttention } from "./attention";
import type { Batch } from "../batch-state";
import { simpleEntry } from "./timeline-entry";
import { applyMessage, removeMessage } from "./messages";
import { partToTimeline } from "./parts";
import type { KnownEvent, WirePart } from "../protocol";
import { applyAnswered, applyAsked } from "./requests";
import { applyError, applyStatus } from "./status";
import { cap, capJson } from "../text-cap";
import { claimParent, claimPart, claimRemoval } from "./claims";

/** A diff entry lists this many files; the rest are summed in one "+N more files" line. */
const MAX_DIFF_FILES = 50;
/** A listed file's path is kept to this many characters (so the list always fits its cap). */
const MAX_DIFF_PATH = 200;

type DiffFile = { file: string; additions: number; deletions: number };

/** A todo list keeps this many items; the rest are counted in one "+N more" item. */
const MAX_TODOS = 100;

type Todo = Extract<KnownEvent, { type: "todo.updated" }>["properties"]["todos"][number];

/** OpenCode's todo list as stored: whole up to its bound (each item is bounded at the edge). */
function todoList(todos: Todo[]): (Todo | { content: string; status: "more" })[] {
  if (todos.length <= MAX_TODOS) return todos;
  const rest = todos.length - MAX_TODOS;
  return [...todos.slice(0, MAX_TODOS), { content: `+${rest} more`, status: "more" }];
}

/** OpenCode repeats the whole diff, hundreds of files on a big change: keep the first ones. */
function diffSummary(files: DiffFile[]): (DiffFile & { more?: number })[] {
  const listed = files.slice(0, MAX_DIFF_FILES).map((f) => ({
    file: f.file.length > MAX_DIFF_PATH ? `${f.file.slice(0, MAX_DIFF_PATH)}…` : f.file,
    additions: f.additions,
    deletions: f.deletions,
  }));
  const rest = files.slice(MAX_DIFF_FILES);
  if (rest.length === 0) return listed;
  return [
    ...listed,
    {
      file: `+${rest.length} more file${rest.length === 1 ? "" : "s"}`,
      additions: rest.reduce((n, f) => n + f.additions, 0),
      deletions: rest.reduce((n, f) => n + f.deletions, 0),
      more: rest.length,
    },
  ];
}

/** A message part as its timeline entry; a user message's text is its prompt. */
function applyPart(batch: Batch, part: WirePart, time: number, fields: Parameters<typeof claimPart>[2]) {
  claimPart(batch, part, fields);
  const entry = partToTimeline(part, time);
  if (!entry) return;
  if (entry.kind === "text" && batch.messageRole(part.messageID) === "user") entry.kind = "prompt";
  batch.writeTimeline(entry);
}

/** The session an event is about, wherever OpenCode put its id. */
function sessionIdOf(event: KnownEvent): string | undefined {
  switch (event.type) {
    case "session.created":
    case "session.updated":
    case "session.deleted":
      return event.properties.info.id;
    case "message.updated":
      return event.properties.info.sessionID;
    case "message.part.updated":
      return event.properties.part.sessionID;
    case "dashboard.heartbeat":
      return undefined;
    default:
      return event.properties.sessionID;
  }
}

/** The session a session event says it was started from (a subagent's parent). */
function parentIdOf(event: KnownEvent): string | undefined {
  return event.type === "session.created" || event.type === "session.updated"
    ? (event.properties.info.parentID ?? undefined)
    : undefined;
}

/**
 * Projects one validated OpenCode event onto sessions, messages, the timeline and prompts.
 * False when it was ignored: its session was deleted on the dashboard.
 */
export function applyEvent(batch: Batch, event: KnownEvent): boolean {
  const sessionId = sessionIdOf(event);
  if (sessionId && !batch.session(sessionId, event, parentIdOf(event))) return false;
  applyProjected(batch, event, sessionId);
  return true;
}

function applyProjected(batch: Batch, event: KnownEvent, sessionId: string | undefined) {
  const { store } = batch;

  switch (event.type) {
    case "session.created":
    case "session.updated": {
      const info = event.properties.info;
      claimParent(batch, info, event.hostname);
      const applied = store.applySessionInfo({
        id: info.id,
        title: info.title ?? null,
        directory: info.directory || null,
        parent_id: info.parentID ?? null,
        project_id: info.projectID ?? null,
        slug: info.slug ?? null,
        opencode_version: info.version ?? null,
        additions: info.summary?.additions ?? null,
        deletions: info.summary?.deletions ?? null,
        files_changed: info.summary?.files ?? null,
        created_at: info.time.created,
        info_updated_at: info.time.updated ?? info.time.created,
      });
      const draft = batch.draft(info.id);
      if (info.model && draft.model_at === null) {
        draft.provider_id = info.model.providerID;
        draft.model_id = info.model.id;
      }
      if (info.agent && !draft.agent) draft.agent = info.agent;
      if (applied && info.parentID) {
        draft.parent_id = info.parentID;
        // A finished turn only calls for the user on a root session; the parent may be learned late.
        if (draft.attention_reason === "idle") batch.recordAttention(setAttention(draft, noAttention));
      }
      return;
    }
    case "session.deleted": {
      // Deleted in OpenCode: the row stays, marked, and nothing there waits for anyone any more.
      const draft = batch.draft(event.properties.info.id);
      if (draft.deleted_at === null || event.time < draft.deleted_at) draft.deleted_at = event.time;
      store.removePendingBefore(draft.id, event.time);
      batch.recordAttention(setAttention(draft, noAttention));
      return;
    }
    case "session.status": {
      const { type, attempt, message, next } = event.properties.status;
      applyStatus(batch, event.properties.sessionID, type, event.time, { attempt, message, next });
      return;
    }
    case "session.idle":
      applyStatus(batch, event.properties.sessionID, "idle", event.time);
      return;
    case "session.error":
      if (sessionId) applyError(batch, sessionId, event.id, event.time, event.properties.error);
      return;
    case "session.diff": {
      const files = event.properties.diff;
      if (files.length === 0) return;
      const additions = files.reduce((n, f) => n + f.additions, 0);
      const deletions = files.reduce((n, f) => n + f.deletions, 0);
      store.setDiffSummary(event.properties.sessionID, additions, deletions, files.length);
      const summary = diffSummary(files);
      batch.writeTimeline({
        // OpenCode repeats the whole diff; one entry per distinct state of it.
        ...simpleEntry(
          event.properties.sessionID,
          `diff:${files.length}:${additions}:${deletions}`,
          "diff",
          event.time,
        ),
        title: `${files.length} file${files.length === 1 ? "" : "s"} changed (+${additions} −${deletions})`,
        data: capJson(summary).value,
      });
      return;
    }
    case "session.compacted":
      batch.writeTimeline({
        ...simpleEntry(event.properties.sessionID, `compacted:${event.id}`, "compaction", event.time),
        title: "Context compacted",
      });
      return;
    case "message.updated":
      applyMessage(batch, event.properties.info);
      return;
    case "message.removed":
      claimRemoval(batch, event.properties);
      removeMessage(batch, event.properties.sessionID, event.properties.messageID);
      return;
    case "message.part.updated":
      applyPart(batch, event.properties.part, event.properties.time ?? event.time, {
        part: "properties.part.id",
        message: "properties.part.messageID",
      });
      return;
    case "message.part.removed":
      claimRemoval(batch, event.properties);
      batch.removeTimelineEntry(event.properties.sessionID, event.properties.partID);
      return;
    case "message.part.delta": {
      // A streaming part's text so far (the plugin's snapshot), stored as the part in progress; the
      // final text arrives with message.part.updated and is never undone by a late snapshot.
      const { sessionID, partID, messageID, text, partType, start } = event.properties;
      if (!partID || !messageID || text === undefined) return;
      const part = { id: partID, sessionID, messageID, type: partType ?? "text", text, time: { start } };
      applyPart(batch, part, event.time, { part: "properties.partID", message: "properties.messageID" });
      return;
    }
    case "permission.asked":
    case "question.asked":
      applyAsked(batch, event);
      return;
    case "permission.replied":
    case "question.replied":
    case "question.rejected":
      applyAnswered(batch, event);
      return;
    case "todo.updated":
      store.upsertTodos(event.properties.sessionID, JSON.stringify(todoList(event.properties.todos)), event.time);
      return;
    case "command.executed": {
      const p = event.properties;
      batch.writeTimeline({
        ...simpleEntry(p.sessionID, `command:${event.id}`, "command", event.time),
        message_id: p.messageID ?? null,
        title: `/${p.name}`,
        text: cap(p.arguments).value,
      });
      return;
    }
    case "dashboard.heartbeat": {
      const p = event.properties;
      store.heartbeat({
        hostname: event.hostname,
        time: event.time,
        opencodeVersion: p.opencodeVersion ?? null,
        pluginVersion: p.pluginVersion ?? null,
        busy: p.busySessions ?? null,
        spool: p.spoolBytes ?? null,
        dropped: p.droppedEvents ?? null,
        control: p.control ?? null,
      });
      return;
    }
  }
}
