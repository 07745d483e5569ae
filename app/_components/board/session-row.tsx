"use client";

import Link from "next/link";
import { useState } from "react";
import type { SessionListItem } from "@/lib/sessions/list-item";
import { SessionControls } from "../control/session-controls";
import { usePending } from "../control/use-pending";
import { formatAgo, formatCost, formatTokens, shortDirectory } from "../format";
import { StatusBadge } from "../status-badge";
import { attentionText, type RowNode } from "./board-state";
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
    "rounded-md px-2 py-1 text-xs font-medium focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none disabled:opacity-50";
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
  depth = 0,
  onError,
}: {
  node: RowNode;
  now: number;
  depth?: number;
  onError: (message: string) => void;
}) {
  const { row } = node;
  const pending = usePending(row);
  const waiting = attentionText(row);
  const isBlocked = row.attention && row.attention.reason !== "error";
  const isError = row.attention?.reason === "error" || row.status === "error";
  return (
    <li data-testid="session-row" data-session-id={row.id} data-attention={row.attention?.reason ?? ""}>
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
            <Link
              href={`/sessions/${encodeURIComponent(row.id)}`}
              className="truncate font-medium hover:underline focus-visible:underline focus-visible:outline-none"
            >
              {row.title || "Untitled session"}
            </Link>
            <StatusBadge row={row} />
          </div>
          <Meta row={row} />
          {waiting && row.attention && (
            <p
              className={`mt-1 text-sm ${isError ? "text-error" : "font-medium text-wait"}`}
              data-testid="attention-reason"
            >
              <span className="break-words">{waiting}</span>
              <span className="ml-2 text-xs font-normal text-muted whitespace-nowrap">
                waiting {formatAgo(row.attention.since, now).replace(" ago", "")}
              </span>
            </p>
          )}
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
          <time dateTime={new Date(row.lastActivityAt).toISOString()}>{formatAgo(row.lastActivityAt, now)}</time>
          <span className="block text-xs sm:hidden">
            {formatCost(row.cost)} · {formatTokens(row.tokens.total)} tok
          </span>
        </div>
        <div className="col-span-2 flex justify-end sm:col-span-1">
          <Actions row={row} onError={onError} />
        </div>
        <SessionControls session={row} pending={pending} quietStop className="col-span-full" />
      </div>
      {node.children.length > 0 && (
        <ul aria-label={`Subagents of ${row.title || row.id}`}>
          {node.children.map((child) => (
            <SessionRow key={child.row.id} node={child} now={now} depth={depth + 1} onError={onError} />
          ))}
        </ul>
      )}
    </li>
  );
}
