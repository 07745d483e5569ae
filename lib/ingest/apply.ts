import type { IngestStore, SessionState } from "../db/ingest-store";
import type { TimelineRow } from "../db/schema";
import {
  type AttentionChange,
  FINISHED_DETAIL,
  nextPendingAttention,
  noAttention,
  outranks,
  permissionDetail,
  questionDetail,
  setAttention,
} from "./attention";
import { partToTimeline } from "./parts";
import type { KnownEvent } from "./protocol";
import { cap, capJson } from "./text-cap";

/** What one committed batch changed, for the live push. */
export type IngestChanges = {
  sessions: Set<string>;
  timeline: TimelineRow[];
  attention: Map<string, AttentionChange>;
  instances: Set<string>;
};

export function emptyChanges(): IngestChanges {
  return { sessions: new Set(), timeline: [], attention: new Map(), instances: new Set() };
}

type Context = {
  store: IngestStore;
  changes: IngestChanges;
  now: number;
  /** Sessions whose totals need summing again at the end of the batch. */
  totals: Set<string>;
  /** Latest event time per session named in the batch, written once at the end. */
  activity: Map<string, number>;
};

function sessionIdOf(event: KnownEvent): string | undefined {
  const p = event.properties as Record<string, unknown> & { info?: { id?: string; sessionID?: string }; part?: { sessionID?: string } };
  switch (event.type) {
    case "session.created":
    case "session.updated":
    case "session.deleted":
      return p.info?.id;
    case "message.updated":
      return p.info?.sessionID;
    case "message.part.updated":
      return p.part?.sessionID;
    case "dashboard.heartbeat":
      return undefined;
    default:
      return typeof p.sessionID === "string" ? p.sessionID : undefined;
  }
}

function recordAttention(ctx: Context, change: AttentionChange | null) {
  if (!change) return;
  const earlier = ctx.changes.attention.get(change.sessionId);
  // Several changes in one batch: report the net one, from the state before the batch.
  ctx.changes.attention.set(change.sessionId, earlier ? { ...change, previous: earlier.previous } : change);
}

function timeline(ctx: Context, entry: Parameters<IngestStore["upsertTimeline"]>[0]) {
  const row = ctx.store.upsertTimeline(entry, ctx.now);
  ctx.changes.timeline.push(row);
  return row;
}

function simpleEntry(sessionId: string, key: string, kind: TimelineRow["kind"], time: number) {
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

const finishedAttention = (since: number) => ({ reason: "idle" as const, detail: FINISHED_DETAIL, since, ref: null });

/**
 * Whether the idle at `idleAt` ends a turn the user should hear about: a root session, a busy
 * before it that no earlier idle already closed, and no Esc (abort) during that turn.
 */
function turnFinished(state: SessionState, busyAt: number | null, idleAt: number) {
  if (state.parent_id || busyAt === null || busyAt > idleAt) return false;
  if (state.aborted_at !== null && state.aborted_at >= busyAt) return false;
  return true;
}

function applyStatus(
  ctx: Context,
  sessionId: string,
  status: "busy" | "idle" | "retry",
  time: number,
  retry?: { attempt?: number; message?: string; next?: number },
) {
  const { store } = ctx;
  const state = store.sessionState(sessionId);
  if (status !== "retry") store.markStatusSeen(sessionId, status, time);

  // Hooks are not awaited, so a status can arrive after a newer one: event time decides.
  if (time < state.status_at) {
    // A late busy whose turn already ended in the idle we hold: that idle was a finished turn.
    const unseenBusy = status === "busy" && (state.last_busy_at === null || state.last_busy_at < time);
    if (unseenBusy && state.status === "idle" && state.attention_reason === null && turnFinished(state, time, state.status_at)) {
      recordAttention(ctx, setAttention(store, sessionId, state, finishedAttention(state.status_at)));
    }
    // OpenCode's twin idles arrived newest first: the turn ended at the earlier one.
    const earlierTwin = status === "idle" && state.attention_reason === "idle" && (state.attention_since ?? 0) > time;
    if (earlierTwin && state.last_busy_at !== null && state.last_busy_at <= time) {
      recordAttention(ctx, setAttention(store, sessionId, state, finishedAttention(time)));
    }
    return;
  }

  let next: SessionState["status"] = status;
  if (status === "busy") {
    if ((state.attention_reason === "idle" || state.attention_reason === "error") && (state.attention_since ?? 0) <= time) {
      recordAttention(ctx, setAttention(store, sessionId, state, noAttention));
    }
  } else if (status === "idle") {
    // A session blocked on a prompt stays busy; idle after the prompt means it was answered,
    // even if the reply never reached us.
    if (store.removePendingBefore(sessionId, time) > 0 && (state.attention_reason === "permission" || state.attention_reason === "question")) {
      recordAttention(ctx, setAttention(store, sessionId, state, nextPendingAttention(store, sessionId)));
    }
    // OpenCode goes idle right after an error; the error stays what the session shows.
    if (state.status === "error") next = "error";
    // The first idle after a busy ends the turn; OpenCode's twin `session.idle` and repeated
    // idles after Esc do not start a new one.
    const firstIdle = state.last_idle_at === null || (state.last_busy_at !== null && state.last_idle_at < state.last_busy_at);
    if (firstIdle && turnFinished(state, state.last_busy_at, time) && outranks("idle", state.attention_reason)) {
      recordAttention(ctx, setAttention(store, sessionId, state, finishedAttention(time)));
    }
  } else {
    timeline(ctx, {
      ...simpleEntry(sessionId, `retry:${time}:${retry?.attempt ?? 0}`, "retry", time),
      title: `Retry ${retry?.attempt ?? ""}`.trim(),
      text: cap(retry?.message).value,
      data: retry?.next ? JSON.stringify({ next: retry.next }) : null,
    });
  }

  store.setStatus({
    id: sessionId,
    status: next,
    time,
    retryAttempt: status === "retry" ? retry?.attempt ?? null : null,
    retryMessage: status === "retry" ? retry?.message ?? null : null,
    retryNext: status === "retry" ? retry?.next ?? null : null,
  });
}

/** A prompt asked before the session's latest idle was answered already (the session moved on). */
function answeredByIdle(store: IngestStore, sessionId: string, askedAt: number) {
  const state = store.sessionState(sessionId);
  return state.last_idle_at !== null && state.last_idle_at >= askedAt;
}

function applyEvent(ctx: Context, event: KnownEvent) {
  const { store, changes, now } = ctx;
  const sessionId = sessionIdOf(event);
  if (sessionId) {
    const seen = ctx.activity.get(sessionId);
    if (seen === undefined) {
      store.ensureSession({ id: sessionId, hostname: event.hostname, directory: event.directory, time: event.time, now });
      changes.sessions.add(sessionId);
    }
    if (seen === undefined || event.time > seen) ctx.activity.set(sessionId, event.time);
  }

  switch (event.type) {
    case "session.created":
    case "session.updated": {
      const info = event.properties.info;
      const applied = store.applySessionInfo({
        id: info.id,
        title: info.title ?? null,
        directory: info.directory || null,
        parentId: info.parentID ?? null,
        projectId: info.projectID ?? null,
        slug: info.slug ?? null,
        version: info.version ?? null,
        agent: info.agent ?? null,
        providerId: info.model?.providerID ?? null,
        modelId: info.model?.id ?? null,
        additions: info.summary?.additions ?? null,
        deletions: info.summary?.deletions ?? null,
        files: info.summary?.files ?? null,
        createdAt: info.time.created,
        updatedAt: info.time.updated ?? info.time.created,
      });
      // A finished turn only calls for the user on a root session; the parent may be learned late.
      if (applied && info.parentID) {
        const state = store.sessionState(info.id);
        if (state.attention_reason === "idle") recordAttention(ctx, setAttention(store, info.id, state, noAttention));
      }
      return;
    }
    case "session.deleted":
      store.markDeleted(event.properties.info.id, event.time);
      return;
    case "session.status": {
      const { type, attempt, message, next } = event.properties.status;
      applyStatus(ctx, event.properties.sessionID, type, event.time, { attempt, message, next });
      return;
    }
    case "session.idle":
      applyStatus(ctx, event.properties.sessionID, "idle", event.time);
      return;
    case "session.error": {
      if (!sessionId) return;
      const error = event.properties.error;
      const aborted = error?.name === "MessageAbortedError";
      const message = error?.data?.message || error?.name || "Unknown error";
      timeline(ctx, {
        ...simpleEntry(sessionId, `error:${event.id}`, "error", event.time),
        status: aborted ? "aborted" : "error",
        title: error?.name ?? null,
        text: cap(message).value,
      });
      const state = store.sessionState(sessionId);
      // An error from a turn that a later busy has already replaced changes nothing.
      if (state.last_busy_at !== null && state.last_busy_at > event.time) return;
      if (aborted) {
        // Esc in the TUI: the user is right there, so the idle that follows is not a finished turn.
        store.markAborted(sessionId, event.time);
        if (state.attention_reason === "idle" && (state.attention_since ?? 0) >= event.time) {
          recordAttention(ctx, setAttention(store, sessionId, state, noAttention));
        }
        return;
      }
      store.setError(sessionId, message.slice(0, 2000), event.time);
      if (outranks("error", state.attention_reason)) {
        recordAttention(
          ctx,
          setAttention(store, sessionId, state, { reason: "error", detail: message.slice(0, 500), since: event.time, ref: null }),
        );
      }
      return;
    }
    case "session.diff": {
      const files = event.properties.diff;
      if (files.length === 0) return;
      const additions = files.reduce((n, f) => n + f.additions, 0);
      const deletions = files.reduce((n, f) => n + f.deletions, 0);
      store.setDiffSummary(event.properties.sessionID, additions, deletions, files.length);
      const summary = files.map((f) => ({ file: f.file, additions: f.additions, deletions: f.deletions }));
      timeline(ctx, {
        ...simpleEntry(event.properties.sessionID, `diff:${files.length}:${additions}:${deletions}`, "diff", event.time),
        title: `${files.length} file${files.length === 1 ? "" : "s"} changed (+${additions} −${deletions})`,
        data: capJson(summary).value,
      });
      return;
    }
    case "session.compacted":
      timeline(ctx, { ...simpleEntry(event.properties.sessionID, `compacted:${event.id}`, "compaction", event.time), title: "Context compacted" });
      return;
    case "message.updated": {
      const info = event.properties.info;
      const tokens = info.tokens;
      const completed = info.role === "user" || info.time.completed !== undefined;
      const error = info.error ? (info.error.data as { message?: string } | undefined)?.message ?? info.error.name ?? "error" : null;
      store.upsertMessage({
        id: info.id,
        sessionId: info.sessionID,
        role: info.role,
        parentId: info.parentID ?? null,
        providerId: info.providerID ?? info.model?.providerID ?? null,
        modelId: info.modelID ?? info.model?.modelID ?? null,
        agent: info.agent ?? null,
        mode: info.mode ?? null,
        tokensInput: tokens?.input ?? 0,
        tokensOutput: tokens?.output ?? 0,
        tokensReasoning: tokens?.reasoning ?? 0,
        tokensCacheRead: tokens?.cache.read ?? 0,
        tokensCacheWrite: tokens?.cache.write ?? 0,
        cost: info.cost ?? 0,
        createdAt: info.time.created,
        completedAt: info.time.completed ?? null,
        finish: info.finish ?? null,
        error: error ? error.slice(0, 2000) : null,
        // Repeated updates of one message: a completed one is never overwritten by an in-progress one.
        progress: completed ? 2 : 1,
      });
      ctx.totals.add(info.sessionID);
      if (info.role === "user") changes.timeline.push(...store.promoteUserText(info.id));
      return;
    }
    case "message.removed":
      if (store.removeMessage(event.properties.sessionID, event.properties.messageID)) ctx.totals.add(event.properties.sessionID);
      return;
    case "message.part.updated": {
      const part = event.properties.part;
      const entry = partToTimeline(part, event.properties.time ?? event.time);
      if (!entry) return;
      if (entry.kind === "text" && store.messageRole(part.messageID) === "user") entry.kind = "prompt";
      timeline(ctx, entry);
      return;
    }
    case "message.part.removed":
      store.removeTimelineEntry(event.properties.sessionID, event.properties.partID);
      return;
    case "message.part.delta":
      // Only a "still typing" marker: the text itself arrives with message.part.updated.
      return;
    case "permission.asked": {
      const p = event.properties;
      const detail = permissionDetail(p.permission, p.patterns, p.metadata);
      const row = timeline(ctx, {
        ...simpleEntry(p.sessionID, `permission:${p.id}`, "permission", event.time),
        status: "asked",
        title: p.permission,
        text: detail,
        data: capJson({ patterns: p.patterns, always: p.always ?? [], tool: p.tool ?? null, metadata: p.metadata ?? null }, 4096).value,
        progress: 1,
      });
      if (row.status !== "asked") return; // the reply got here first
      if (answeredByIdle(store, p.sessionID, event.time)) return;
      store.addPending({ id: p.id, sessionId: p.sessionID, kind: "permission", summary: detail, data: JSON.stringify({ patterns: p.patterns, always: p.always ?? [] }), askedAt: event.time });
      const state = store.sessionState(p.sessionID);
      if (outranks("permission", state.attention_reason) && state.attention_reason !== "permission") {
        recordAttention(ctx, setAttention(store, p.sessionID, state, { reason: "permission", detail, since: event.time, ref: p.id }));
      }
      return;
    }
    case "question.asked": {
      const p = event.properties;
      const detail = questionDetail(p.questions);
      const row = timeline(ctx, {
        ...simpleEntry(p.sessionID, `question:${p.id}`, "question", event.time),
        status: "asked",
        title: p.questions[0]?.header ?? "Question",
        text: detail,
        data: capJson({ questions: p.questions }, 8192).value,
        progress: 1,
      });
      if (row.status !== "asked") return;
      if (answeredByIdle(store, p.sessionID, event.time)) return;
      store.addPending({ id: p.id, sessionId: p.sessionID, kind: "question", summary: detail, data: capJson(p.questions, 8192).value ?? "[]", askedAt: event.time });
      const state = store.sessionState(p.sessionID);
      if (outranks("question", state.attention_reason) && state.attention_reason !== "permission" && state.attention_reason !== "question") {
        recordAttention(ctx, setAttention(store, p.sessionID, state, { reason: "question", detail, since: event.time, ref: p.id }));
      }
      return;
    }
    case "permission.replied":
    case "question.replied":
    case "question.rejected": {
      const p = event.properties;
      const isPermission = event.type === "permission.replied";
      const reply = isPermission ? (p as { reply: string }).reply : event.type === "question.rejected" ? "rejected" : "answered";
      const answers = event.type === "question.replied" ? (p as { answers?: unknown }).answers : undefined;
      timeline(ctx, {
        ...simpleEntry(p.sessionID, `${isPermission ? "permission" : "question"}:${p.requestID}`, isPermission ? "permission" : "question", event.time),
        status: reply,
        endTime: event.time,
        output: answers === undefined ? null : capJson(answers, 4096).value,
      });
      store.removePending(p.requestID);
      const state = store.sessionState(p.sessionID);
      if (state.attention_ref === p.requestID) {
        let next = nextPendingAttention(store, p.sessionID);
        // Late reply: if the turn already ended, what the user is owed is the finished turn.
        if (!next.reason && state.status === "idle" && turnFinished(state, state.last_busy_at, state.status_at)) {
          next = finishedAttention(state.status_at);
        }
        recordAttention(ctx, setAttention(store, p.sessionID, state, next));
      }
      return;
    }
    case "todo.updated":
      store.upsertTodos(event.properties.sessionID, JSON.stringify(event.properties.todos), event.time);
      return;
    case "command.executed": {
      const p = event.properties;
      timeline(ctx, {
        ...simpleEntry(p.sessionID, `command:${event.id}`, "command", event.time),
        messageId: p.messageID ?? null,
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
      });
      return;
    }
  }
}

export type BatchEvent = { index: number; known: boolean; event: KnownEvent | { id: string; hostname: string } };

export type BatchResult = {
  accepted: number;
  duplicates: number;
  ignored: number;
  failed: { index: number; message: string }[];
  changes: IngestChanges;
};

function runBatch(store: IngestStore, events: BatchEvent[], now: number, isolate: boolean): BatchResult {
  const ctx: Context = { store, changes: emptyChanges(), now, totals: new Set(), activity: new Map() };
  const result: BatchResult = { accepted: 0, duplicates: 0, ignored: 0, failed: [], changes: ctx.changes };
  const applyOne = ({ known, event }: BatchEvent) => {
    if (!store.markSeen(event.id, now)) {
      result.duplicates++;
      return;
    }
    if (!known) {
      result.ignored++;
      return;
    }
    applyEvent(ctx, event as KnownEvent);
    result.accepted++;
  };
  store.transaction(() => {
    // Hosts first: a heartbeat in this batch updates the row this creates.
    for (const hostname of new Set(events.map((e) => e.event.hostname))) {
      store.touchInstance(hostname, now);
      ctx.changes.instances.add(hostname);
    }
    for (const item of events) {
      if (!isolate) {
        applyOne(item);
        continue;
      }
      try {
        store.transaction(() => applyOne(item)); // a savepoint: only this event is undone
      } catch (error) {
        result.failed.push({ index: item.index, message: `internal error applying event: ${(error as Error).message}` });
      }
    }
    for (const sessionId of ctx.totals) store.recomputeTotals(sessionId);
    for (const [sessionId, time] of ctx.activity) store.touchSession(sessionId, time, now);
  });
  return result;
}

/**
 * Applies validated events in one transaction: an acknowledged event is durable. Should applying
 * one throw (a projection bug, a constraint), the batch is redone with a savepoint per event so
 * that only the broken events are lost, and they are reported. Savepoints cost about as much as
 * the rest of the work, so the common path goes without.
 */
export function applyBatch(store: IngestStore, events: BatchEvent[], now = Date.now()): BatchResult {
  try {
    return runBatch(store, events, now, false);
  } catch {
    return runBatch(store, events, now, true);
  }
}
