"use client";

import { createContext, useCallback, useContext, useRef, useState } from "react";
import type { SessionListItem } from "@/lib/sessions/list-item";
import { deleteSession } from "./session-actions";

/**
 * One delete confirmation for the whole board: rows ask it for their session instead of each
 * rendering a dialog of its own (with hundreds of rows those dialogs were a large share of the
 * board's HTML and DOM).
 */
const AskDelete = createContext<((row: SessionListItem) => void) | null>(null);

export function useAskDelete() {
  const ask = useContext(AskDelete);
  if (!ask) throw new Error("useAskDelete needs a DeleteDialogProvider around it");
  return ask;
}

const button =
  "rounded-md px-3 py-1.5 text-sm font-medium focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none";

export function DeleteDialogProvider({
  children,
  onError,
}: {
  children: React.ReactNode;
  onError: (message: string) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [row, setRow] = useState<SessionListItem | null>(null);
  const ask = useCallback((target: SessionListItem) => {
    setRow(target);
    dialog.current?.showModal();
  }, []);
  const confirm = () => {
    dialog.current?.close();
    if (row) deleteSession(row.id).catch((error: unknown) => onError((error as Error).message));
  };
  return (
    <AskDelete value={ask}>
      {children}
      <dialog
        ref={dialog}
        onClose={() => setRow(null)}
        className="m-auto max-w-sm rounded-[var(--radius-card)] border border-line bg-surface p-5 text-ink shadow-xl backdrop:bg-black/40"
      >
        <h2 className="font-semibold">Delete this session?</h2>
        {row && (
          <p className="mt-2 text-sm wrap-anywhere text-muted" data-testid="delete-explained">
            “{row.title || row.id}” on {row.hostname}
            {row.childCount > 0
              ? `, with its ${row.childCount} subagent session${row.childCount === 1 ? "" : "s"},`
              : ""}{" "}
            and its whole timeline are deleted from the dashboard. OpenCode itself is not touched: should the session go
            on there, what it sends is ignored here (the Hosts page counts it) and it does not come back.
          </p>
        )}
        <form method="dialog" className="mt-4 flex justify-end gap-2">
          <button className={`${button} hover:bg-raised`}>Cancel</button>
          <button type="button" onClick={confirm} className={`${button} bg-error text-white hover:opacity-90`}>
            Delete
          </button>
        </form>
      </dialog>
    </AskDelete>
  );
}
