"use client";

import { useEffect } from "react";
import { PRIMARY_ACTION } from "../control/styles";

/** The key that jumps to the first waiting session's primary action (README, "The dashboard"). */
const FIRST_WAITING_KEY = "w";

const FIRST_WAITING_ACTION = `[data-testid="session-row"]:is([data-attention="permission"], [data-attention="question"], [data-attention="idle"]) [${PRIMARY_ACTION}]`;

const typingIn = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));

/**
 * `w` anywhere on the board (outside a text field) focuses the first waiting session's primary
 * action: Allow once, the question's first option, or the prompt box. Enter then acts.
 */
export function useFirstWaitingKey() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== FIRST_WAITING_KEY || e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
      const target = document.querySelector<HTMLElement>(FIRST_WAITING_ACTION);
      if (!target) return;
      e.preventDefault();
      target.focus();
      target.scrollIntoView({ block: "center" });
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
}
