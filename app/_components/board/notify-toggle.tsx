"use client";

import { useCallback, useEffect, useState } from "react";
import type { AttentionMessage } from "@/lib/realtime/messages";
import type { SessionListItem } from "@/lib/sessions/list-item";
import { useLiveEvent } from "../live/live-provider";
import { attentionText } from "./board-state";

const KEY = "ocd-notify";

/** Opt-in browser notifications when a session starts waiting for its user. */
export function NotifyToggle({ lookup }: { lookup: (id: string) => SessionListItem | undefined }) {
  const [enabled, setEnabled] = useState(false);
  const [supported, setSupported] = useState(true);

  useEffect(() => {
    if (!("Notification" in window)) return setSupported(false);
    setEnabled(localStorage.getItem(KEY) === "on" && Notification.permission === "granted");
  }, []);

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
        location.assign(`/sessions/${encodeURIComponent(message.sessionId)}`);
      };
    },
    [enabled, lookup],
  );
  useLiveEvent("attention", onAttention);

  if (!supported) return null;
  async function toggle() {
    if (enabled) {
      localStorage.setItem(KEY, "off");
      return setEnabled(false);
    }
    const permission = await Notification.requestPermission();
    localStorage.setItem(KEY, permission === "granted" ? "on" : "off");
    setEnabled(permission === "granted");
  }
  return (
    <button
      type="button"
      aria-pressed={enabled}
      onClick={() => void toggle()}
      className="rounded-lg border border-line px-2.5 py-1.5 text-sm text-muted hover:bg-raised hover:text-ink aria-pressed:border-accent aria-pressed:text-accent focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none"
    >
      {enabled ? "Notifications on" : "Notify me"}
    </button>
  );
}
