"use client";

import { useEffect, useId, useRef } from "react";
import { PRIMARY_ACTION } from "../control/styles";

/** A board row, and the link in it that opens the session (what `j`/`k` and the skip link focus). */
const ROW = '[data-testid="session-row"]';
const ROW_LINK = "[data-row-link]";

const FIRST_WAITING_ACTION = `${ROW}:is([data-attention="permission"], [data-attention="question"], [data-attention="idle"]) [${PRIMARY_ACTION}]`;

/** The board's keys, in the order the help lists them (README, "The dashboard"). */
const SHORTCUTS = [
  { keys: ["j"], does: "Next session" },
  { keys: ["k"], does: "Previous session" },
  { keys: ["Enter"], does: "Open the focused session" },
  { keys: ["w"], does: "Go to the first waiting session's action (Allow once, its first option, the prompt)" },
  { keys: ["/"], does: "Search" },
  { keys: ["?"], does: "Show these shortcuts" },
] as const;

const typingIn = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));

function focus(target: HTMLElement | null | undefined) {
  if (!target) return false;
  target.focus();
  target.scrollIntoView({ block: "nearest" });
  return true;
}

/** The row after (or before) the one holding the focus; the first row when none does. */
function stepRow(step: 1 | -1) {
  const links = [...document.querySelectorAll<HTMLElement>(`${ROW} ${ROW_LINK}`)];
  const row = document.activeElement?.closest(ROW);
  const current = row ? links.indexOf(row.querySelector<HTMLElement>(ROW_LINK)!) : -1;
  const next = current === -1 ? 0 : Math.min(links.length - 1, Math.max(0, current + step));
  return focus(links[next]);
}

/** Focuses the first session row; false when the board has none. */
export const focusFirstRow = () => focus(document.querySelector<HTMLElement>(`${ROW} ${ROW_LINK}`));

/**
 * The board's keyboard shortcuts, all in one listener: `j`/`k` move between rows (Enter then
 * follows the focused row's link), `w` jumps to the first waiting session's primary action, `/`
 * focuses the search, `?` opens the list of shortcuts (Escape closes it). None fires while typing
 * in a field, with a modifier held, or while a dialog is open.
 */
export function BoardShortcuts() {
  const help = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const actions: Record<string, () => boolean> = {
      j: () => stepRow(1),
      k: () => stepRow(-1),
      w: () => focus(document.querySelector<HTMLElement>(FIRST_WAITING_ACTION)),
      "/": () => focus(document.querySelector<HTMLElement>('[role="search"] input[type="search"]')),
      "?": () => {
        help.current?.showModal();
        return true;
      },
    };
    const onKey = (e: KeyboardEvent) => {
      const action = actions[e.key];
      if (!action || e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
      if (document.querySelector("dialog[open]")) return;
      if (action()) e.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  return (
    <dialog
      ref={help}
      aria-labelledby={titleId}
      className="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-[var(--radius-card)] border border-line bg-surface p-5 text-ink shadow-xl backdrop:bg-black/40"
    >
      <h2 id={titleId} className="font-semibold">
        Keyboard shortcuts
      </h2>
      <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
        {SHORTCUTS.map(({ keys, does }) => (
          <div key={does} className="contents">
            <dt>
              {keys.map((key) => (
                <kbd key={key} className="rounded border border-line bg-raised px-1.5 py-0.5 font-mono text-xs">
                  {key}
                </kbd>
              ))}
            </dt>
            <dd className="text-muted">{does}</dd>
          </div>
        ))}
      </dl>
      <form method="dialog" className="mt-4 flex justify-end">
        <button className="min-h-11 rounded-md border border-line px-3 text-sm font-medium hover:bg-raised focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none sm:min-h-8">
          Close
        </button>
      </form>
    </dialog>
  );
}
