"use client";

import Link from "next/link";
import { useState } from "react";
import type { SessionListItem } from "@/lib/sessions/list-item";
import { SessionControls } from "../control/session-controls";
import { usePending } from "../control/use-pending";
import { formatAgo, formatCost, formatTokens, isoTime, shortDirectory } from "../format";
import { StatusBadge } from "../status-badge";
import { attentionText, type RowNode, rowStale } from "./board-state";
import { BlockingContext } from "./blocking-context";
import { useAskDelete } from "./delete-dialog";
import { dismissSession } from "./session-actions";

function Meta({ row }: { row: SessionListItem }) {
  const model = row.modelId ? `${row.modelId}` : null;
  return (
    <p className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-0.5 text-xs wrap-anywhere text-muted">
      <span className="font-medium text-ink/80">{row.hostname}</span>
      <span aria-hidden="true">·</span>
      <span title={row.directory} className="font-mono">
        {shortDirectory(row.directory)}
      </span>
      {model && (
        <>
          <span aria-hidden="true">·</span>
          <span title={row.providerId ?? undefined}>{model}</span>
        </>
      )}
      {row.agent && (
        <>
          <span aria-hidden="true">·</span>
          <span>{row.agent}</span>
        </>
      )}
      {row.childCount > 0 && (
        <>
          <span aria-hidden="true">·</span>
          <span>
            {row.childCount} subagent{row.childCount === 1 ? "" : "s"}
          </span>
        </>
      )}
    </p>
  );
}

function Actions({ row, onError }: { row: SessionListItem; onError: (message: string) => void }) {
  const askDelete = useAskDelete();
  const [busy, setBusy] = useState(false);
  const dismiss = async () => {
    setBusy(true);
    try {
      await dismissSession(row.id);
    } catch (error) {
      onError((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const button =
    "min-h-11 rounded-md px-2 py-1 text-xs font-medium sm:min-h-0 focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none disabled:opacity-50";
  return (
    <div className="flex items-center gap-1">
      {row.attention && (
        <button
          type="button"
          disabled={busy}
          onClick={() => void dismiss()}
          className={`${button} border border-wait-line text-wait hover:bg-wait-soft`}
          aria-label={`Dismiss: ${row.title || row.id}`}
        >
          Dismiss
        </button>
      )}
      <button
        type="button"
        disabled={busy}
        onClick={() => askDelete(row)}
        className={`${button} text-muted hover:bg-error-soft hover:text-error`}
        aria-label={`Delete: ${row.title || row.id}`}
      >
        Delete
      </button>
    </div>
  );
}

export function SessionRow({
  node,
  now,
  offlineHosts,
  depth = 0,
  onError,
}: {
  node: RowNode;
  now: number;
  /** Hosts offline now: their sessions are stale (lib/sessions/active.ts). */
  offlineHosts: ReadonlySet<string>;
  depth?: number;
  onError: (message: string) => void;
}) {
  const { row } = node;
  const pending = usePending(row);
  const stale = rowStale(row, offlineHosts);
  const waiting = attentionText(row);
  const isBlocked = !stale && row.attention && row.attention.reason !== "error";
  const isError = !stale && (row.attention?.reason === "error" || row.status === "error");
  return (
    <li
      data-testid="session-row"
      data-session-id={row.id}
      data-attention={row.attention?.reason ?? ""}
      data-stale={stale ?? ""}
    >
      <div
        className={`group grid grid-cols-[1fr_auto] gap-x-3 gap-y-1 border-l-4 px-3 py-2.5 sm:grid-cols-[minmax(0,1fr)_6rem_5.5rem_6rem_auto] sm:items-center ${
          isBlocked
            ? "border-l-wait-line bg-wait-soft/60"
            : isError
              ? "border-l-error bg-error-soft/40"
              : "border-l-transparent hover:bg-raised/60"
        }`}
        style={{ paddingLeft: depth ? `${0.75 + depth * 1.25}rem` : undefined }}
      >
        <div className="min-w-0">
          <div className="flex min-w-0 items-center gap-2">
            {depth > 0 && (
              <span aria-hidden="true" className="text-muted">
                ↳
              </span>
            )}
            {/* A ring shows the focused row (j/k, Tab); a long title wraps to a few lines, not cut. */}
            <Link
              href={`/sessions/${encodeURIComponent(row.id)}`}
              data-row-link
              className="flex min-h-11 min-w-0 items-center rounded-sm font-medium hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-accent sm:min-h-0"
            >
              <span data-row-title className="line-clamp-3 wrap-anywhere sm:line-clamp-2">
                {row.title || "Untitled session"}
              </span>
            </Link>
            <StatusBadge row={row} stale={stale} />
          </div>
          <Meta row={row} />
          {waiting && row.attention && (
            <p
              className={`mt-1 text-sm ${stale ? "text-muted" : isError ? "text-error" : "font-medium text-wait"}`}
              data-testid="attention-reason"
            >
              <span className="break-words">{waiting}</span>
              <span className="ml-2 text-xs font-normal text-muted whitespace-nowrap">
                {stale === "host_offline"
                  ? `— ${row.hostname} is offline: this can wait until it is back`
                  : `waiting ${formatAgo(row.attention.since, now).replace(" ago", "")}`}
              </span>
            </p>
          )}
          <BlockingContext session={row} pending={pending} now={now} compact />
        </div>
        <div
          className="hidden text-right text-sm tabular-nums sm:block"
          title={`${row.tokens.input} in, ${row.tokens.output} out, ${row.tokens.cacheRead} cache read`}
        >
          {formatTokens(row.tokens.total)}
          <span className="block text-xs text-muted">tokens</span>
        </div>
        <div className="hidden text-right text-sm tabular-nums sm:block">{formatCost(row.cost)}</div>
        <div className="text-right text-xs text-muted tabular-nums sm:text-sm">
          <time dateTime={isoTime(row.lastActivityAt)}>{formatAgo(row.lastActivityAt, now)}</time>
          <span className="block text-xs sm:hidden">
            {formatCost(row.cost)} · {formatTokens(row.tokens.total)} tok
          </span>
        </div>
        <div className="col-span-2 flex justify-end sm:col-span-1">
          <Actions row={row} onError={onError} />
        </div>
        {/* Deleted in OpenCode: there is nothing left there to answer, prompt or stop. */}
        {stale !== "deleted" && <SessionControls session={row} pending={pending} quietStop className="col-span-full" />}
      </div>
      {node.children.length > 0 && (
        <ul aria-label={`Subagents of ${row.title || row.id}`}>
          {node.children.map((child) => (
            <SessionRow
              key={child.row.id}
              node={child}
              now={now}
              offlineHosts={offlineHosts}
              depth={depth + 1}
              onError={onError}
            />
          ))}
        </ul>
      )}
    </li>
  );
}
