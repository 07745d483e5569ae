"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import type { InstanceSummary } from "@/lib/instances/queries";
import type { InstanceItem } from "@/lib/instances/item";
import { isHostOnline } from "@/lib/sessions/active";
import { formatAgo, formatCost, formatNumber } from "../format";
import { useCatchUp, useLiveEvent } from "../live/live-provider";
import { useNow } from "../use-now";

/** What each control level lets this dashboard do on the host (docs/control.md). */
const CONTROL_LOOK = {
  full: { label: "Control: full", hint: "answers, stop and prompts from here", className: "bg-busy-soft text-busy" },
  answer: {
    label: "Control: answer",
    hint: "answers and stop from here, no prompts",
    className: "bg-busy-soft text-busy",
  },
  off: { label: "Control: off", hint: null, className: "bg-raised text-muted" },
} as const;

function ControlLevel({ level }: { level: InstanceItem["control"] }) {
  const look = CONTROL_LOOK[level ?? "off"];
  return (
    <p className="mt-2 text-xs" data-testid="control-level" data-level={level ?? ""}>
      <span className={`rounded-full px-2 py-0.5 font-medium ${look.className}`}>
        {level ? look.label : "Control: not reported"}
      </span>{" "}
      <span className="text-muted">
        {look.hint ?? (
          <>
            turn it on with <code className="font-mono">control = &quot;answer&quot;</code> in that machine&apos;s{" "}
            <code className="font-mono">dashboard.toml</code>
          </>
        )}
      </span>
    </p>
  );
}

/** How often, at most, the page asks for its hosts' counts again while their sessions change. */
const COUNTS_REFRESH_MS = 1000;

/**
 * The sessions' counts per host (busy, blocked, finished, cost, deleted and ignored) are sums the
 * server makes: what is pushed (a session, a host) cannot update them here. A change asks
 * /api/instances again, once per COUNTS_REFRESH_MS however many changes came, so a busy fleet
 * costs one request a second.
 */
function useCountsRefresh(setHosts: (hosts: InstanceSummary[]) => void) {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      void fetch("/api/instances")
        .then((res) => (res.ok ? (res.json() as Promise<{ instances: InstanceSummary[] }>) : null))
        .then((body) => body && setHosts(body.instances))
        .catch(() => {}); // the next change asks again
    }, COUNTS_REFRESH_MS);
  }, [setHosts]);
}

/** Every machine with the plugin: online while its heartbeat is fresh, with what it runs. */
export function InstancesView({
  initial,
  version,
  renderedAt,
}: {
  initial: InstanceSummary[];
  version: number;
  renderedAt: number;
}) {
  const now = useNow(5000, renderedAt);
  const [hosts, setHosts] = useState(initial);
  const refreshCounts = useCountsRefresh(setHosts);
  const onInstance = useCallback(
    (item: InstanceItem) => {
      setHosts((prev) => {
        const existing = prev.find((h) => h.hostname === item.hostname);
        if (!existing)
          return [
            ...prev,
            {
              ...item,
              sessions: 0,
              busy: 0,
              blocked: 0,
              finished: 0,
              attention: 0,
              cost: 0,
              deleted: { sessions: 0, ignoredEvents: 0 },
            },
          ].sort((a, b) => a.hostname.localeCompare(b.hostname));
        return prev.map((h) => (h.hostname === item.hostname ? { ...h, ...item } : h));
      });
      // A host is named when it sends anything: a heartbeat, events (events for sessions deleted
      // here are counted as ignored), or back from offline, when its sessions count again.
      refreshCounts();
    },
    [refreshCounts],
  );
  useLiveEvent("instance:upsert", onInstance);
  useLiveEvent("session:upsert", refreshCounts);
  useLiveEvent("session:remove", refreshCounts);
  // What changed while the page loaded or the connection was down.
  useCatchUp(version, refreshCounts);

  if (hosts.length === 0) {
    return (
      <p className="rounded-[var(--radius-card)] border border-dashed border-line px-4 py-10 text-center text-muted">
        No machine has connected yet. The Sessions page shows how to connect one.
      </p>
    );
  }
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Hosts</h1>
      {/* grid-cols-1 (minmax(0, 1fr)): a long hostname is cut with an ellipsis, not widening the page. */}
      <ul className="grid grid-cols-1 gap-3 sm:grid-cols-2 xl:grid-cols-3">
        {hosts.map((h) => {
          // Judged against the ticking clock, so a host goes offline without a reload; its
          // sessions are stale then (lib/sessions/active.ts) and leave the Busy and Waiting counts.
          const online = isHostOnline(h.offlineAt, now);
          const offline = h.offlineAt !== null && !online;
          const busy = offline ? 0 : h.busy;
          const blocked = offline ? 0 : h.blocked;
          const finished = offline ? 0 : h.finished;
          return (
            <li
              key={h.hostname}
              className="min-w-0 rounded-[var(--radius-card)] border border-line bg-surface p-4 shadow-[var(--shadow-card)]"
              data-testid="instance"
              data-online={online}
            >
              <div className="flex items-center gap-2">
                <span aria-hidden="true" className={`size-2.5 rounded-full ${online ? "bg-busy" : "bg-muted"}`} />
                <h2 className="min-w-0 flex-1 truncate font-semibold">
                  <Link href={`/?host=${encodeURIComponent(h.hostname)}`} className="hover:underline">
                    {h.hostname}
                  </Link>
                </h2>
                <span
                  className={`rounded-full px-2 py-0.5 text-xs font-medium ${online ? "bg-busy-soft text-busy" : "bg-raised text-muted"}`}
                >
                  {online ? "Online" : h.offlineAt === null ? "No heartbeat yet" : "Offline"}
                </span>
              </div>
              <p className="mt-1 text-xs text-muted">
                Last seen {formatAgo(h.lastSeen, now)}
                {h.lastHeartbeat !== null && ` · heartbeat ${formatAgo(h.lastHeartbeat, now)}`}
              </p>
              <ControlLevel level={h.control} />
              <dl className="mt-3 grid grid-cols-5 gap-2 text-sm">
                <div>
                  <dt className="text-xs text-muted">Busy</dt>
                  <dd className="font-medium tabular-nums text-busy" data-testid="host-busy">
                    {busy}
                  </dd>
                </div>
                <div>
                  <dt className="text-xs text-muted">Blocked</dt>
                  <dd className={`font-medium tabular-nums ${blocked ? "text-wait" : ""}`} data-testid="host-blocked">
                    {blocked}
                  </dd>
                </div>
                <div>
                  <dt className="text-xs text-muted">Finished</dt>
                  <dd className="font-medium tabular-nums" data-testid="host-finished">
                    {finished}
                  </dd>
                </div>
                <div>
                  <dt className="text-xs text-muted">Sessions</dt>
                  <dd className="font-medium tabular-nums">{formatNumber(h.sessions)}</dd>
                </div>
                <div>
                  <dt className="text-xs text-muted">Cost</dt>
                  <dd className="font-medium tabular-nums">{formatCost(h.cost)}</dd>
                </div>
              </dl>
              <p className="mt-3 text-xs text-muted">
                OpenCode {h.opencodeVersion ?? "?"} · plugin {h.pluginVersion ?? "?"}
                {h.spoolBytes ? ` · ${Math.round(h.spoolBytes / 1024)} KB spooled` : ""}
                {h.droppedEvents ? ` · ${h.droppedEvents} events dropped` : ""}
              </p>
              {h.deleted.sessions > 0 && (
                <p className="mt-1 text-xs text-muted" data-testid="host-deleted">
                  {formatNumber(h.deleted.sessions)} session{h.deleted.sessions === 1 ? "" : "s"} deleted here ·{" "}
                  {formatNumber(h.deleted.ignoredEvents)} later event{h.deleted.ignoredEvents === 1 ? "" : "s"} ignored
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
