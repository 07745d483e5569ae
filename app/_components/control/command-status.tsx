"use client";

import { useEffect, useState } from "react";
import type { CommandItem } from "@/lib/control/commands";
import { useControl } from "./control-provider";

/** An applied command's line stays this long, then the row shows only what is current. */
const APPLIED_SHOWN_MS = 15_000;

const PERMISSION_WORDS: Record<string, string> = { once: "Allow once", always: "Always allow", reject: "Reject" };

/** What the command was, in the words of the button that sent it. */
function commandLabel(command: CommandItem) {
  switch (command.action) {
    case "permission.reply":
      return PERMISSION_WORDS[(command.args as { reply?: string }).reply ?? ""] ?? "Permission reply";
    case "question.reply":
      return "Answer";
    case "question.reject":
      return "Dismiss";
    case "prompt":
      return "Prompt";
    case "abort":
      return "Stop";
  }
}

function progress(command: CommandItem) {
  switch (command.status) {
    case "queued":
      return `waiting for ${command.hostname} to pick it up…`;
    case "delivered":
      return `delivered to ${command.hostname}…`;
    case "applied":
      return "done";
    case "failed":
      return `failed: ${command.reason ?? "no reason given"}`;
    case "expired":
      return `expired: ${command.reason ?? "not carried out in time"}`;
  }
}

/** The latest command on a session and how far it got, live; a failed one says why. */
export function CommandStatus({ sessionId }: { sessionId: string }) {
  const command = useControl().commandOf(sessionId);
  const [hidden, setHidden] = useState<string | null>(null);
  const applied = command?.status === "applied" ? command.id : null;
  useEffect(() => {
    if (!applied) return;
    const timer = setTimeout(() => setHidden(applied), APPLIED_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [applied]);
  if (!command || hidden === command.id) return null;
  const bad = command.status === "failed" || command.status === "expired";
  return (
    <p
      role="status"
      data-testid="command-status"
      data-status={command.status}
      className={`text-xs ${bad ? "text-error" : command.status === "applied" ? "text-busy" : "text-muted"}`}
    >
      <span className="font-medium">{commandLabel(command)}</span>: {progress(command)}
    </p>
  );
}
