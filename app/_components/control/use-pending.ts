"use client";

import { useEffect, useState } from "react";
import type { SessionListItem } from "@/lib/sessions/list-item";
import { fetchPending, type PendingRequest } from "./api";

/**
 * The pending permissions and questions of a session that waits for one, asked again whenever
 * its attention moves on (answered here, in the terminal, or the next request surfaced).
 */
export function usePending(
  session: Pick<SessionListItem, "id" | "attention">,
  initial?: PendingRequest[],
): PendingRequest[] | undefined {
  const reason = session.attention?.reason;
  const blocked = reason === "permission" || reason === "question";
  const key = blocked ? `${reason}:${session.attention?.since}:${session.attention?.detail}` : null;
  const [loaded, setLoaded] = useState<{ key: string; pending: PendingRequest[] } | null>(null);
  const [initialKey] = useState(key);

  useEffect(() => {
    if (!key || (initial && key === initialKey)) return;
    let stale = false;
    fetchPending(session.id).then(
      (pending) => !stale && setLoaded({ key, pending }),
      () => {}, // shown as not loaded; the next attention change asks again
    );
    return () => {
      stale = true;
    };
  }, [key, session.id, initial, initialKey]);

  if (!key) return [];
  if (loaded?.key === key) return loaded.pending;
  return initial && key === initialKey ? initial : undefined;
}
