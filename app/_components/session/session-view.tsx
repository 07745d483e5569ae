"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useMemo, useState } from "react";
import type { HostClock, InstanceItem } from "@/lib/instances/item";
import { isHostOffline, isWorking, staleReason } from "@/lib/sessions/active";
import type { SessionDetail } from "@/lib/sessions/detail";
import type { SessionListItem } from "@/lib/sessions/list-item";
import type { TimelineEntry } from "@/lib/sessions/timeline";
import { sessionTimelineQuery } from "@/lib/sessions/views";
import { attentionText } from "../board/board-state";
import { AttentionSummary, BlockingContext, errorShownAbove } from "../board/blocking-context";
import { deleteSession, dismissSession } from "../board/session-actions";
import { ControlProvider } from "../control/control-provider";
import { SessionControls } from "../control/session-controls";
import { usePending } from "../control/use-pending";
import { formatCost, formatDateTime, formatDuration, formatTokens } from "../format";
import { useCatchUp, useHostsJudgedAt, useLive, useLiveEvent } from "../live/live-provider";
import { STALE_LABEL, StatusBadge } from "../status-badge";
import { useNow } from "../use-now";
import { TimelineItem } from "./timeline-entry";

const order = (a: TimelineEntry, b: TimelineEntry) => a.time - b.time || a.id - b.id;

function mergeEntries(current: Map<string, TimelineEntry>, incoming: TimelineEntry[]) {
  const next = new Map(current);
  for (const entry of incoming) {
    const existing = next.get(entry.key);
    // A late push must not undo a newer state of the same entry.
    if (!existing || entry.updatedAt >= existing.updatedAt) next.set(entry.key, entry);
  }
  return next;
}

function Stat({ label, value, title }: { label: string; value: string; title?: string }) {
  return (
    <div title={title}>
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="font-medium tabular-nums">{value}</dd>
    </div>
  );
}

export function SessionView({
  detail,
  hostClock,
  version,
  renderedAt,
}: {
  detail: SessionDetail;
  /** When its host goes offline: the session is stale then (lib/sessions/active.ts). */
  hostClock: HostClock | null;
  /** The live push's change count the detail was read at (lib/sessions/pages.ts). */
  version: number;
  renderedAt: number;
}) {
  const router = useRouter();
  const { socket, epoch } = useLive();
  const now = useNow(1000, renderedAt);
  const id = detail.session.id;
  const [session, setSession] = useState<SessionListItem>(detail.session);
  const [entries, setEntries] = useState(() => mergeEntries(new Map(), detail.timeline.entries));
  const [olderCursor, setOlderCursor] = useState(detail.timeline.nextCursor);
  const [error, setError] = useState<string | null>(null);
  const pending = usePending(session, detail.pending);
  const [offlineAt, setOfflineAt] = useState(hostClock?.offlineAt ?? null);
  const onInstance = useCallback(
    (item: InstanceItem) => item.hostname === detail.session.hostname && setOfflineAt(item.offlineAt),
    [detail.session.hostname],
  );
  useLiveEvent("instance:upsert", onInstance);
  const judgedAt = useHostsJudgedAt(now);
  const stale = staleReason(session, isHostOffline(offlineAt, judgedAt));
  const sessionIds = useMemo(() => [id], [id]);

  useEffect(() => {
    if (!socket) return;
    socket.emit("subscribe", id);
    return () => {
      socket.emit("unsubscribe", id);
    };
  }, [socket, id, epoch]);

  // Catch up on what was pushed while offline or while the page loaded (after the subscription above).
  const catchUp = useCallback(async () => {
    const [r, hosts] = await Promise.all([
      fetch(`/api/sessions/${encodeURIComponent(id)}?${sessionTimelineQuery()}`),
      // Its host's heartbeats missed meanwhile: its clock, or the host looks offline until the next one.
      fetch("/api/instances"),
    ]);
    const d = r.ok ? ((await r.json()) as SessionDetail) : null;
    if (!d) return;
    setSession(d.session);
    setEntries((prev) => mergeEntries(prev, d.timeline.entries));
    const host = hosts.ok
      ? ((await hosts.json()) as { instances: InstanceItem[] }).instances.find((h) => h.hostname === d.session.hostname)
      : undefined;
    if (host) setOfflineAt(host.offlineAt);
  }, [id]);
  useCatchUp(version, () => void catchUp());

  const onAppend = useCallback(
    (payload: { sessionId: string; entries: TimelineEntry[] }) => {
      if (payload.sessionId === id) setEntries((prev) => mergeEntries(prev, payload.entries));
    },
    [id],
  );
  const onUpsert = useCallback((row: SessionListItem) => row.id === id && setSession(row), [id]);
  const onRemove = useCallback(
    ({ id: removed }: { id: string }) => removed === id && router.replace("/"),
    [id, router],
  );
  useLiveEvent("timeline:append", onAppend);
  useLiveEvent("session:upsert", onUpsert);
  useLiveEvent("session:remove", onRemove);

  async function loadOlder() {
    if (!olderCursor) return;
    const res = await fetch(`/api/sessions/${encodeURIComponent(id)}?${sessionTimelineQuery(olderCursor)}`);
    if (!res.ok) return setError("Could not load earlier entries.");
    const page = (await res.json()) as SessionDetail;
    setEntries((prev) => mergeEntries(prev, page.timeline.entries));
    setOlderCursor(page.timeline.nextCursor);
  }

  async function act(action: () => Promise<void>) {
    try {
      await action();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const sorted = useMemo(() => [...entries.values()].sort(order), [entries]);
  const waiting = attentionText(session);
  const shownError = errorShownAbove(sorted, session);
  const t = session.tokens;

  return (
    <ControlProvider sessionIds={sessionIds}>
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_18rem]">
        <div className="min-w-0 space-y-4">
          <header className="space-y-3 rounded-[var(--radius-card)] border border-line bg-surface p-4 shadow-[var(--shadow-card)]">
            <nav aria-label="Breadcrumb" className="text-sm text-muted">
              <Link href="/" className="hover:underline">
                Sessions
              </Link>
              {session.parentId && (
                <>
                  {" / "}
                  <Link href={`/sessions/${encodeURIComponent(session.parentId)}`} className="hover:underline">
                    parent session
                  </Link>
                </>
              )}
            </nav>
            <div className="flex flex-wrap items-start gap-3">
              <h1 className="min-w-0 flex-1 text-xl font-semibold wrap-anywhere">
                {session.title || "Untitled session"}
              </h1>
              <StatusBadge row={session} stale={stale} />
            </div>
            {stale && (
              <p
                role="status"
                className="rounded-lg bg-raised px-3 py-2 text-sm text-muted"
                data-testid="session-stale"
              >
                <span className="font-medium text-ink/80">{STALE_LABEL[stale]}</span>
                {stale === "deleted" && session.deletedAt !== null
                  ? ` ${formatDateTime(session.deletedAt)}: it no longer runs there, and nothing here waits for you.`
                  : `: no heartbeat from ${session.hostname} lately. What this page shows is the session's last known state; it counts neither as working nor as waiting until the host is back.`}
              </p>
            )}
            <p className="flex flex-wrap gap-x-3 gap-y-1 text-sm wrap-anywhere text-muted">
              <span className="font-medium text-ink/80">{session.hostname}</span>
              <span className="font-mono break-all">{session.directory}</span>
              {session.modelId && <span>{`${session.providerId ?? ""}/${session.modelId}`}</span>}
              {session.agent && <span>agent: {session.agent}</span>}
            </p>
            {waiting && (
              <div
                role="status"
                className={`flex flex-wrap items-center gap-3 rounded-lg px-3 py-2 text-sm ${stale ? "bg-raised text-muted" : session.attention?.reason === "error" ? "bg-error-soft text-error" : "bg-wait-soft text-wait"}`}
                data-testid="session-attention"
              >
                <AttentionSummary session={session} text={waiting} />
                <button
                  type="button"
                  onClick={() => void act(() => dismissSession(id))}
                  className="rounded-md border border-current px-2 py-1 text-xs font-medium"
                >
                  Dismiss
                </button>
              </div>
            )}
            <BlockingContext session={session} pending={pending} now={now} />
            {/* Deleted in OpenCode: there is nothing left there to answer, prompt or stop. */}
            {stale !== "deleted" && <SessionControls session={session} pending={pending} promptWhenIdle />}
            <dl className="grid grid-cols-3 gap-3 text-sm sm:grid-cols-6">
              <Stat label="Cost" value={formatCost(session.cost)} />
              <Stat label="Input" value={formatTokens(t.input)} />
              <Stat label="Output" value={formatTokens(t.output)} />
              <Stat label="Reasoning" value={formatTokens(t.reasoning)} />
              <Stat label="Cache read" value={formatTokens(t.cacheRead)} />
              <Stat label="Cache write" value={formatTokens(t.cacheWrite)} />
              <Stat
                label="Duration"
                value={formatDuration(session.lastActivityAt - session.createdAt)}
                title={`Started ${formatDateTime(session.createdAt)}`}
              />
              <Stat label="Messages" value={String(session.messageCount)} />
            </dl>
            <div className="flex flex-wrap gap-2">
              <a
                href={`/api/sessions/${encodeURIComponent(id)}/export?format=markdown`}
                className="rounded-md border border-line px-2.5 py-1 text-sm hover:bg-raised"
              >
                Export Markdown
              </a>
              <a
                href={`/api/sessions/${encodeURIComponent(id)}/export?format=json`}
                className="rounded-md border border-line px-2.5 py-1 text-sm hover:bg-raised"
              >
                Export JSON
              </a>
              <button
                type="button"
                onClick={() => {
                  if (
                    confirm(
                      "Delete this session, its subagent sessions and their timelines from the dashboard? OpenCode is not touched: should the session go on there, what it sends is ignored here and it does not come back.",
                    )
                  )
                    void act(async () => {
                      await deleteSession(id);
                      router.replace("/");
                    });
                }}
                className="ml-auto rounded-md px-2.5 py-1 text-sm text-muted hover:bg-error-soft hover:text-error"
              >
                Delete
              </button>
            </div>
            {error && (
              <p role="alert" className="rounded-lg bg-error-soft px-3 py-2 text-sm text-error">
                {error}
              </p>
            )}
          </header>

          <section aria-label="Timeline" className="space-y-3">
            {olderCursor && (
              <button
                type="button"
                onClick={() => void loadOlder()}
                className="w-full rounded-lg border border-dashed border-line py-2 text-sm text-muted hover:bg-raised"
              >
                Load earlier entries
              </button>
            )}
            {sorted.length === 0 ? (
              <p className="py-10 text-center text-muted">Nothing has happened in this session yet.</p>
            ) : (
              <ol className="space-y-4" data-testid="timeline">
                {sorted.map((entry) => (
                  <TimelineItem key={entry.key} entry={entry} shownAbove={entry.key === shownError} />
                ))}
              </ol>
            )}
            {/* Blocked on an answer is not working, though OpenCode keeps the session busy (lib/sessions/active.ts). */}
            {isWorking(session) && session.status === "busy" && !stale && (
              <p className="flex items-center gap-2 text-sm text-busy" aria-live="polite">
                <span aria-hidden="true" className="size-2 animate-pulse-dot rounded-full bg-busy" /> Working… (last
                activity {Math.max(0, Math.round((now - session.lastActivityAt) / 1000))}s ago)
              </p>
            )}
          </section>
        </div>

        <aside className="space-y-4" aria-label="Session details">
          {pending && pending.length > 0 && (
            <section className="rounded-[var(--radius-card)] border border-wait-line bg-wait-soft p-4">
              <h2 className="font-semibold text-wait">Waiting for an answer</h2>
              <ul className="mt-2 space-y-2 text-sm">
                {pending.map((p) => (
                  <li key={p.id} className="font-mono break-words">
                    {p.summary}
                  </li>
                ))}
              </ul>
              <p className="mt-2 text-xs text-muted">
                Answer it here, when {session.hostname} allows it, or in OpenCode there.
              </p>
            </section>
          )}
          {detail.todos && detail.todos.items.length > 0 && (
            <section className="rounded-[var(--radius-card)] border border-line bg-surface p-4">
              <h2 className="font-semibold">Todos</h2>
              <ul className="mt-2 space-y-1 text-sm">
                {(detail.todos.items as { content: string; status: string }[]).map((todo, i) => (
                  <li key={i} className="flex gap-2">
                    {/* "more": the count of todos past the stored list's bound (lib/ingest/rules/events.ts) */}
                    {todo.status === "more" ? (
                      <span className="text-muted">{todo.content}</span>
                    ) : (
                      <>
                        <span aria-hidden="true">
                          {todo.status === "completed" ? "☑" : todo.status === "in_progress" ? "◐" : "☐"}
                        </span>
                        <span
                          className={`min-w-0 wrap-anywhere ${todo.status === "completed" ? "text-muted line-through" : ""}`}
                        >
                          {todo.content}
                        </span>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {detail.fileChanges && (
            <section className="rounded-[var(--radius-card)] border border-line bg-surface p-4">
              <h2 className="font-semibold">Files changed</h2>
              <p className="mt-1 text-sm">
                {detail.fileChanges.files} file{detail.fileChanges.files === 1 ? "" : "s"} ·{" "}
                <span className="text-busy">+{detail.fileChanges.additions}</span>{" "}
                <span className="text-error">−{detail.fileChanges.deletions}</span>
              </p>
              {detail.fileChanges.list && (
                <ul className="mt-2 space-y-0.5 font-mono text-xs">
                  {detail.fileChanges.list.slice(0, 50).map((f) => (
                    <li key={f.file} className="truncate" title={f.file}>
                      {f.file}
                    </li>
                  ))}
                </ul>
              )}
            </section>
          )}
          {detail.children.length > 0 && (
            <section className="rounded-[var(--radius-card)] border border-line bg-surface p-4">
              <h2 className="font-semibold">Subagents</h2>
              <ul className="mt-2 space-y-2 text-sm">
                {detail.children.map((child) => (
                  <li key={child.id} className="flex items-center gap-2">
                    <Link
                      href={`/sessions/${encodeURIComponent(child.id)}`}
                      className="min-w-0 flex-1 truncate text-accent hover:underline"
                    >
                      {child.title || child.id}
                    </Link>
                    <StatusBadge row={child} />
                  </li>
                ))}
              </ul>
            </section>
          )}
        </aside>
      </div>
    </ControlProvider>
  );
}
