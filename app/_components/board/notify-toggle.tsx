"use client";

import { useRouter } from "next/navigation";
import { useCallback, useSyncExternalStore } from "react";
import type { AttentionMessage } from "@/lib/realtime/messages";
import type { SessionListItem } from "@/lib/sessions/list-item";
import { useLiveEvent } from "../live/live-provider";
import { attentionText } from "./board-state";

const KEY = "ocd-notify";

type Choice = "on" | "off" | "unsupported";

/** The user's choice, kept in localStorage; this tab's writes and other tabs' (storage events) re-render. */
const choiceListeners = new Set<() => void>();
function subscribeChoice(onChange: () => void) {
  choiceListeners.add(onChange);
  window.addEventListener("storage", onChange);
  return () => {
    choiceListeners.delete(onChange);
    window.removeEventListener("storage", onChange);
  };
}
function readChoice(): Choice {
  if (!("Notification" in window)) return "unsupported";
  return localStorage.getItem(KEY) === "on" && Notification.permission === "granted" ? "on" : "off";
}
/** The server cannot know: the button renders off until hydrated. */
const serverChoice = (): Choice => "off";
function writeChoice(choice: "on" | "off") {
  localStorage.setItem(KEY, choice);
  for (const listener of choiceListeners) listener();
}

/** Opt-in browser notifications when a session starts waiting for its user. */
export function NotifyToggle({ lookup }: { lookup: (id: string) => SessionListItem | undefined }) {
  const router = useRouter();
  const choice = useSyncExternalStore(subscribeChoice, readChoice, serverChoice);
  const enabled = choice === "on";

  const onAttention = useCallback(
    (message: AttentionMessage) => {
      if (!enabled || !message.reason || message.previous === message.reason) return;
      const row = lookup(message.sessionId);
      const what = attentionText({
        attention: { reason: message.reason, detail: message.detail, since: message.since ?? Date.now() },
      });
      const notification = new Notification(
        row ? `${row.hostname}: ${row.title || "session"}` : "A session needs you",
        {
          body: what ?? "",
          tag: `${message.sessionId}:${message.reason}`,
          icon: "/icon.svg",
        },
      );
      notification.onclick = () => {
        window.focus();
        router.push(`/sessions/${encodeURIComponent(message.sessionId)}`);
      };
    },
    [enabled, lookup, router],
  );
  useLiveEvent("attention", onAttention);

  if (choice === "unsupported") return null;
  async function toggle() {
    if (enabled) return writeChoice("off");
    const permission = await Notification.requestPermission();
    writeChoice(permission === "granted" ? "on" : "off");
  }
  return (
    <button
      type="button"
      aria-pressed={enabled}
      onClick={() => void toggle()}
      className="min-h-11 rounded-lg border border-line px-2.5 py-1.5 text-sm text-muted sm:min-h-0 hover:bg-raised hover:text-ink aria-pressed:border-accent aria-pressed:text-accent focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none"
    >
      {enabled ? "Notifications on" : "Notify me"}
    </button>
  );
}
