"use client";

import { useState } from "react";
import type { CommandItem } from "@/lib/control/commands";
import { useControl } from "./control-provider";

/**
 * Sends one command and follows it: `sending` while the request is out and until the command is
 * final, `error` when the server refused it (the 4xx/503 message says why).
 */
export function useCommand(sessionId: string) {
  const { commandOf, track } = useControl();
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const latest = commandOf(sessionId);
  const open = latest?.status === "queued" || latest?.status === "delivered";

  async function send(issue: () => Promise<CommandItem>) {
    setSending(true);
    setError(null);
    try {
      track(await issue());
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    } finally {
      setSending(false);
    }
  }
  return { send, busy: sending || open, error };
}
