import { isBlocked, isReady, type StaleReason } from "@/lib/sessions/active";
import type { SessionListItem } from "@/lib/sessions/list-item";

type Look = { label: string; className: string; dot: string };

/** What a stale session (lib/sessions/active.ts) shows instead of the state it last had. */
export const STALE_LABEL: Record<StaleReason, string> = {
  deleted: "Deleted in OpenCode",
  host_offline: "Host offline",
};

/**
 * Blocked on you, finished, working, error, retrying, idle, or stale: one look per state, used
 * everywhere (lib/sessions/active.ts decides the state). An error keeps its own look, blocked or not.
 */
function statusLook(row: Pick<SessionListItem, "status" | "attention">, stale: StaleReason | null): Look {
  if (stale) return { label: STALE_LABEL[stale], className: "bg-raised text-muted", dot: "bg-muted" };
  if (isBlocked(row) && row.attention?.reason !== "error")
    return { label: "Waiting for you", className: "bg-wait-soft text-wait", dot: "bg-wait" };
  if (isReady(row) && row.status === "idle")
    return { label: "Finished", className: "bg-wait-soft text-wait", dot: "bg-wait" };
  switch (row.status) {
    case "busy":
      return { label: "Working", className: "bg-busy-soft text-busy", dot: "bg-busy animate-pulse-dot" };
    case "retry":
      return { label: "Retrying", className: "bg-retry-soft text-retry", dot: "bg-retry animate-pulse-dot" };
    case "error":
      return { label: "Error", className: "bg-error-soft text-error", dot: "bg-error" };
    default:
      return { label: "Idle", className: "bg-raised text-muted", dot: "bg-muted" };
  }
}

export function StatusBadge({
  row,
  stale = null,
}: {
  row: Pick<SessionListItem, "status" | "attention">;
  /** Stale: its state is no longer known, say why instead. */
  stale?: StaleReason | null;
}) {
  const look = statusLook(row, stale);
  return (
    <span
      data-testid="status-badge"
      data-stale={stale ?? ""}
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ${look.className}`}
    >
      <span aria-hidden="true" className={`size-1.5 rounded-full ${look.dot}`} />
      {look.label}
    </span>
  );
}
