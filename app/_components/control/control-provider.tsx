"use client";

import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { SessionControl } from "@/lib/control/audit";
import type { CommandItem } from "@/lib/control/commands";
import { useLive, useLiveEvent } from "../live/live-provider";
import { fetchControl } from "./api";

/** GET /api/control takes at most this many ids a request (lib/control/params.ts). */
const IDS_PER_REQUEST = 200;

const PROGRESS = { queued: 0, delivered: 1, applied: 2, failed: 2, expired: 2 } as const;
const isNewer = (a: CommandItem, b: CommandItem) =>
  a.updatedAt > b.updatedAt || (a.updatedAt === b.updatedAt && PROGRESS[a.status] > PROGRESS[b.status]);

type ControlState = {
  /** What may be done on a session now; undefined until known. */
  controlOf: (sessionId: string) => SessionControl | undefined;
  /** The latest command sent to a session, from this tab or any other dashboard. */
  commandOf: (sessionId: string) => CommandItem | undefined;
  /** Shows a command this tab just issued before its first push arrives. */
  track: (command: CommandItem) => void;
};

const ControlContext = createContext<ControlState>({
  controlOf: () => undefined,
  commandOf: () => undefined,
  track: () => {},
});

/**
 * Keeps what can be done on the given sessions (asked again whenever the server says it changed,
 * after a reconnect and when the list of sessions changes) and every command's progress as pushed.
 */
export function ControlProvider({ sessionIds, children }: { sessionIds: string[]; children: React.ReactNode }) {
  const { epoch } = useLive();
  const [control, setControl] = useState(() => new Map<string, SessionControl>());
  const [commands, setCommands] = useState(() => new Map<string, CommandItem>());
  const [changes, setChanges] = useState(0);
  const key = useMemo(() => [...new Set(sessionIds)].sort().join(","), [sessionIds]);

  useEffect(() => {
    const ids = key ? key.split(",") : [];
    let stale = false;
    void (async () => {
      const chunks = [];
      for (let i = 0; i < ids.length; i += IDS_PER_REQUEST) chunks.push(ids.slice(i, i + IDS_PER_REQUEST));
      try {
        const answers = (await Promise.all(chunks.map(fetchControl))).flat();
        if (!stale) setControl(new Map(answers.map((c) => [c.sessionId, c])));
      } catch {
        // Offline or signed out for a moment: the next change or reconnect asks again.
      }
    })();
    return () => {
      stale = true;
    };
  }, [key, epoch, changes]);

  const onControlChanged = useCallback(() => setChanges((n) => n + 1), []);
  useLiveEvent("control:changed", onControlChanged);

  const track = useCallback((command: CommandItem) => {
    setCommands((prev) => {
      const current = prev.get(command.sessionId);
      // A late push about an older command, or an older state of this one, changes nothing.
      if (
        current &&
        (current.createdAt > command.createdAt || (current.id === command.id && !isNewer(command, current)))
      )
        return prev;
      return new Map(prev).set(command.sessionId, command);
    });
  }, []);
  useLiveEvent("command", track);

  const value = useMemo<ControlState>(
    () => ({ controlOf: (id) => control.get(id), commandOf: (id) => commands.get(id), track }),
    [control, commands, track],
  );
  return <ControlContext.Provider value={value}>{children}</ControlContext.Provider>;
}

export function useControl() {
  return useContext(ControlContext);
}
