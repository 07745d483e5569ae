"use client";

import { usePathname, useRouter } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState, useTransition } from "react";
import type { HostClock, InstanceItem } from "@/lib/instances/item";
import { isActive, isReady, type PackedState, unpackState } from "@/lib/sessions/active";
import type { SessionPage } from "@/lib/sessions/list";
import type { SessionListItem } from "@/lib/sessions/list-item";
import { ControlProvider } from "../control/control-provider";
import { wantedAction } from "../control/session-controls";
import { formatCost } from "../format";
import { useCatchUp, useHostsJudgedAt, useLive, useLiveEvent } from "../live/live-provider";
import { useNow } from "../use-now";
import { AttentionSignals } from "./attention-signals";
import { DeleteDialogProvider } from "./delete-dialog";
import {
  countedStates,
  countStates,
  groupRows,
  matchesView,
  offlineHostsAt,
  pinBlocked,
  rowStale,
  stateOf,
} from "./board-state";
import { Filters } from "./filters";
import { BoardShortcuts } from "./keyboard-shortcuts";
import { NotifyToggle } from "./notify-toggle";
import { SessionRow } from "./session-row";
import { dismissFinished } from "./session-actions";
import { type BoardView, boardListQuery, boardUrlQuery } from "@/lib/sessions/views";

const COST_REFRESH_MS = 30_000;

const SECONDARY_BUTTON =
  "rounded-md border border-line px-2 py-1 text-xs font-medium text-muted hover:bg-raised hover:text-ink focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none";

function useCostToday(epoch: number) {
  const [cost, setCost] = useState<number | null>(null);
  useEffect(() => {
    let stale = false;
    const load = () => {
      const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
      void fetch(`/api/analytics/summary?range=today&tz=${encodeURIComponent(tz)}`)
        .then((res) => (res.ok ? (res.json() as Promise<{ totals: { cost: number } }>) : null))
        .then((body) => {
          if (body && !stale) setCost(body.totals.cost);
        })
        .catch(() => {}); // offline for a moment: the next tick asks again
    };
    load();
    const timer = setInterval(load, COST_REFRESH_MS);
    return () => {
      stale = true;
      clearInterval(timer);
    };
  }, [epoch]);
  return cost;
}

function Counter({ label, value, tone, testId }: { label: string; value: string; tone: string; testId: string }) {
  return (
    <div className="rounded-[var(--radius-card)] border border-line bg-surface px-4 py-3 shadow-[var(--shadow-card)]">
      <p className="text-xs font-medium tracking-wide text-muted uppercase">{label}</p>
      <p className={`mt-0.5 text-2xl font-semibold tabular-nums ${tone}`} data-testid={testId}>
        {value}
      </p>
    </div>
  );
}

type BoardProps = {
  initial: SessionPage;
  /** Every blocked session the view picks (lib/sessions/list.ts, listBlocked), pinned on top. */
  blocked: SessionListItem[];
  /** Every active session's state, packed (lib/sessions/active.ts), for the counters. */
  states: PackedState[];
  hosts: string[];
  /** When each host goes offline (its sessions then turn stale, lib/sessions/active.ts). */
  hostClocks: HostClock[];
  view: BoardView;
  /** The live push's change count the data was read at (lib/sessions/pages.ts). */
  version: number;
  renderedAt: number;
};

/**
 * The hosts offline now, from their clocks as the page rendered them and as pushed since
 * (instance:upsert): a host goes offline when its clock runs out and is back with its next
 * heartbeat, so the board follows both ways without a session being pushed.
 */
function useOfflineHosts(hostClocks: HostClock[], now: number): ReadonlySet<string> {
  const [clocks, setClocks] = useState(() => new Map(hostClocks.map((c) => [c.hostname, c])));
  const [source, setSource] = useState(hostClocks);
  if (source !== hostClocks) {
    setSource(hostClocks);
    setClocks(new Map(hostClocks.map((c) => [c.hostname, c])));
  }
  const onInstance = useCallback((item: InstanceItem) => {
    setClocks((prev) => new Map(prev).set(item.hostname, { hostname: item.hostname, offlineAt: item.offlineAt }));
  }, []);
  useLiveEvent("instance:upsert", onInstance);
  const judgedAt = useHostsJudgedAt(now);
  // A new set only when it changes, not on every tick of the clock.
  const key = [...offlineHostsAt(clocks.values(), judgedAt)].sort().join("\n");
  return useMemo(() => new Set(key ? key.split("\n") : []), [key]);
}

const rowMap = (initial: SessionPage, blocked: SessionListItem[]) =>
  new Map([...initial.sessions, ...blocked].map((s) => [s.id, s]));

export function Board({
  initial,
  blocked: initialBlocked,
  states: initialStates,
  hosts,
  hostClocks,
  view,
  version,
  renderedAt,
}: BoardProps) {
  const router = useRouter();
  const pathname = usePathname();
  const { epoch } = useLive();
  const now = useNow(1000, renderedAt);
  const [, startTransition] = useTransition();
  const [rows, setRows] = useState(() => rowMap(initial, initialBlocked));
  const [cursor, setCursor] = useState(initial.nextCursor);
  const [states, setStates] = useState(() => new Map(initialStates.map((packed) => [packed[0], unpackState(packed)])));
  const [error, setError] = useState<string | null>(null);
  const viewRef = useRef(view);
  useEffect(() => {
    viewRef.current = view;
  }, [view]);

  // Sessions pushed since the page last asked the server for its data (a catch-up, a filter):
  // newer than that answer, so they are laid over it when it comes.
  const [pushed, setPushed] = useState(() => new Map<string, SessionListItem | null>());

  // New data from the server (a filter changed, a catch-up): start from it, during render rather
  // than in an effect, so the stale list never paints (react.dev: "adjusting state when a prop
  // changes").
  const [source, setSource] = useState({ initial, initialBlocked, initialStates });
  if (
    source.initial !== initial ||
    source.initialBlocked !== initialBlocked ||
    source.initialStates !== initialStates
  ) {
    setSource({ initial, initialBlocked, initialStates });
    if (source.initial !== initial || source.initialBlocked !== initialBlocked) {
      const fresh = rowMap(initial, initialBlocked);
      for (const [id, row] of pushed) {
        if (row && matchesView(row, view) && (!view.search || fresh.has(id))) fresh.set(id, row);
        else fresh.delete(id);
      }
      setRows(fresh);
      setCursor(initial.nextCursor);
    }
    if (source.initialStates !== initialStates) {
      const fresh = new Map(initialStates.map((packed) => [packed[0], unpackState(packed)]));
      for (const [id, row] of pushed) {
        const state = row && stateOf(row);
        if (state && isActive(state) && row.deletedAt === null) fresh.set(id, state);
        else fresh.delete(id);
      }
      setStates(fresh);
    }
  }

  const onUpsert = useCallback((row: SessionListItem) => {
    setPushed((prev) => new Map(prev).set(row.id, row));
    setStates((prev) => {
      const next = new Map(prev);
      const state = stateOf(row);
      // Deleted in OpenCode: stale for good, never counted again.
      if (isActive(state) && row.deletedAt === null) next.set(row.id, state);
      else next.delete(row.id);
      return next;
    });
    setRows((prev) => {
      const current = viewRef.current;
      const listed = prev.has(row.id);
      // A text search cannot be judged here: only rows already found are updated.
      if (!matchesView(row, current) || (current.search && !listed)) {
        if (!listed) return prev;
        const next = new Map(prev);
        next.delete(row.id);
        return next;
      }
      return new Map(prev).set(row.id, row);
    });
  }, []);
  const onRemove = useCallback(({ id }: { id: string }) => {
    setPushed((prev) => new Map(prev).set(id, null));
    setRows((prev) => {
      if (!prev.has(id)) return prev;
      const next = new Map(prev);
      next.delete(id);
      return next;
    });
    setStates((prev) => {
      const next = new Map(prev);
      next.delete(id);
      return next;
    });
  }, []);
  useLiveEvent("session:upsert", onUpsert);
  useLiveEvent("session:remove", onRemove);

  // Anything pushed while offline or while the page loaded was missed: render the page again.
  const catchUp = useCallback(() => {
    setPushed(new Map());
    startTransition(() => router.refresh());
  }, [router]);
  useCatchUp(version, catchUp);

  async function loadMore() {
    if (!cursor) return;
    const res = await fetch(`/api/sessions?${boardListQuery(view, cursor)}`);
    if (!res.ok) return setError("Could not load more sessions.");
    const page = (await res.json()) as SessionPage;
    setRows((prev) => {
      const next = new Map(prev);
      for (const s of page.sessions) if (!next.has(s.id)) next.set(s.id, s);
      return next;
    });
    setCursor(page.nextCursor);
  }

  const setView = useCallback(
    (change: Partial<BoardView>) => {
      const q = boardUrlQuery({ ...viewRef.current, ...change }).toString();
      setPushed(new Map());
      startTransition(() => router.replace(q ? `${pathname}?${q}` : pathname, { scroll: false }));
    },
    [router, pathname],
  );

  const offlineHosts = useOfflineHosts(hostClocks, now);
  const counters = useMemo(() => countStates(countedStates(states, offlineHosts)), [states, offlineHosts]);
  const costToday = useCostToday(epoch);
  // What "Dismiss all finished" would clear: the host filter's, when one is set.
  const finishedInView = useMemo(
    () =>
      view.host
        ? [...countedStates(states, offlineHosts).values()].filter((s) => s.hostname === view.host && isReady(s)).length
        : counters.finished,
    [view.host, states, offlineHosts, counters.finished],
  );
  // A status filter never picks a stale session (lib/sessions/list.ts): one whose host goes offline
  // while listed leaves the list, and comes back with its host.
  const shown = useMemo(
    () => (view.status ? [...rows.values()].filter((row) => rowStale(row, offlineHosts) === null) : [...rows.values()]),
    [rows, offlineHosts, view.status],
  );
  const { blocked, rest } = useMemo(() => pinBlocked(shown, offlineHosts), [shown, offlineHosts]);
  const groups = useMemo(() => groupRows(rest, view.group, offlineHosts), [rest, view.group, offlineHosts]);
  const dismissAll = (hostname?: string) =>
    void dismissFinished(hostname).catch((e: unknown) => setError((e as Error).message));
  const lookup = useCallback((id: string) => rows.get(id), [rows]);
  // Only rows that something could be done for are asked about (GET /api/control).
  const controllable = useMemo(
    () => [...rows.values()].filter((r) => wantedAction(r, false) !== null).map((r) => r.id),
    [rows],
  );

  return (
    <ControlProvider sessionIds={controllable}>
      <DeleteDialogProvider onError={setError}>
        <div className="space-y-4">
          <AttentionSignals blocked={counters.blocked} />
          <section aria-label="Overview" className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
            <Counter
              label="Blocked on you"
              value={String(counters.blocked)}
              tone={counters.blocked ? "text-wait" : ""}
              testId="count-blocked"
            />
            <Counter label="Working" value={String(counters.working)} tone="text-busy" testId="count-working" />
            <Counter label="Finished" value={String(counters.finished)} tone="" testId="count-finished" />
            <Counter
              label="Errors"
              value={String(counters.errors)}
              tone={counters.errors ? "text-error" : ""}
              testId="count-errors"
            />
            <Counter
              label="Cost today"
              value={costToday === null ? "—" : formatCost(costToday)}
              tone=""
              testId="cost-today"
            />
          </section>

          <div className="flex flex-wrap items-end gap-2">
            <Filters view={view} hosts={hosts} onChange={setView} />
            <div className="ml-auto flex items-center gap-2">
              {finishedInView > 0 && (
                <button type="button" onClick={() => dismissAll(view.host || undefined)} className={SECONDARY_BUTTON}>
                  Dismiss all finished
                </button>
              )}
              <NotifyToggle lookup={lookup} />
            </div>
          </div>

          {error && (
            <p
              role="alert"
              className="flex items-center justify-between rounded-lg bg-error-soft px-3 py-2 text-sm text-error"
            >
              {error}
              <button type="button" onClick={() => setError(null)} className="ml-3 min-h-11 underline sm:min-h-0">
                Close
              </button>
            </p>
          )}

          {blocked.length > 0 && (
            <section
              aria-labelledby="blocked-heading"
              data-testid="blocked-sessions"
              className="overflow-hidden rounded-[var(--radius-card)] border border-wait-line bg-surface shadow-[var(--shadow-card)]"
            >
              <h2
                id="blocked-heading"
                className="border-b border-line bg-wait-soft px-3 py-2 text-sm font-semibold text-wait"
              >
                Blocked on you · {blocked.length}
              </h2>
              <ul className="divide-y divide-line">
                {blocked.map((row) => (
                  <SessionRow
                    key={row.id}
                    node={{ row, children: [] }}
                    now={now}
                    offlineHosts={offlineHosts}
                    onError={setError}
                  />
                ))}
              </ul>
            </section>
          )}

          {rows.size === 0 ? (
            <p className="rounded-[var(--radius-card)] border border-dashed border-line px-4 py-10 text-center text-muted">
              No sessions match these filters.
            </p>
          ) : (
            groups.map((group) => (
              <section
                key={group.key}
                aria-label={group.label}
                className="overflow-hidden rounded-[var(--radius-card)] border border-line bg-surface shadow-[var(--shadow-card)]"
              >
                {view.group !== "flat" && (
                  <div className="flex items-center gap-3 border-b border-line bg-raised/50 px-3 py-2">
                    <h2 className="flex min-w-0 items-center gap-3 text-sm font-semibold">
                      <span className="truncate font-mono" title={group.label}>
                        {group.label}
                      </span>
                      {view.group === "host" && offlineHosts.has(group.key) && (
                        <span
                          className="rounded-full bg-raised px-2 py-0.5 text-xs font-medium text-muted"
                          data-testid="group-offline"
                        >
                          offline: its sessions are not counted
                        </span>
                      )}
                      <span className="text-xs font-normal text-muted">
                        {[
                          group.working > 0 && `${group.working} working`,
                          group.finished > 0 && `${group.finished} finished`,
                        ]
                          .filter(Boolean)
                          .join(" · ")}
                      </span>
                    </h2>
                    {view.group === "host" && group.finished > 0 && (
                      <button
                        type="button"
                        onClick={() => dismissAll(group.key)}
                        className={`ml-auto ${SECONDARY_BUTTON}`}
                        aria-label={`Dismiss finished on ${group.label}`}
                      >
                        Dismiss finished
                      </button>
                    )}
                  </div>
                )}
                <ul className="divide-y divide-line">
                  {group.nodes.map((node) => (
                    <SessionRow
                      key={node.row.id}
                      node={node}
                      now={now}
                      offlineHosts={offlineHosts}
                      onError={setError}
                    />
                  ))}
                </ul>
              </section>
            ))
          )}

          {cursor && (
            <div className="text-center">
              <button
                type="button"
                onClick={() => void loadMore()}
                className="min-h-11 rounded-lg border border-line px-4 py-2 text-sm hover:bg-raised sm:min-h-0 focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none"
              >
                Load older sessions
              </button>
            </div>
          )}
          <BoardShortcuts />
        </div>
      </DeleteDialogProvider>
    </ControlProvider>
  );
}
