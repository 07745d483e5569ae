"use client";

import { useEffect, useState } from "react";
import type { BoardView } from "@/lib/sessions/views";

/** Every filter lib/sessions/active.ts defines, in the board's words; a status filter leaves blocked sessions out. */
const statuses: { value: BoardView["status"]; label: string }[] = [
  { value: "", label: "Any status" },
  { value: "blocked", label: "Blocked on you" },
  { value: "permission", label: "Needs permission" },
  { value: "question", label: "Asks a question" },
  { value: "error", label: "Error" },
  { value: "finished", label: "Finished" },
  { value: "attention", label: "Blocked or finished" },
  { value: "working", label: "Working" },
  { value: "busy", label: "Busy" },
  { value: "retry", label: "Retrying" },
  { value: "idle", label: "Idle" },
];

const groupings: { value: BoardView["group"]; label: string }[] = [
  { value: "host", label: "By host" },
  { value: "project", label: "By project" },
  { value: "flat", label: "Flat" },
];

/** Form controls: 44 px tall on a phone (a finger's size), compact from the `sm` breakpoint. */
const control =
  "min-h-11 rounded-lg border border-line bg-surface px-2.5 py-1.5 text-sm outline-none focus-visible:border-accent focus-visible:ring-2 focus-visible:ring-accent/30 sm:min-h-0";

/** Host, status and text filters, and the grouping; every change lands in the URL. */
export function Filters({
  view,
  hosts,
  onChange,
}: {
  view: BoardView;
  hosts: string[];
  onChange: (change: Partial<BoardView>) => void;
}) {
  const [search, setSearch] = useState(view.search);
  // The URL's search changed (back/forward, a link, our own debounced write): the box shows it.
  const [viewSearch, setViewSearch] = useState(view.search);
  if (view.search !== viewSearch) {
    setViewSearch(view.search);
    setSearch(view.search);
  }
  useEffect(() => {
    if (search === view.search) return;
    const timer = setTimeout(() => onChange({ search: search.trim() }), 300);
    return () => clearTimeout(timer);
  }, [search, view.search, onChange]);

  return (
    <div className="flex flex-wrap items-end gap-2" role="search">
      <label className="flex flex-col gap-1 text-xs font-medium text-muted">
        Search
        <input
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="Title, folder, prompt text…"
          className={`${control} w-56 text-ink`}
        />
      </label>
      <label className="flex flex-col gap-1 text-xs font-medium text-muted">
        Host
        <select
          value={view.host}
          onChange={(e) => onChange({ host: e.target.value })}
          className={`${control} max-w-64 text-ink`}
        >
          <option value="">All hosts</option>
          {hosts.map((h) => (
            <option key={h} value={h}>
              {h}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col gap-1 text-xs font-medium text-muted">
        Status
        <select
          value={view.status}
          onChange={(e) => onChange({ status: statuses.find((s) => s.value === e.target.value)?.value ?? "" })}
          className={`${control} text-ink`}
        >
          {statuses.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="flex flex-col gap-1">
        <legend className="mb-1 text-xs font-medium text-muted">Group</legend>
        <div className="flex rounded-lg border border-line bg-surface p-0.5">
          {groupings.map((g) => (
            <label
              key={g.value}
              className="inline-flex min-h-11 cursor-pointer items-center rounded-md px-2.5 py-1 text-sm sm:min-h-0 text-muted has-checked:bg-raised has-checked:text-ink has-focus-visible:ring-2 has-focus-visible:ring-accent/40"
            >
              <input
                type="radio"
                name="group"
                value={g.value}
                checked={view.group === g.value}
                onChange={() => onChange({ group: g.value })}
                className="sr-only"
              />
              {g.label}
            </label>
          ))}
        </div>
      </fieldset>
    </div>
  );
}
